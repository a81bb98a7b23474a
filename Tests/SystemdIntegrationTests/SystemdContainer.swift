import Foundation
import TestSupport
import XCTest

/// A Debian bookworm container booted with systemd as PID 1 (systemd-nspawn), with bg95
/// installed by `make install DESTDIR=`, inside the host namespace of a running bg95sim.
///
/// - The root comes from `scripts/systemd-test-root.sh` (debootstrap, cached under
///   /var/cache/bg95-test); the container boots it through an overlay whose upper layer is this
///   run's folder, so the cache is never changed and every run starts from a fresh root.
/// - What the container gets from the host, and why:
///   - the network namespace bg95sim made (`--network-namespace-path`), where the simulated
///     module's ECM veth lives;
///   - the umockdev testbed at the same path, and the host's /dev/pts (umockdev's fake
///     /dev/ttyUSBn are ptys there; the container's own devpts would not have them);
///   - the toolchain's Swift runtime, read-only (the tests install the debug build, which links
///     it dynamically; a release `make install` carries it statically);
///   - CAP_NET_ADMIN for PID 1, which nspawn withholds by default: on a real machine systemd
///     has it and hands it to bg95d through AmbientCapabilities;
///   - a devices cgroup (v1) of its own, `/sys/fs/cgroup/devices/bg95-<prefix>`: nspawn mounts
///     the devices controller read-only, so systemd could not apply DevicePolicy=. The run's
///     sub-hierarchy is bound over it after boot and systemd re-executed to pick it up, as a
///     host's systemd has it. Deleted again by `close()`.
/// - The unit's environment for the umockdev preload is a drop-in written only here; nothing
///   of the unit's hardening is relaxed by it.
///
/// `close()` powers the container off, stops the simulator and deletes the folder; it runs on
/// failure too (deinit). Waits are bounded polls of what systemd or bg95d report, never sleeps.
final class SystemdContainer {
    let prefix: String
    let folder: String
    let simulator: [String: String]
    let bg95sim: String
    private(set) var initPID: Int32 = 0
    private var nspawn: Process?
    private var closed = false

    var hostNamespace: String { simulator["BG95SIM_NETNS_HOST"] ?? "\(prefix)-host" }
    var testbed: String { simulator["UMOCKDEV_DIR"] ?? "" }
    var testHost: String { simulator["BG95SIM_TEST_HOST"] ?? "198.51.100.7" }
    var consoleLog: String { folder + "/console.log" }
    /// This run's devices cgroup on the host (delegated to the container's systemd).
    var devicesCgroup: String { Self.devicesHierarchy + "/bg95-\(prefix)" }
    static let devicesHierarchy = "/sys/fs/cgroup/devices"
    var upper: String { folder + "/upper" }

    /// Test-only drop-in: the simulated module and a short watchdog (the SIGSTOP test waits for it).
    static let watchdogSeconds = 5

