import Foundation
import TestSupport
import XCTest

/// bg95d end to end against bg95sim (as root): cold start in modem mode to online for both
/// firmware profiles, recovery from the simulator's faults, clean shutdown, restart after SIGKILL.
///
/// Every wait is for an event the daemon reports (`bg95ctl watch --until online`, a new
/// "-> online" line in its log), never a blind sleep.
final class DaemonIntegrationTests: XCTestCase {
    private let online = "-> online"

    // MARK: - Cold start and shutdown

    func testColdStartToOnlineAndCleanShutdownQNetDevCtl() throws {
        try coldStartAndShutdown(profile: "qnetdevctl")
    }

    /// Also proves the DNS flavour of the probe: a query for the test host to the leased resolver.
    func testColdStartToOnlineAndCleanShutdownAutoconnect() throws {
        try coldStartAndShutdown(profile: "autoconnect", probe: "dns:testhost.bg95.test")
    }

    private func coldStartAndShutdown(profile: String, probe: String? = nil) throws {
        let setup = try SimulatedSetup(profile: profile)
        defer { setup.close() }
        let before = try setup.networkState()
        try setup.startDaemon(configuration: try setup.writeConfiguration(probe.map { ["probe_target": $0] } ?? [:]))
        try setup.waitOnline(timeout: 90)
        // The supervisor went through every bring-up state and proved the path with the probe.
        for state in ["configuring-module", "registering", "starting-data-call", "link-up", "dhcp", "verifying", "online"] {
            XCTAssertTrue(setup.log.contains("-> \(state)"), "never entered \(state)\n\(setup.tail())")
        }
        XCTAssertTrue(setup.log.contains("probe: \(probe ?? setup.testHost) answered"), "no successful probe\n\(setup.tail())")
        let status = try setup.statusObject()
        XCTAssertEqual(status["state"] as? String, "online")
        XCTAssertTrue((status["address"] as? String ?? "").hasPrefix("192.168.225."), "\(status)")
        XCTAssertEqual(status["interface"] as? String, "eth2")
        try setup.ping()
        try setup.assertNoDuplicateRoutes()
        let resolv = (try? String(contentsOfFile: setup.folder + "/resolv.conf", encoding: .utf8)) ?? ""
        XCTAssertTrue(resolv.contains("nameserver 192.168.225.1"), "DNS file: \(resolv)")
        // No secrets in the log, syslog prefixes on every line.
        XCTAssertFalse(setup.log.contains("1234"), "a PIN-like string is in the log")
        for line in setup.log.split(separator: "\n") where !line.isEmpty {
            XCTAssertTrue(line.first == "<" && line.dropFirst(2).first == ">", "no priority prefix: \(line)")
        }

        XCTAssertEqual(try setup.stopDaemon(), 0)
        XCTAssertEqual(try setup.networkState(), before, "SIGTERM must leave the namespace as it was")
        XCTAssertFalse(FileManager.default.fileExists(atPath: setup.folder + "/resolv.conf"), "DNS file left behind")
        XCTAssertTrue(setup.log.contains("releasing the lease"), "lease not released")
    }

    // MARK: - Faults

    func testFaultsRecoverQNetDevCtl() throws {
        try faults(profile: "qnetdevctl")
    }

    func testFaultsRecoverAutoconnect() throws {
        try faults(profile: "autoconnect")
    }

    private func faults(profile: String) throws {
        // ECM mode from the start: the cold start in modem mode has its own test.
        let setup = try SimulatedSetup(profile: profile, mode: "ecm")
        defer { setup.close() }
        let before = try setup.networkState()
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline(timeout: 90)
        let address = try setup.statusObject()["address"] as? String

        /// Injects a fault (and its undo) and waits for the daemon to leave online and come back,
        /// with the same leased address (no lost lease state) and no duplicate routes.
        func recovers(_ words: String..., undo: [String]? = nil, timeout: Double = 60,
                      file: StaticString = #filePath, line: UInt = #line) throws {
            let seen = setup.count(online)
            try setup.fault(words)
            if let undo { try setup.fault(undo) }
            try setup.waitForLog(online, after: seen, timeout: timeout, file: file, line: line)
            try setup.assertNoDuplicateRoutes(file: file, line: line)
            try setup.ping(file: file, line: line)
            XCTAssertEqual(try setup.statusObject()["address"] as? String, address, "lease changed after \(words)",
                           file: file, line: line)
        }

        try recovers("pdp-drop")
        try recovers("carrier-off", undo: ["carrier-on"])
        try recovers("detach", undo: ["attach"])
        try recovers("deregister", "11", undo: ["attach"])
        // An AT stall while the PDP context drops: the restart waits out the stall (ladder).
        try recovers("stall", "2", undo: ["pdp-drop"], timeout: 90)
        // The module's DHCP server restarting and garbage on the AT port do not break a held
        // lease: the daemon stays online and the health probe keeps proving it.
        let probes = setup.count("probe: ")
        try setup.fault("dhcp-stop")
        try setup.fault("dhcp-start")
        try setup.fault("garbage")
        try setup.waitForLog("probe: ", after: probes + 1, timeout: 30)
        XCTAssertEqual(try setup.state(), "online", setup.tail(80))
        try setup.assertNoDuplicateRoutes()
        // Re-enumerations last.
        try recovers("unplug", undo: ["replug"], timeout: 90)
        try recovers("reboot", timeout: 90)

        XCTAssertEqual(try setup.stopDaemon(), 0)
        XCTAssertEqual(try setup.networkState(), before, "SIGTERM must leave the namespace as it was")
    }

