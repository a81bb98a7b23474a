import BG95Control
import Foundation
import TestSupport
import XCTest

/// The built `bg95ctl` against a real `ControlServer` with a scripted handler: output formats,
/// progress, `watch --until`, exit codes, and the permission policy seen from another uid.
final class BG95ctlCommandTests: XCTestCase {
    private func bg95ctl(_ daemon: ScriptedDaemon?, _ arguments: [String], socket: String? = nil) throws -> CommandResult {
        let path = socket ?? daemon?.path ?? "/nonexistent/control.sock"
        return try Command.run([try TestEnvironment.product("bg95ctl"), "--socket", path] + arguments)
    }

    // Subcommand first, then the global option (ArgumentParser wants options after the subcommand).
    private func run(_ daemon: ScriptedDaemon, _ subcommand: String, _ arguments: [String] = []) throws -> CommandResult {
        try Command.run([try TestEnvironment.product("bg95ctl"), subcommand, "--socket", daemon.path] + arguments)
    }

    func testStatusHumanAndJSON() throws {
        let daemon = try ScriptedDaemon()
        daemon.onQueue { daemon.state = "online" }
        let human = try run(daemon, "status")
        XCTAssertEqual(human.status, 0, human.stderr)
        for fragment in ["bg95d", "ONLINE", "BG95-M3", "ICCID 894902**********7890", "Telekom.de (26201)", "Cat-M1", "LTE BAND 20",
                         "RSRP -95 dBm", "SINR 12.4 dB", "eth2", "192.168.225.20/24", "gw 192.168.225.1", "lease 58m20s",
                         "default via 192.168.225.1 dev eth2 table 225 metric 700", "ok  icmp  198.51.100.7", "renew-dhcp 1", "rx 12.1 KiB"] {
            XCTAssertTrue(human.stdout.contains(fragment), "status lacks \(fragment):\n\(human.stdout)")
        }
        let json = try run(daemon, "status", ["--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        var expected = ScriptedDaemon.onlineSnapshot
        expected.state = "online"
        XCTAssertEqual(try JSONDecoder().decode(StatusSnapshot.self, from: Data(json.stdout.utf8)), expected)
        // The default subcommand is status.
        let bare = try bg95ctl(daemon, [])
        XCTAssertEqual(bare.status, 0)
        XCTAssertEqual(bare.stdout, human.stdout)
        // --socket works before the subcommand too.
        let before = try bg95ctl(daemon, ["status", "--json"])
        XCTAssertEqual(before.stdout, json.stdout)
    }

    func testUpShowsProgressUntilOnline() throws {
        let daemon = try ScriptedDaemon()
        let up = try run(daemon, "up", ["--timeout", "30"])
        XCTAssertEqual(up.status, 0, up.stderr)
        let lines = up.stdout.split(separator: "\n").map(String.init)
        let states = lines.compactMap { line in line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) }
        XCTAssertEqual(Array(states.filter { daemon.bringUp.contains($0) }), daemon.bringUp, up.stdout)
        XCTAssertEqual(lines.last, "online: eth2  192.168.225.20/24  gw 192.168.225.1  Cat-M1  Telekom.de")
    }

    func testUpFailsClearlyOnAFatalError() throws {
        let daemon = try ScriptedDaemon()
        daemon.onQueue { daemon.failBringUp = "SIM PIN rejected (+CME ERROR: 16)" }
        let up = try run(daemon, "up")
        XCTAssertEqual(up.status, 5)
        XCTAssertTrue(up.stderr.contains("SIM PIN rejected"), up.stderr)
        XCTAssertTrue(up.stdout.contains("error: SIM PIN rejected"), up.stdout)
    }

    func testUpNoWaitAndDown() throws {
        let daemon = try ScriptedDaemon()
        let up = try run(daemon, "up", ["--no-wait"])
        XCTAssertEqual(up.status, 0)
        XCTAssertEqual(up.stdout, "up: accepted, state down\n")
        let watch = try run(daemon, "watch", ["--until", "online", "--timeout", "30", "--no-urcs"])
        XCTAssertEqual(watch.status, 0, watch.stderr)
        let down = try run(daemon, "down")
        XCTAssertEqual(down.status, 0, down.stderr)
        XCTAssertTrue(down.stdout.hasPrefix("down: accepted, state "), down.stdout)
        XCTAssertTrue(down.stdout.split(separator: "\n").first?.hasSuffix(", waiting for down") == true, down.stdout)
        XCTAssertTrue(down.stdout.hasSuffix("down\ndown\n") || down.stdout.contains("  down"), down.stdout)
        XCTAssertEqual(daemon.onQueue { daemon.state }, "down")
    }

    func testWatchUntilReturnsAtOnceWhenAlreadyThereAndTimesOutOtherwise() throws {
        let daemon = try ScriptedDaemon()
        daemon.onQueue { daemon.state = "online" }
        let already = try run(daemon, "watch", ["--until", "online", "--timeout", "5"])
        XCTAssertEqual(already.status, 0)
        XCTAssertTrue(already.stdout.contains("state online (current)"), already.stdout)
        let never = try run(daemon, "watch", ["--until", "down", "--timeout", "0.3"])
        XCTAssertEqual(never.status, 5)
        XCTAssertTrue(never.stderr.contains("timed out"), never.stderr)
    }

    func testWatchStreamsURCsAndJSON() throws {
        let daemon = try ScriptedDaemon()
        // watch in the background, then trigger a bring-up from another client.
        let product = try TestEnvironment.product("bg95ctl")
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: product)
        watcher.arguments = ["watch", "--socket", daemon.path, "--json", "--until", "online", "--timeout", "30"]
        let pipe = Pipe()
        watcher.standardOutput = pipe
        try watcher.run()
        // The watcher is subscribed once the daemon counts it.
        let deadline = ControlClient.now() + 10
        while daemon.onQueue({ daemon.server.subscriberCount }) == 0 && ControlClient.now() < deadline { usleep(10_000) }
        _ = try ControlClient(path: daemon.path).request(.up(follow: false))
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        watcher.waitUntilExit()
        XCTAssertEqual(watcher.terminationStatus, 0)
        let events = try output.split(separator: "\n").map { try ControlMessage(parsing: Array($0.utf8)) }
        XCTAssertTrue(events.contains(.event(.urc(line: "+CEREG: 1"))), output)
        XCTAssertEqual(events.last, .event(.state(state: "online", previous: "verifying", reason: nil)))
    }

