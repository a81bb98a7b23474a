import Foundation
import TestSupport
import XCTest

/// systemd/bg95d.service run by a real systemd PID 1 (Debian bookworm, systemd 252, in
/// systemd-nspawn) on the simulated module: start waits for READY, the identity and hardening
/// hold at run time and bg95d still gets the port, netlink and DHCP, a SIGKILL and a hang
/// (SIGSTOP, caught by the watchdog) are restarted without duplicate routes, `stop` leaves
/// nothing behind, and the journal files each line at the daemon's priority.
///
/// One container boot for the whole lifecycle (booting costs seconds); each step says what it
/// checks. Needs root, systemd-nspawn and debootstrap (`make deps`); fails loudly without them.
final class BG95dUnderSystemdTests: XCTestCase {
    /// CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13): the unit's bounding set.
    static let unitCapabilities: UInt64 = (1 << 10) | (1 << 12) | (1 << 13)
    /// systemd's DynamicUser= range.
    static let dynamicUsers: ClosedRange<UInt32> = 61_184...65_519
    static let dialout = "20"

    func testServiceLifecycleUnderSystemd() throws {
        let container = try SystemdContainer()
        defer { container.close() }
        let before = try container.networkState()
        XCTAssertEqual(try container.property("LoadState"), "loaded")
        XCTAssertEqual(try container.property("Type"), "notify")
        XCTAssertEqual(try container.property("DropInPaths"), "/etc/systemd/system/bg95d.service.d/test-simulator.conf")
        // What `make install` says next: enable it for boot (WantedBy=multi-user.target).
        try container.check(["systemctl", "enable", "bg95d"])
        XCTAssertEqual(try container.run(["systemctl", "is-enabled", "bg95d"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "enabled")

        // 1. `systemctl start` returns once READY arrived: systemd's own debug log shows the unit
        //    leaving "start" for "running" only after the READY=1 message, the control socket
        //    answers at once, with the STATUS text the daemon sent along.
        try container.check(["systemctl", "log-level", "debug"])
        try container.check(["systemctl", "start", "bg95d"])
        try container.check(["systemctl", "log-level", "info"])
        let manager = try container.check(["journalctl", "_PID=1", "-o", "cat", "--no-pager"]).stdout
            .split(separator: "\n").filter { $0.hasPrefix("bg95d.service: ") }
        let ready = manager.firstIndex { $0.contains("Got notification message from PID") && $0.contains("READY=1") }
        let running = manager.firstIndex { $0.contains("Changed start -> running") }
        XCTAssertNotNil(ready, "no READY=1 from bg95d in systemd's log:\n\(manager.joined(separator: "\n"))")
        XCTAssertNotNil(running, "bg95d never went start -> running:\n\(manager.joined(separator: "\n"))")
        if let ready, let running { XCTAssertLessThan(ready, running, "running before READY") }
        XCTAssertEqual(try container.property("ActiveState"), "active")
        XCTAssertEqual(try container.property("SubState"), "running")
        let first = try container.bg95ctl(["status", "--json"])
        // Exit 0 online, 1 answered but not online yet; 3 would be no answer on the socket.
        XCTAssertTrue([0, 1].contains(first.status), "the control socket did not answer right after READY (exit \(first.status)): \(first.stderr)\n\(container.journal())")
        XCTAssertTrue(first.stdout.contains("\"state\""), "no status document: \(first.stdout)")
        XCTAssertFalse(try container.property("StatusText").isEmpty, "no STATUS= with READY")

        // 2. Online through the real port, netlink and DHCP, shown by bg95ctl and systemctl.
        let online = try container.bg95ctl(["watch", "--until", "online", "--no-urcs", "--timeout", "90"])
        XCTAssertEqual(online.status, 0, "not online: \(online.stdout)\(online.stderr)\n\(container.journal())")
        let status = try container.bg95ctl(["status", "--json"])
        let snapshot = (try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8))) as? [String: Any]
        XCTAssertEqual(snapshot?["state"] as? String, "online", status.stdout)
        try container.waitFor("STATUS=online", timeout: 10) { try container.property("StatusText") == "online" }
        let systemctlStatus = try container.run(["systemctl", "status", "--no-pager", "bg95d"]).stdout
        XCTAssertTrue(systemctlStatus.contains("Status: \"online\""), systemctlStatus)
        XCTAssertTrue(try container.ping(), "no ping through the module")
        try assertOwnRoutesUnique(container)

        // 3. Identity and hardening as the running process has them.
        let pid = try container.property("MainPID")
        let fields = try processStatus(container, pid: pid)
        XCTAssertEqual(fields["Name"], "bg95d")
        let uids = (fields["Uid"] ?? "").split(separator: "\t").compactMap { UInt32($0) }
        XCTAssertEqual(uids.count, 4, fields["Uid"] ?? "")
        XCTAssertEqual(Set(uids).count, 1, "real, effective, saved and fs uid differ: \(uids)")
        XCTAssertTrue(Self.dynamicUsers.contains(uids.first ?? 0), "uid \(uids) is not a dynamic user")
        XCTAssertEqual((fields["Gid"] ?? "").split(separator: "\t").first.map(String.init), uids.first.map(String.init))
        XCTAssertTrue((fields["Groups"] ?? "").split(separator: " ").contains(Substring(Self.dialout)), "Groups: \(fields["Groups"] ?? "")")
        for set in ["CapEff", "CapPrm", "CapBnd", "CapAmb"] {
            XCTAssertEqual(UInt64(fields[set] ?? "", radix: 16), Self.unitCapabilities, "\(set) \(fields[set] ?? "?")")
        }
        XCTAssertEqual(fields["NoNewPrivs"], "1")
        XCTAssertEqual(fields["Seccomp"], "2", "no system call filter")
        // Read-only everywhere but its own directories (probed in its mount namespace).
        for path in ["/etc/bg95-probe", "/usr/local/bin/bg95-probe", "/var/bg95-probe"] {
            let touch = try container.run(["nsenter", "-t", pid, "-m", "touch", path])
            XCTAssertNotEqual(touch.status, 0, "\(path) is writable for bg95d")
            XCTAssertTrue(touch.stderr.contains("Read-only file system"), touch.stderr)
        }
        for path in ["/run/bg95d/probe", "/var/lib/bg95d/probe"] {
            try container.check(["nsenter", "-t", pid, "-m", "sh", "-c", "touch \(path) && rm \(path)"])
        }
        // /run/lock is its own: a root file in the system's /run/lock is not there, its lock is.
        try container.check(["sh", "-c", "echo 1 > /run/lock/LCK..root-test"])
        let locks = try container.check(["ls", "-A", "/proc/\(pid)/root/run/lock"]).stdout.split(separator: "\n")
        XCTAssertFalse(locks.contains("LCK..root-test"), "/run/lock is shared: \(locks)")
        XCTAssertTrue(locks.contains { $0.hasPrefix("bg95d-tty-") }, "bg95d holds no port lock in its /run/lock: \(locks)")
        XCTAssertFalse(try container.check(["ls", "-A", "/run/lock"]).stdout.contains("bg95d-tty-"))
        // DevicePolicy=closed as the kernel enforces it (cgroup v1 devices.list of the unit):
        // the pseudo devices and ptys (the simulated port is one), ttyUSB (major 188) when the
        // kernel has that driver, nothing else.
        XCTAssertEqual(try container.property("DevicePolicy"), "closed")
        let allowed = try container.check(["cat", "/sys/fs/cgroup/devices/system.slice/bg95d.service/devices.list"]).stdout
            .split(separator: "\n").map(String.init)
        XCTAssertFalse(allowed.contains("a *:* rwm"), "every device is allowed: \(allowed)")
        XCTAssertTrue(allowed.contains("c 136:* rw"), "no ptys: \(allowed)")
        let ttyUSBRegistered = try String(contentsOfFile: "/proc/devices", encoding: .utf8).contains(" ttyUSB\n")
        XCTAssertEqual(allowed.contains("c 188:* rw"), ttyUSBRegistered, "ttyUSB: \(allowed)")
        let standard: Set<String> = ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm",
                                     "c 136:* rw", "c 188:* rw", "c 0:0 rwm", "b 0:0 rwm", "c 10:229 rw"]
        XCTAssertEqual(Set(allowed).subtracting(standard), [], "devices beyond the policy: \(allowed)")