    /// Issue 10, behaviours 1 and 2 on bg95sim: a spurious `+CEREG: 2` while online is checked
    /// with `AT+CEREG?` and changes nothing; a refusal with a permanent EMM cause (7) is
    /// reported once in words and never climbs the ladder (no radio cycle, no reboot); when the
    /// network accepts again the daemon goes straight back online; a temporary cause (15)
    /// backs off and also comes straight back.
    func testSpuriousURCsAndRegistrationRefusalsFollowTheirCause() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline(timeout: 90)

        try setup.fault("urc", "+CEREG:", "2")  // words joined with one space
        try setup.waitForLog("the registration URC was spurious", after: 0, timeout: 20)
        XCTAssertEqual(try setup.state(), "online")
        XCTAssertFalse(setup.log.contains("-> registering (registration lost"), setup.tail())

        var seen = setup.count(online)
        try setup.fault("deny", "7")
        try setup.waitForLog("does not heal by retrying", after: 0, timeout: 60)
        XCTAssertEqual(try setup.state(), "registering")
        let status = try setup.statusObject()
        XCTAssertTrue((status["lastError"] as? String ?? "").contains("EMM cause 7 (EPS services not allowed)"), "\(status)")
        XCTAssertEqual(status["registrationCause"] as? Int, 7, "\(status)")
        let afterDeny = setup.log.count
        try setup.fault("allow")
        try setup.waitForLog(online, after: seen, timeout: 60)
        let tail = String(setup.log.dropFirst(afterDeny))
        XCTAssertFalse(tail.contains("CFUN=0") || tail.contains("CFUN=1,1"), "no radio cycle or reboot:\n\(tail)")
        XCTAssertEqual(setup.count("does not heal by retrying"), 1, "reported once")