    /// A watcher learns when bg95d goes away instead of waiting forever.
    func testWatchSaysWhenTheDaemonStops() throws {
        let daemon = try ScriptedDaemon()
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: try TestEnvironment.product("bg95ctl"))
        watcher.arguments = ["watch", "--socket", daemon.path]
        let out = Pipe(), err = Pipe()
        watcher.standardOutput = out
        watcher.standardError = err
        try watcher.run()
        let deadline = ControlClient.now() + 10
        while daemon.onQueue({ daemon.server.subscriberCount }) == 0 && ControlClient.now() < deadline { usleep(10_000) }
        daemon.onQueue { daemon.server.stop() }
        watcher.waitUntilExit()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(watcher.terminationStatus, 3, stderr)
        XCTAssertTrue(stdout.hasSuffix("  bg95d stopped\n"), stdout)
        XCTAssertEqual(stderr, "bg95ctl: bg95d stopped\n")
    }

    func testATPassthrough() throws {
        let daemon = try ScriptedDaemon()
        let ok = try run(daemon, "at", ["AT+QCSQ"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "+QCSQ: \"eMTC\",-65,-95,120,-10\nOK\n")
        let error = try run(daemon, "at", ["AT+BOGUS"])
        XCTAssertEqual(error.status, 5)
        XCTAssertEqual(error.stdout, "ERROR\n")
        let unavailable = try run(daemon, "at", ["AT+QGMR"])
        XCTAssertEqual(unavailable.status, 5)
        XCTAssertTrue(unavailable.stderr.contains("not-available: no module"), unavailable.stderr)
        // A refusal by the daemon is a usage error in words.
        let refused = try run(daemon, "at", ["AT+REFUSED"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(refused.stderr, "bg95ctl: refused: the AT command contains a backslash\n")
        // Unsafe strings never leave the CLI.
        let unsafe = try run(daemon, "at", ["AT+CFUN=0\r\nAT+CFUN=1,1"])
        XCTAssertEqual(unsafe.status, 2)
        XCTAssertEqual(daemon.onQueue { daemon.received.filter { $0.name == .at }.count }, 4)
    }

    /// doctor looks for itself: on this machine there is no BG95 on USB, whatever the daemon says.
    func testDoctorLooksInsteadOfTrustingTheDaemon() throws {
        let daemon = try ScriptedDaemon()
        daemon.onQueue { daemon.state = "online" }
        let doctor = try run(daemon, "doctor")
        XCTAssertEqual(doctor.status, 5, doctor.stdout + doctor.stderr)
        XCTAssertTrue(doctor.stdout.hasPrefix("""
            Problem: Module on USB (2c7c:0700/0203): no 2c7c:0700 or 2c7c:0203 device in
                     sysfs
            Remedy:  plug the module in; check `lsusb`, the cable and the module's power

            [ ok ] bg95d: online
            """), doctor.stdout)
        let json = try run(daemon, "doctor", ["--json"])
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(report.steps.map(\.id), ["daemon", "usb-device"])
        XCTAssertEqual(report.remedy, "plug the module in; check `lsusb`, the cable and the module's power")
    }

    func testExitCodes() throws {
        let missing = try Command.run([try TestEnvironment.product("bg95ctl"), "status", "--socket", "/nonexistent/control.sock"])
        XCTAssertEqual(missing.status, 3)
        XCTAssertTrue(missing.stderr.contains("not running"), missing.stderr)
        let usage = try Command.run([try TestEnvironment.product("bg95ctl"), "frobnicate"])
        XCTAssertEqual(usage.status, 2)
        let help = try Command.run([try TestEnvironment.product("bg95ctl"), "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("3 bg95d is not running; 4 permission"), help.stdout)
        XCTAssertTrue(help.stdout.contains("1 status: not online"), help.stdout)
        let badTimeout = try Command.run([try TestEnvironment.product("bg95ctl"), "up", "--timeout", "-1"])
        XCTAssertEqual(badTimeout.status, 2)
        let zero = try Command.run([try TestEnvironment.product("bg95ctl"), "up", "--timeout", "0"])
        XCTAssertEqual(zero.status, 2)
        XCTAssertTrue(zero.stderr.contains("--timeout must be more than 0 and at most 86400 seconds"), zero.stderr)
        // A typo in a state name is refused with the list, not waited on forever.
        let typo = try Command.run([try TestEnvironment.product("bg95ctl"), "watch", "--until", "onlin"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("no state \"onlin\" (did you mean online?); states: waiting-for-device,"), typo.stderr)
        // The shell completes the state names.
        let completion = try Command.run([try TestEnvironment.product("bg95ctl"), "--generate-completion-script", "bash"])
        XCTAssertTrue(completion.stdout.contains("'waiting-for-device'$'\\n''configuring-module'"), "no state completion")
        // A chained AT command is a usage error in words, before anything is sent.
        let chained = try Command.run([try TestEnvironment.product("bg95ctl"), "at", "at+csq;+cops?"])
        XCTAssertEqual(chained.status, 2)
        XCTAssertTrue(chained.stderr.contains("';', which would chain a second command"), chained.stderr)
        XCTAssertFalse(chained.stderr.contains("forbiddenCharacter"), chained.stderr)
    }

    /// Help text is part of the interface (style.md 12): a change here is deliberate.
    func testStatusHelpSnapshot() throws {
        let help = try Command.run([try TestEnvironment.product("bg95ctl"), "status", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertEqual(help.stdout, """
            OVERVIEW: Show the link's state, module, network, lease, probe and counters
            (the default).

            --json prints the StatusSnapshot object documented in docs/control-api.md;
            --prometheus the same facts as Prometheus metrics (bg95_*). Exit status: 0
            online, 1 not online, 5 failed (bg95d waits for an operator), 3 bg95d is not
            running.

            USAGE: bg95ctl status [--socket <path>] [--json] [--prometheus]

            OPTIONS:
              --socket <path>         Path of bg95d's control socket. (default:
                                      /run/bg95d/control.sock)
              --json                  Print the status as JSON (stable schema).
              --prometheus            Print the status as Prometheus text metrics.
              --version               Show the version.
              -h, --help              Show help information.


            """)
    }

    /// The permission policy end to end: a peer running as another uid (nobody) that is in the
    /// configured group reads status but is refused `down`; one outside the group cannot
    /// connect at all (the socket is 0660 root:group).
    func testPermissionsFromAnotherUID() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["setpriv"])
        let nogroup: UInt32 = 65534
        let daemon = try ScriptedDaemon { $0.policy = ControlAccessPolicy(group: nogroup) }
        // A copy of bg95ctl that uid 65534 may execute regardless of the build folder's modes.
        let copy = daemon.directory + "/bg95ctl"
        try FileManager.default.copyItem(atPath: try TestEnvironment.product("bg95ctl"), toPath: copy)
        chmod(copy, 0o755)
        func asNobody(group: UInt32, _ arguments: [String]) throws -> CommandResult {
            try Command.run(["setpriv", "--reuid=65534", "--regid=\(group)", "--clear-groups", "--", copy] + arguments + ["--socket", daemon.path])
        }
        let status = try asNobody(group: nogroup, ["status"])
        XCTAssertEqual(status.status, 1, status.stderr)  // read, and not online
        XCTAssertTrue(status.stdout.contains("DOWN"), status.stdout)
        let down = try asNobody(group: nogroup, ["down", "--no-wait"])
        XCTAssertEqual(down.status, 4, down.stdout + down.stderr)
        XCTAssertTrue(down.stderr.contains("down changes state and needs root (peer uid 65534"), down.stderr)
        let at = try asNobody(group: nogroup, ["at", "ATI"])
        XCTAssertEqual(at.status, 4)
        let watch = try asNobody(group: nogroup, ["watch", "--until", "down", "--timeout", "5"])
        XCTAssertEqual(watch.status, 0, watch.stderr)
        // Not in the group: the socket's mode keeps it out.
        let stranger = try asNobody(group: 4321, ["status"])
        XCTAssertEqual(stranger.status, 4, stranger.stderr)
        XCTAssertTrue(stranger.stderr.contains("permission denied"), stranger.stderr)
        // None of the refused commands reached the daemon; root may do what nobody may not.
        XCTAssertEqual(daemon.onQueue { daemon.received.map(\.name) }, [.status, .watch])
        let rootDown = try run(daemon, "down", ["--no-wait"])
        XCTAssertEqual(rootDown.status, 0, rootDown.stderr)
    }
}