        // 4. SIGKILL: Restart=on-failure brings it back online, cleaning up what the killed one left.
        try container.check(["systemctl", "kill", "--kill-who=main", "-s", "KILL", "bg95d"])
        try awaitRestart(container, count: 1, replacing: pid)
        let again = try container.bg95ctl(["watch", "--until", "online", "--no-urcs", "--timeout", "90"])
        XCTAssertEqual(again.status, 0, "not online after SIGKILL: \(again.stdout)\(again.stderr)\n\(container.journal())")
        try assertOwnRoutesUnique(container)
        XCTAssertTrue(try container.ping(), "no ping after the restart")

        // 5. A hung daemon (SIGSTOP) misses its watchdog pings: systemd kills and restarts it.
        let hungPID = try container.property("MainPID")
        try container.check(["systemctl", "kill", "--kill-who=main", "-s", "STOP", "bg95d"])
        try awaitRestart(container, count: 2, replacing: hungPID, timeout: Double(SystemdContainer.watchdogSeconds) + 40)
        let systemLog = try container.check(["journalctl", "-u", "bg95d", "--no-pager", "-o", "cat"]).stdout
        XCTAssertTrue(systemLog.contains("Watchdog timeout"), "no watchdog timeout in the journal")
        XCTAssertTrue(systemLog.contains("Failed with result 'watchdog'"))
        let recovered = try container.bg95ctl(["watch", "--until", "online", "--no-urcs", "--timeout", "90"])
        XCTAssertEqual(recovered.status, 0, "not online after the watchdog: \(recovered.stdout)\(recovered.stderr)\n\(container.journal())")
        try assertOwnRoutesUnique(container)