        seen = setup.count(online)
        try setup.fault("deny", "15")
        try setup.waitForLog("EMM cause 15 (no suitable cells in tracking area); trying again", after: 0, timeout: 60)
        try setup.fault("allow")
        try setup.waitForLog(online, after: seen, timeout: 60)
        XCTAssertFalse(setup.log.contains("action: radio off/on"), setup.tail(80))
        XCTAssertFalse(setup.log.contains("action: reboot the module"), setup.tail(80))
        try setup.assertNoDuplicateRoutes()
        XCTAssertEqual(try setup.stopDaemon(), 0)
    }

    /// The lease runs out while the module's DHCP server is down (dnsmasq's shortest lease is
    /// 2 minutes, so this test takes that long): the daemon removes the expired configuration,
    /// asks again, and is online with a fresh lease once the server is back.
    func testLeaseExpiryRecovers() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm", extra: ["--lease-time", "120"])
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline(timeout: 90)
        let seen = setup.count(online)
        try setup.fault("dhcp-stop")
        try setup.waitForLog("lease lost: expired", after: 0, timeout: 150)
        XCTAssertNotEqual(try setup.state(), "online")
        try setup.fault("dhcp-start")
        try setup.waitForLog(online, after: seen, timeout: 60)
        try setup.assertNoDuplicateRoutes()
        try setup.ping()
    }

    // MARK: - Restart after SIGKILL

    func testRestartAfterSIGKILLCleansUpAndDoesNotDuplicate() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm")
        defer { setup.close() }
        let before = try setup.networkState()
        let configuration = try setup.writeConfiguration()
        try setup.startDaemon(configuration: configuration)
        try setup.waitOnline(timeout: 90)
        let routes = try setup.ownRoutes()
        try setup.stopDaemon(signal: SIGKILL)
        XCTAssertEqual(try setup.ownRoutes(), routes, "SIGKILL leaves the routes (nothing could remove them)")
        try? FileManager.default.removeItem(atPath: setup.socketPath)  // a killed daemon leaves its socket
        try setup.startDaemon(configuration: configuration)
        try setup.waitOnline(timeout: 90)
        XCTAssertTrue(setup.log.contains("leftovers of an earlier run"), "leftovers not cleaned\n\(setup.tail())")
        XCTAssertTrue(setup.log.contains("; dns for "), "the DNS marker in state_dir names what to remove\n\(setup.tail())")
        try setup.assertNoDuplicateRoutes()
        XCTAssertEqual(Set(try setup.ownRoutes()), Set(routes), "same lease and routes after the restart")
        XCTAssertEqual(try setup.stopDaemon(), 0)
        XCTAssertEqual(try setup.networkState(), before)
    }

    // MARK: - Operator control

    func testDownAndUpFromTheControlSocket() throws {
        let setup = try SimulatedSetup(profile: "autoconnect", mode: "ecm")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline(timeout: 90)
        try Command.check([setup.bg95ctl, "down", "--socket", setup.socketPath, "--timeout", "30"])
        XCTAssertEqual(try setup.state(), "down")
        XCTAssertTrue(try setup.ownRoutes().isEmpty, "routes left after down")
        try Command.check([setup.bg95ctl, "up", "--socket", setup.socketPath, "--timeout", "90"])
        try setup.waitOnline(timeout: 60)
        try setup.assertNoDuplicateRoutes()
        // The AT passthrough goes through the daemon's AT queue.
        let at = try Command.check([setup.bg95ctl, "at", "--socket", setup.socketPath, "AT+CEREG?"])
        XCTAssertTrue(at.stdout.contains("+CEREG:"), at.stdout)
        let doctor = try setup.doctor()
        XCTAssertTrue(doctor.succeeded, doctor.stdout + doctor.stderr)
        let remaining = try setup.statusObject()["leaseRemaining"] as? Int ?? -1
        XCTAssertTrue((3000...3600).contains(remaining), "leaseRemaining \(remaining)")
    }

    /// A wrong PIN is a hard error reported once: no retry (a second wrong PIN brings the SIM
    /// closer to PUK). With the right PIN in the file, `bg95ctl up` brings the link online.
    /// Neither PIN ever appears in the log.
    func testWrongPINIsReportedOnceAndFixedPINGoesOnline() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm", extra: ["--sim", "pin=2468"])
        defer { setup.close() }
        let pinFile = setup.folder + "/pin"
        try "1357\n".write(toFile: pinFile, atomically: true, encoding: .utf8)
        try setup.startDaemon(configuration: try setup.writeConfiguration(["pin_file": pinFile]))
        try setup.waitForLog("-> failed", after: 0, timeout: 60)
        let status = try setup.statusObject()
        XCTAssertEqual(status["state"] as? String, "failed")
        XCTAssertNil(status["recoveryRung"], "a hard error must not start the recovery ladder")
        XCTAssertTrue((status["lastError"] as? String ?? "").contains("PIN"), "\(status)")
        XCTAssertEqual(setup.count("not retrying:"), 1)
        XCTAssertEqual(setup.count("AT+CPIN=\""), 0, "the PIN command must not be logged")

        try "2468\n".write(toFile: pinFile, atomically: true, encoding: .utf8)
        try Command.check([setup.bg95ctl, "up", "--socket", setup.socketPath, "--timeout", "60"])
        try setup.waitOnline(timeout: 60)
        XCTAssertFalse(setup.log.contains("1357"), "the wrong PIN is in the log")
        XCTAssertFalse(setup.log.contains("2468"), "the PIN is in the log")
        XCTAssertEqual(setup.count("not retrying:"), 1, "reported once")
    }

    /// Removing the SIM is a hard error (reported, not retried); inserting it brings the link
    /// back without an operator.
    func testSIMRemovedFailsOnceAndInsertedGoesOnline() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline(timeout: 60)
        let seen = setup.count(online)
        try setup.fault("sim-remove")
        try setup.waitForLog("-> failed", after: 0, timeout: 60)
        let left = try setup.ownRoutes()
        XCTAssertTrue(left.isEmpty, "routes left while failed: \(left)")
        try setup.fault("sim-insert")
        try setup.waitForLog(online, after: seen, timeout: 60)
        try setup.assertNoDuplicateRoutes()
        try setup.ping()
    }

    func testBadConfigurationIsRefusedWithFileAndLine() throws {
        try TestEnvironment.requireRoot()
        let bg95d = try TestEnvironment.product("bg95d")
        let path = NSTemporaryDirectory() + "bg95d-bad-\(getpid()).conf"
        try "apn = internet\nprobe_intervall = 5\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Command.run([bg95d, "run", "--config", path, "--check-config"])
        XCTAssertEqual(result.status, 78, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(path):2: unknown key `probe_intervall`"), result.stderr)
    }

    /// Issue 11: a configuration error is one line naming the place and the reason, exit 78
    /// (EX_CONFIG, man/bg95d.extra), no usage banner; a usage error keeps 64 and the usage.
    func testConfigurationErrorsAreOneLineWithoutUsageAndExit78() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        let path = NSTemporaryDirectory() + "bg95d-bad-value-\(getpid()).conf"
        try "apn = internet\nprobe_interval = soon\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let refusals: [([String], String)] = [
            (["--set", "probe_intervall=3"], "unknown key `probe_intervall`"),
            (["--config", path], "\(path):2: "),
            (["--config", path + ".missing"], "\(path).missing: no such file"),
        ]
        for (arguments, message) in refusals {
            let result = try Command.run(["timeout", "20", bg95d, "run", "--check-config"] + arguments)
            XCTAssertEqual(result.status, 78, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("USAGE:"), "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("--help"), "\(arguments): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(lines.first?.hasPrefix("bg95d: ") == true && result.stderr.contains(message),
                          "\(arguments): \(result.stderr)")
        }
        let usage = try Command.run(["timeout", "20", bg95d, "run", "--check-config", "--no-such-option"])
        XCTAssertEqual(usage.status, 64, usage.stderr)
    }

    /// Issue 11: configuration that can never heal is refused at start and by `--check-config`,
    /// naming the key: a missing pin_file, a control_group that does not exist, the system's
    /// resolv.conf as dns_file.
    func testConfigurationThatCannotWorkIsRefusedBeforeStarting() throws {
        try TestEnvironment.requireRoot()
        let bg95d = try TestEnvironment.product("bg95d")
        let path = NSTemporaryDirectory() + "bg95d-empty-\(getpid()).conf"
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cases: [(String, String)] = [
            ("pin_file=/nonexistent/bg95d-pin", "pin_file /nonexistent/bg95d-pin: No such file or directory"),
            ("control_group=bg95-no-such-group", "control_group bg95-no-such-group: no such group"),
            ("dns_file=/etc/resolv.conf", "dns_file: bg95d writes and removes this file"),
        ]
        for (setting, message) in cases {
            for extra in [["--check-config"], []] {
                // If the refusal ever regresses, the daemon would start: keep it in a network
                // namespace of its own, away from /run/bg95d, and bounded in time.
                let result = try Command.run(["unshare", "-n", "timeout", "20", bg95d, "run", "--config", path,
                                              "--set", "control_socket=\(path).sock", "--set", setting] + extra)
                XCTAssertEqual(result.status, 78, "\(setting) \(extra)")
                XCTAssertTrue(result.stderr.contains(message), "\(setting) \(extra): \(result.stderr)")
            }
        }
    }

    /// `bg95d modem` takes the daemon's keys and spellings (`--set key=value`, `auth` values).
    func testModemCommandTakesTheDaemonsKeysAndSpellings() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        let unknown = try Command.run(["timeout", "20", bg95d, "modem", "--set", "probe_intervall=5"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown key `probe_intervall`"), unknown.stderr)
        let auth = try Command.run(["timeout", "20", bg95d, "modem", "--user", "u", "--auth", "sometimes"])
        XCTAssertNotEqual(auth.status, 0)
        XCTAssertTrue(auth.stderr.contains("auth: expected one of none, pap, chap, either"), auth.stderr)
        let apn = try Command.run(["timeout", "20", bg95d, "modem", "--set", "apn=inter net"])
        XCTAssertTrue(apn.stderr.contains("apn: an APN contains no spaces"), apn.stderr)
    }

    /// READY=1 promises a working control socket: a daemon that cannot listen exits non-zero
    /// (systemd restarts it) instead of running blind. Runs in a namespace of its own so the
    /// daemon's start-up leftover cleanup never looks at the root namespace.
    func testDaemonExitsWhenItCannotListenOnTheControlSocket() throws {
        try TestEnvironment.requireRoot()
        let bg95d = try TestEnvironment.product("bg95d")
        let scope = NamespaceScope()
        defer { scope.close() }
        let ns = try scope.add("cs")
        let stateDir = NSTemporaryDirectory() + "bg95d-cs-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        // /proc refuses new directories and sockets, so the socket cannot be created.
        let result = try Command.run([
            "ip", "netns", "exec", ns, bg95d, "run", "--config", "/dev/null",
            "--set", "control_socket=/proc/bg95-nope/control.sock", "--set", "state_dir=\(stateDir)",
        ])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("control socket /proc/bg95-nope/control.sock unavailable"), result.stderr)
    }
}