    /// Starts bg95sim, installs bg95 into the overlay's upper layer and boots the container.
    init() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["systemd-nspawn", "unshare", "nsenter", "ip", "make", "mount", "dnsmasq", "nft", "ping"])
        guard FileManager.default.fileExists(atPath: Self.devicesHierarchy + "/devices.list") else {
            XCTFail("no cgroup v1 devices controller at \(Self.devicesHierarchy): the test gives the container's systemd one to enforce DevicePolicy=")
            throw ContainerError.setup("devices cgroup")
        }
        bg95sim = try TestEnvironment.product("bg95sim")
        _ = try TestEnvironment.product("bg95d")
        _ = try TestEnvironment.product("bg95ctl")
        let root = try Self.cachedRoot()
        prefix = "y" + String(TestEnvironment.uniquePrefix().filter { $0.isLetter || $0.isNumber }.prefix(6))
        folder = "/var/tmp/bg95-systemd-\(prefix)"
        try? FileManager.default.removeItem(atPath: folder)
        for sub in ["upper", "work", "merged"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        chmod(folder + "/upper", 0o755)
        // The module comes up in ECM mode: no re-enumeration makes tty nodes that only udev
        // (absent here) would give the dialout group.
        let started = try Command.run([bg95sim, "start", "--prefix", prefix, "--profile", "qnetdevctl", "--mode", "ecm", "--speed", "25"])
        guard started.succeeded else {
            _ = try? Command.run([bg95sim, "stop", "--prefix", prefix])
            try? FileManager.default.removeItem(atPath: folder)
            XCTFail("bg95sim start failed: \(started.stderr)\(started.stdout)")
            throw ContainerError.setup("bg95sim start")
        }
        var environment: [String: String] = [:]
        for line in started.stdout.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        simulator = environment
        do {
            try openTestbed(rootGroupFile: root + "/etc/group")
            try install()
            try boot(root: root)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// The cached debootstrap root (made on first use, ~3 minutes).
    static func cachedRoot() throws -> String {
        let script = TestEnvironment.packageRoot + "/scripts/systemd-test-root.sh"
        let result = try Command.run([script])
        let root = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, FileManager.default.fileExists(atPath: root + "/.bg95-complete") else {
            XCTFail("scripts/systemd-test-root.sh failed (debootstrap; `make deps` installs it): \(result.stderr)")
            throw ContainerError.setup("root")
        }
        return root
    }

    /// What udev does for real ttyUSB ports (root:dialout 0660) and what the dynamic user needs
    /// of the testbed: its root folder (the libudev monitor binds event sockets there) and the
    /// ioctl sockets.
    private func openTestbed(rootGroupFile: String) throws {
        let groups = try String(contentsOfFile: rootGroupFile, encoding: .utf8)
        guard let line = groups.split(separator: "\n").first(where: { $0.hasPrefix("dialout:") }),
              let gid = UInt32(line.split(separator: ":", omittingEmptySubsequences: false)[2]) else {
            XCTFail("no dialout group in the container's /etc/group")
            throw ContainerError.setup("dialout")
        }
        XCTAssertFalse(testbed.isEmpty, "bg95sim printed no UMOCKDEV_DIR")
        chmod(testbed, 0o1777)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: testbed + "/ioctl")) ?? [] {
            chmod(testbed + "/ioctl/" + name, 0o777)
        }
        var ttys = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: testbed + "/dev") where name.hasPrefix("ttyUSB") {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: testbed + "/dev/" + name)
            XCTAssertEqual(chown(target, 0, gid), 0, "chown \(target)")
            XCTAssertEqual(chmod(target, 0o660), 0, "chmod \(target)")
            ttys += 1
        }
        guard ttys >= 3 else {
            XCTFail("no simulated ttyUSB nodes in \(testbed)/dev")
            throw ContainerError.setup("ttys")
        }
    }

    /// `make install DESTDIR=<upper>` with the built debug products, the configuration and the
    /// test drop-in.
    private func install() throws {
        let make = try Command.run(["make", "-C", TestEnvironment.packageRoot, "SKIP_BUILD=1", "CONFIGURATION=debug",
                                    "PRODUCTS_DIR=\(TestEnvironment.binDirectory)", "DESTDIR=\(upper)", "install"])
        guard make.succeeded else {
            XCTFail("make install failed: \(make.stderr)\(make.stdout)")
            throw ContainerError.setup("make install")
        }
        let configuration = """
            # bg95d under systemd in a test container: the simulated module, short timers.
            apn = internet.test
            probe_target = \(testHost)
            probe_interval = 5s
            probe_timeout = 1500ms
            probe_attempts = 3
            link_timeout = 10s
            dhcp_timeout = 10s
            registration_timeout = 20s
            recovery_step_timeout = 40s
            device_timeout = 30s
            diagnosis_timeout = 20s
            bringup_timeout = 120s
            backoff_initial = 500ms
            backoff_max = 4s
            attempts_per_rung = 2
            log_level = debug

            """
        try write(configuration, to: "/etc/bg95d.conf", mode: 0o644)
        let dropIn = """
            # Test only: the simulated module (umockdev preload and testbed; its port is a pty,
            # which DevicePolicy=closed allows anyway) and a watchdog short enough for the
            # SIGSTOP test.
            [Service]
            Environment=LD_PRELOAD=\(simulator["LD_PRELOAD"] ?? "libumockdev-preload.so.0") UMOCKDEV_DIR=\(testbed)
            ReadWritePaths=\(testbed)
            WatchdogSec=\(Self.watchdogSeconds)s
            TimeoutAbortSec=5s

            """
        try write(dropIn, to: "/etc/systemd/system/bg95d.service.d/test-simulator.conf", mode: 0o644)
    }

    /// Writes a file into the container's root (the overlay's upper layer, before boot).
    func write(_ text: String, to path: String, mode: mode_t) throws {
        let full = upper + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        chmod(full, mode)
    }

    /// nspawn in its own mount namespace (this host's /run is no tmpfs, and nothing registers
    /// the machine), then waits until systemd reports the system running.
    private func boot(root: String) throws {
        let script = """
            set -e
            mkdir "$7"
            echo $$ > "$7/cgroup.procs"
            mount --make-rprivate /
            mkdir -p /run/systemd/nspawn
            mount -t tmpfs tmpfs /run/systemd/nspawn
            mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/merged"
            exec systemd-nspawn -q -D "$2/merged" -M "bg95-$3" --keep-unit --register=no --boot --console=pipe \
              --capability=CAP_NET_ADMIN --network-namespace-path="/run/netns/$4" \
              --bind="$5" --bind=/dev/pts:/dev/pts --bind-ro="$6" --bind="$7:/run/host-devices-cgroup"
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.which("unshare") ?? "/usr/bin/unshare")
        process.arguments = ["-m", "sh", "-c", script, "sh", root, folder, prefix, hostNamespace, testbed, try Self.swiftRuntime(),
                             devicesCgroup]
        _ = FileManager.default.createFile(atPath: consoleLog, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: consoleLog))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        nspawn = process
        try waitFor("the container's init", timeout: 30) {
            self.initPID = Self.children(of: process.processIdentifier).first ?? 0
            return self.initPID > 0
        }
        try awaitRunning()
        // The devices controller, writable, where systemd looks for it; re-executing makes
        // systemd detect it (it probes controllers when it starts).
        try check(["mount", "--bind", "/run/host-devices-cgroup", Self.devicesHierarchy])
        try check(["systemctl", "daemon-reexec"])
        try awaitRunning()
    }

    private func awaitRunning() throws {
        try waitFor("systemctl is-system-running = running", timeout: 90) {
            let state = (try? self.run(["systemctl", "is-system-running"]).stdout) ?? ""
            if state.hasPrefix("degraded") {
                let failed = (try? self.run(["systemctl", "--failed", "--no-pager"]).stdout) ?? ""
                XCTFail("the container booted degraded:\n\(failed)")
                throw ContainerError.setup("degraded")
            }
            return state.hasPrefix("running")
        }
    }

    /// The folder holding the Swift runtime the debug products link against (their RUNPATH).
    static func swiftRuntime() throws -> String {
        let readelf = try Command.run(["readelf", "-d", try TestEnvironment.product("bg95d")])
        for line in readelf.stdout.split(separator: "\n") where line.contains("RUNPATH") || line.contains("RPATH") {
            guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { continue }
            if let dir = line[line.index(after: open)..<close].split(separator: ":").first(where: { $0.hasPrefix("/") }) {
                return String(dir)
            }
        }
        // A statically linked runtime needs nothing; bind something harmless and read-only.
        return "/usr/share/zoneinfo"
    }

    /// Direct children of `pid` (from /proc/<n>/stat).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// Runs `argv` inside the container (all its namespaces, as its root).
    @discardableResult
    func run(_ argv: [String]) throws -> CommandResult {
        try Command.run(["nsenter", "-t", String(initPID), "-a"] + argv)
    }

    /// Like `run`, failing the test (and throwing) unless it exits 0.
    @discardableResult
    func check(_ argv: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try run(argv)
        if !result.succeeded {
            XCTFail("in the container: `\(argv.joined(separator: " "))` exited \(result.status): \(result.stderr)\(result.stdout)",
                    file: file, line: line)
            throw ContainerError.command(argv.joined(separator: " "))
        }
        return result
    }

    /// `systemctl show -p <property> --value bg95d`.
    func property(_ name: String, unit: String = "bg95d") throws -> String {
        try check(["systemctl", "show", "-p", name, "--value", unit]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `bg95ctl <args>` inside the container, through the default socket /run/bg95d/control.sock.
    func bg95ctl(_ args: [String]) throws -> CommandResult {
        try run(["/usr/local/bin/bg95ctl"] + args)
    }

    /// The last journal lines of bg95d (for failure messages).
    func journal(_ lines: Int = 60) -> String {
        (try? run(["journalctl", "-u", "bg95d", "--no-pager", "-o", "short-monotonic", "-n", String(lines)]).stdout) ?? "(no journal)"
    }

    /// Waits until `condition` holds, checking every 100 ms; fails with bg95d's journal.
    func waitFor(_ what: String, timeout: Double, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            if let nspawn, !nspawn.isRunning {
                let console = (try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? ""
                XCTFail("systemd-nspawn exited (\(nspawn.terminationStatus)) while waiting for \(what):\n\(console)", file: file, line: line)
                throw ContainerError.timeout(what)
            }
            usleep(100_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)\n\(initPID > 0 ? journal() : "")", file: file, line: line)
        throw ContainerError.timeout(what)
    }

    /// IPv4 routes of every table, rules and addresses in the simulator's host namespace,
    /// sorted: "the namespace as it was".
    func networkState() throws -> [String] {
        let routes = try Command.inNamespace(hostNamespace, ["ip", "-4", "route", "show", "table", "all"]).stdout
        let rules = try Command.inNamespace(hostNamespace, ["ip", "-4", "rule", "show"]).stdout
        let addresses = try Command.inNamespace(hostNamespace, ["ip", "-4", "-o", "address", "show"]).stdout
        return (routes + rules + addresses).split(separator: "\n").map {
            String($0).replacingOccurrences(of: #"valid_lft \S+ preferred_lft \S+"#, with: "", options: .regularExpression)
        }.sorted()
    }

    /// The routes bg95d installed (protocol 0x95) in every table.
    func ownRoutes() throws -> [String] {
        try Command.inNamespace(hostNamespace, ["ip", "-4", "route", "show", "table", "all", "proto", "0x95"]).stdout
            .split(separator: "\n").map(String.init)
    }

    /// A ping to the test host through the ECM interface, from the namespace.
    func ping() throws -> Bool {
        try Command.run(["ip", "netns", "exec", hostNamespace, "ping", "-c", "1", "-W", "2", "-I",
                         simulator["BG95SIM_ECM_IFNAME"] ?? "eth2", testHost]).succeeded
    }

    /// Powers the container off (SIGTERM to nspawn = orderly shutdown; SIGKILL after 30 s),
    /// stops the simulator, deletes the folder.
    func close() {
        guard !closed else { return }
        closed = true
        if let nspawn, nspawn.isRunning {
            kill(nspawn.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(30)
            while nspawn.isRunning && Date() < deadline { usleep(100_000) }
            if nspawn.isRunning {
                kill(nspawn.processIdentifier, SIGKILL)
                nspawn.waitUntilExit()
                // Killing a PID namespace's init kills everything in it.
                if initPID > 0 { kill(initPID, SIGKILL) }
            }
        }
        removeDevicesCgroup()
        _ = try? Command.run([bg95sim, "stop", "--prefix", prefix])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// rmdir of the run's devices cgroups, deepest first (they are empty once the container is gone).
    private func removeDevicesCgroup() {
        guard FileManager.default.fileExists(atPath: devicesCgroup) else { return }
        var folders = [devicesCgroup]
        if let walker = FileManager.default.enumerator(atPath: devicesCgroup) {
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = devicesCgroup + "/" + relative
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    folders.append(path)
                }
            }
        }
        for folder in folders.sorted(by: { $0.count > $1.count }) {
            if rmdir(folder) != 0 {
                print("cannot remove cgroup \(folder): errno \(errno)")
            }
        }
    }
}

enum ContainerError: Error {
    case setup(String)
    case timeout(String)
    case command(String)
}
