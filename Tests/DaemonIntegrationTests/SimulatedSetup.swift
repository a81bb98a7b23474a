import Foundation
import TestSupport
import XCTest

/// One simulated BG95 (bg95sim start) plus a bg95d running against it in the sim's host
/// namespace under umockdev, with a per-test folder for its socket, state, DNS file and log.
///
/// Waiting is always for something the daemon says (a line in its log), with a generous
/// timeout, never a blind sleep. `close()` stops the daemon and the simulator and deletes the
/// folder; it runs on failure too (deinit).
final class SimulatedSetup {
    let prefix: String
    let profile: String
    let folder: String
    let environment: [String: String]
    let bg95d: String
    let bg95ctl: String
    let bg95sim: String
    var daemon: Process?
    private var closed = false

    var hostNamespace: String { environment["BG95SIM_NETNS_HOST"] ?? "\(prefix)-host" }
    var socketPath: String { folder + "/control.sock" }
    var logPath: String { folder + "/bg95d.log" }
    var testHost: String { environment["BG95SIM_TEST_HOST"] ?? "198.51.100.7" }

    /// Starts the simulator (module in `mode`, latencies divided by `speed`).
    init(profile: String, mode: String = "modem", speed: Double = 25, extra: [String] = []) throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["ip", "dnsmasq", "nft", "ping"])
        bg95d = try TestEnvironment.product("bg95d")
        bg95ctl = try TestEnvironment.product("bg95ctl")
        bg95sim = try TestEnvironment.product("bg95sim")
        self.profile = profile
        // bg95sim prefixes: at most 8 characters [a-z0-9].
        prefix = "d" + String(TestEnvironment.uniquePrefix().filter { $0.isLetter || $0.isNumber }.prefix(6))
        folder = NSTemporaryDirectory() + "bg95d-it-\(prefix)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let started = try Command.run([bg95sim, "start", "--prefix", prefix, "--profile", profile, "--mode", mode,
                                       "--speed", String(speed)] + extra)
        guard started.succeeded else {
            _ = try? Command.run([bg95sim, "stop", "--prefix", prefix])
            XCTFail("bg95sim start failed: \(started.stderr)\(started.stdout)")
            throw SetupError.simulator(started.stderr)
        }
        var environment: [String: String] = [:]
        for line in started.stdout.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        self.environment = environment
    }

    deinit { close() }

    /// The configuration file for the daemon: short timers so faults recover within seconds.
    /// `overrides` replace or add keys.
    func writeConfiguration(_ overrides: [String: String] = [:]) throws -> String {
        let path = folder + "/bg95d.conf"
        var keys: [(String, String)] = [
            ("apn", "internet.test"), ("probe_target", testHost), ("probe_interval", "5s"),
            ("probe_timeout", "1500ms"), ("probe_attempts", "3"), ("link_timeout", "10s"), ("dhcp_timeout", "10s"),
            ("registration_timeout", "20s"), ("recovery_step_timeout", "40s"), ("device_timeout", "30s"),
            ("diagnosis_timeout", "20s"), ("bringup_timeout", "120s"), ("backoff_initial", "500ms"),
            ("backoff_max", "4s"), ("attempts_per_rung", "2"), ("dns_backend", "file"),
            ("dns_file", "\(folder)/resolv.conf"), ("control_socket", socketPath), ("state_dir", "\(folder)/state"),
            ("log_level", "debug"),
        ]
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if let index = keys.firstIndex(where: { $0.0 == key }) { keys[index].1 = value } else { keys.append((key, value)) }
        }
        let text = "# bg95d configuration for an integration test\n" + keys.map { "\($0.0) = \($0.1)\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts bg95d in the host namespace under umockdev; returns once its control socket exists.
    func startDaemon(configuration: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.which("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", hostNamespace, "env",
                             "LD_PRELOAD=\(environment["LD_PRELOAD"] ?? "libumockdev-preload.so.0")",
                             "UMOCKDEV_DIR=\(environment["UMOCKDEV_DIR"] ?? "")",
                             bg95d, "run", "--config", configuration]
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        daemon = process
        try waitFor("control socket", timeout: 20) { FileManager.default.fileExists(atPath: self.socketPath) }
    }

    /// The daemon's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// How often `needle` occurs in the log.
    func count(_ needle: String) -> Int { log.components(separatedBy: needle).count - 1 }

    /// Waits until `condition` holds, checking every 50 ms; fails with the daemon log.
    func waitFor(_ what: String, timeout: Double, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            if let daemon, !daemon.isRunning, what != "daemon exit" {
                XCTFail("bg95d exited (\(daemon.terminationStatus)) while waiting for \(what)\n\(tail())", file: file, line: line)
                throw SetupError.timeout(what)
            }
            usleep(50_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)\n\(tail())", file: file, line: line)
        throw SetupError.timeout(what)
    }

    /// Waits until the log holds more than `after` occurrences of `needle`.
    func waitForLog(_ needle: String, after: Int, timeout: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        try waitFor("\"\(needle)\" (#\(after + 1))", timeout: timeout, file: file, line: line) { self.count(needle) > after }
    }

    /// `bg95ctl watch --until online`.
    func waitOnline(timeout: Int = 90, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try Command.run([bg95ctl, "watch", "--socket", socketPath, "--until", "online", "--no-urcs",
                                      "--timeout", String(timeout)])
        if !result.succeeded {
            XCTFail("not online: \(result.stdout)\(result.stderr)\n\(tail())", file: file, line: line)
            throw SetupError.timeout("online")
        }
    }

    /// `bg95ctl status --json`; its exit status classifies (0 online, 1 not online, 5 failed),
    /// so anything else is an error here.
    func status() throws -> String {
        let result = try Command.run([bg95ctl, "status", "--socket", socketPath, "--json"])
        guard [0, 1, 5].contains(result.status) else {
            XCTFail("bg95ctl status failed (\(result.status)): \(result.stderr)")
            throw SetupError.timeout("status")
        }
        return result.stdout
    }

    /// `bg95ctl doctor` as an operator on the host runs it: it looks at sysfs and /dev itself,
    /// so it runs where bg95d runs (the host namespace, under umockdev's preload).
    func doctor(_ extra: [String] = []) throws -> CommandResult {
        try Command.run(["ip", "netns", "exec", hostNamespace, "env",
                         "LD_PRELOAD=\(environment["LD_PRELOAD"] ?? "libumockdev-preload.so.0")",
                         "UMOCKDEV_DIR=\(environment["UMOCKDEV_DIR"] ?? "")",
                         bg95ctl, "doctor", "--socket", socketPath] + extra)
    }

    /// The StatusSnapshot as a dictionary.
    func statusObject() throws -> [String: Any] {
        let text = try status()
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    /// The supervisor state from `bg95ctl status --json`.
    func state() throws -> String {
        try statusObject()["state"] as? String ?? "?"
    }

    /// The simulator's own state (`bg95sim ctl status`): what the module really does.
    func simulatorStatus() throws -> [String: Any] {
        let text = try Command.check([bg95sim, "ctl", "--prefix", prefix, "status"]).stdout
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    /// `bg95sim ctl <verb>`.
    func fault(_ words: String...) throws {
        try fault(words)
    }

    func fault(_ words: [String]) throws {
        try Command.check([bg95sim, "ctl", "--prefix", prefix] + words)
    }

    /// IPv4 routes of every table, rules and addresses in the host namespace, sorted: what
    /// "the namespace as it was" means.
    func networkState() throws -> [String] {
        let routes = try Command.inNamespace(hostNamespace, ["ip", "-4", "route", "show", "table", "all"]).stdout
        let rules = try Command.inNamespace(hostNamespace, ["ip", "-4", "rule", "show"]).stdout
        let addresses = try Command.inNamespace(hostNamespace, ["ip", "-4", "-o", "address", "show"]).stdout
        let lines = (routes + rules + addresses).split(separator: "\n").map {
            // Lifetimes count down; they are not part of the shape.
            String($0).replacingOccurrences(of: #"valid_lft \S+ preferred_lft \S+"#, with: "", options: .regularExpression)
        }
        return lines.sorted()
    }

    /// The routes bg95d installed (protocol 0x95), and whether any is duplicated.
    func ownRoutes() throws -> [String] {
        try Command.inNamespace(hostNamespace, ["ip", "-4", "route", "show", "table", "all", "proto", "149"]).stdout
            .split(separator: "\n").map(String.init)
    }

    func assertNoDuplicateRoutes(file: StaticString = #filePath, line: UInt = #line) throws {
        let routes = try ownRoutes()
        XCTAssertFalse(routes.isEmpty, "no routes installed", file: file, line: line)
        XCTAssertEqual(routes.count, Set(routes).count, "duplicate routes: \(routes)", file: file, line: line)
        let rules = try Command.inNamespace(hostNamespace, ["ip", "-4", "rule", "show"]).stdout
            .split(separator: "\n").filter { $0.contains("lookup 1095") }
        XCTAssertEqual(rules.count, 1, "policy rules: \(rules)", file: file, line: line)
    }

    /// A ping through the ECM interface from the host namespace.
    func ping(file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try Command.run(["ip", "netns", "exec", hostNamespace, "ping", "-c", "1", "-W", "2", "-I",
                                      environment["BG95SIM_ECM_IFNAME"] ?? "eth2", testHost])
        XCTAssertTrue(result.succeeded, "ping \(testHost) failed: \(result.stdout)", file: file, line: line)
    }

    /// SIGTERM and wait for the exit status.
    @discardableResult
    func stopDaemon(signal: Int32 = SIGTERM, timeout: Double = 20) throws -> Int32 {
        guard let daemon, daemon.isRunning else { return daemon?.terminationStatus ?? 0 }
        kill(daemon.processIdentifier, signal)
        try waitFor("daemon exit", timeout: timeout) { !daemon.isRunning }
        self.daemon = nil
        return daemon.terminationStatus
    }

    func tail(_ lines: Int = 60) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let daemon, daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        _ = try? Command.run([bg95sim, "stop", "--prefix", prefix])
        try? FileManager.default.removeItem(atPath: folder)
    }
}

enum SetupError: Error {
    case timeout(String)
    case simulator(String)
}