        // 6. `systemctl stop`: no process, no socket, the namespace as it was.
        try container.check(["systemctl", "stop", "bg95d"])
        XCTAssertEqual(try container.property("ActiveState"), "inactive")
        XCTAssertEqual(try container.property("Result"), "success")
        XCTAssertEqual(try container.property("MainPID"), "0")
        XCTAssertNotEqual(try container.run(["test", "-e", "/run/bg95d/control.sock"]).status, 0, "control socket left behind")
        XCTAssertEqual(try container.networkState(), before, "stop must leave the namespace as it was")

        // 7. The journal files each line at the daemon's priority, with the prefix stripped.
        try assertJournalPriorities(container)
    }

    /// Waits until systemd restarted bg95d `count` times in all and the new process is active.
    private func awaitRestart(_ container: SystemdContainer, count: Int, replacing old: String, timeout: Double = 30,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        try container.waitFor("restart #\(count) of bg95d", timeout: timeout, file: file, line: line) {
            let restarts = Int(try container.property("NRestarts")) ?? -1
            let main = try container.property("MainPID")
            let active = try container.property("ActiveState")
            return restarts == count && main != old && main != "0" && active == "active"
        }
    }

    private func assertOwnRoutesUnique(_ container: SystemdContainer, file: StaticString = #filePath, line: UInt = #line) throws {
        let routes = try container.ownRoutes()
        XCTAssertFalse(routes.isEmpty, "no routes of protocol 0x95", file: file, line: line)
        XCTAssertEqual(routes.count, Set(routes).count, "duplicate routes: \(routes)", file: file, line: line)
        let rules = try Command.inNamespace(container.hostNamespace, ["ip", "-4", "rule", "show"]).stdout
            .split(separator: "\n").filter { $0.contains("lookup 1095") }
        XCTAssertEqual(rules.count, 1, "policy rules: \(rules)", file: file, line: line)
    }

    /// /proc/<pid>/status of a process in the container, as key → value.
    private func processStatus(_ container: SystemdContainer, pid: String) throws -> [String: String] {
        let text = try container.check(["cat", "/proc/\(pid)/status"]).stdout
        return Dictionary(text.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { first, _ in first })
    }

    private func assertJournalPriorities(_ container: SystemdContainer) throws {
        let json = try container.check(["journalctl", "-u", "bg95d", "-o", "json", "--no-pager"]).stdout
        var daemonLines: [(priority: String, message: String)] = []
        for line in json.split(separator: "\n") {
            guard let entry = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  entry["SYSLOG_IDENTIFIER"] as? String == "bg95d",
                  let message = entry["MESSAGE"] as? String, let priority = entry["PRIORITY"] as? String else { continue }
            daemonLines.append((priority, message))
        }
        XCTAssertGreaterThan(daemonLines.count, 50, "few bg95d lines in the journal")
        for (priority, message) in daemonLines {
            XCTAssertNil(message.range(of: #"^<[0-7]>"#, options: .regularExpression), "prefix not parsed: \(message)")
            // errno=1 (EPERM) is the unit's system call filter; errno=13 (EACCES) is the kernel
            // refusing an unprivileged process a higher priority, which bg95d does not need.
            XCTAssertFalse(message.contains("Failed to set thread priority") && message.hasSuffix("errno=1"),
                           "the system call filter refuses libdispatch: \(message)")
            XCTAssertGreaterThanOrEqual(Int(priority) ?? 0, 3, "priority \(priority): \(message)")
        }
        func priorities(of prefix: String) -> Set<String> {
            Set(daemonLines.filter { $0.message.hasPrefix(prefix) }.map(\.priority))
        }
        XCTAssertEqual(priorities(of: "state: verifying -> online"), ["5"], "state changes are notices")
        XCTAssertEqual(priorities(of: "action: "), ["6"], "actions are info")
        XCTAssertEqual(priorities(of: "bg95d stopped"), ["5"])
        // Issue 11: opening and closing the AT port at start and stop are info, not warnings;
        // per-request control lines are debug.
        XCTAssertEqual(priorities(of: "AT port: synchronising"), ["6"], "normal AT port events are info")
        XCTAssertTrue(priorities(of: "control: ").isSubset(of: ["5", "7"]), "control lines: \(priorities(of: "control: "))")
        XCTAssertEqual(Set(daemonLines.map(\.priority)).isSuperset(of: ["5", "6", "7"]), true,
                       "priorities seen: \(Set(daemonLines.map(\.priority)))")
    }
}
