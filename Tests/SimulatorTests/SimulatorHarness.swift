import Foundation
import TestSupport
import XCTest

/// What the AT client printed: every received line ("< "), sent line ("> "), port event ("@ ")
/// and ctl reply ("! ").
struct ATTranscript: CustomStringConvertible {
    let status: Int32
    let output: String
    let errors: String

    var received: [String] {
        output.split(separator: "\n").filter { $0.hasPrefix("< ") }.map { String($0.dropFirst(2)) }
    }

    var succeeded: Bool { status == 0 }

    /// The received lines between sending `command` (its first occurrence) and its final result.
    func response(to command: String) -> [String] {
        responses(to: command).first ?? []
    }

    /// The received lines up to the final result, for every time `command` was sent, without
    /// the URCs that may interleave (lines starting with one of `ignoring`).
    func responses(to command: String, ignoring: [String]) -> [[String]] {
        responses(to: command).map { lines in lines.filter { line in !ignoring.contains { line.hasPrefix($0) } } }
    }

    /// The received lines up to the final result, for every time `command` was sent.
    func responses(to command: String) -> [[String]] {
        let lines = output.split(separator: "\n").map(String.init)
        var all: [[String]] = []
        for (index, sent) in lines.enumerated() where sent == "> " + command {
            var result: [String] = []
            for line in lines[(index + 1)...] where line.hasPrefix("< ") {
                let text = String(line.dropFirst(2))
                result.append(text)
                if text == "OK" || text == "ERROR" || text.hasPrefix("+CME ERROR") { break }
            }
            all.append(result)
        }
        return all
    }

    var description: String { "status \(status)\n\(output)\(errors)" }
}

/// One background simulator (`bg95sim start`) for a test, stopped in `stop()`.
final class SimulatorHarness {
    let prefix: String
    let binary: String
    private(set) var environment: [String: String] = [:]

    var hostNS: String { "\(prefix)-host" }
    var testbedRoot: String { environment["UMOCKDEV_DIR"] ?? "/nonexistent" }

    /// Starts the simulator with `--prefix <unique> --speed 30` plus `options`.
    init(_ options: [String] = [], speed: Double = 30, file: StaticString = #filePath, line: UInt = #line) throws {
        try TestEnvironment.requireRoot(file: file, line: line)
        try TestEnvironment.requireTools(["ip", "nft", "dnsmasq", "python3", "busybox", "ping"], file: file, line: line)
        binary = try TestEnvironment.product("bg95sim", file: file, line: line)
        prefix = "s" + TestEnvironment.uniquePrefix().dropFirst().prefix(5).lowercased()
        let result = try Command.run([binary, "start", "--prefix", prefix, "--speed", String(speed)] + options)
        guard result.succeeded else {
            XCTFail("bg95sim start failed: \(result.stderr)\(result.stdout)", file: file, line: line)
            throw TestEnvironmentError.missing("a started simulator")
        }
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { environment[parts[0]] = parts[1] }
        }
        // The helper scripts live in the simulator's run folder, which its teardown deletes.
        try ATClientScript.source.write(toFile: clientPath, atomically: true, encoding: .utf8)
        try Self.udhcpcScript.write(toFile: udhcpcScriptPath, atomically: true, encoding: .utf8)
        chmod(udhcpcScriptPath, 0o755)
    }

    var clientPath: String { "/run/bg95sim/\(prefix)/atclient.py" }
    /// The simulator's own log so far (with `--verbose`: every AT line, in the order written).
    var log: String { (try? String(contentsOfFile: "/run/bg95sim/\(prefix).log", encoding: .utf8)) ?? "" }

    /// Fails unless `first` occurs in the log before `then` (both must be there).
    func assertLogged(_ first: String, before then: String, file: StaticString = #filePath, line: UInt = #line) {
        let text = log
        guard let a = text.range(of: first), let b = text.range(of: then) else {
            return XCTFail("log lacks \(first) or \(then):\n\(text)", file: file, line: line)
        }
        XCTAssertLessThan(a.lowerBound, b.lowerBound, "\(first) came after \(then):\n\(text)", file: file, line: line)
    }
    var udhcpcScriptPath: String { "/run/bg95sim/\(prefix)/udhcpc.script" }

    /// Configures the lease on the interface like a minimal DHCP client hook.
    static let udhcpcScript = """
        #!/bin/sh
        case "$1" in
        bound|renew)
            ip addr flush dev "$interface"
            ip addr add "$ip/${mask:-24}" dev "$interface"
            [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
            echo "lease $ip router $router dns $dns lease $lease"
            ;;
        esac
        exit 0

        """

    /// Runs the AT client in the host namespace under the umockdev preload.
    func at(_ steps: [String]) throws -> ATTranscript {
        var argv = ["ip", "netns", "exec", hostNS, "env"]
        for key in ["LD_PRELOAD", "UMOCKDEV_DIR", "BG95SIM_CTL", "BG95SIM_PREFIX"] {
            argv.append("\(key)=\(environment[key] ?? "")")
        }
        argv += ["BG95SIM_BIN=\(binary)", "/usr/bin/python3", clientPath] + steps
        let result = try Command.run(argv)
        return ATTranscript(status: result.status, output: result.stdout, errors: result.stderr)
    }

    /// Runs the AT client and fails the test unless every step passed.
    @discardableResult
    func atOK(_ steps: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ATTranscript {
        let transcript = try at(steps)
        XCTAssertTrue(transcript.succeeded, "AT client failed:\n\(transcript)", file: file, line: line)
        return transcript
    }

    /// `bg95sim ctl --prefix P <words>`.
    func ctl(_ words: String...) throws -> CommandResult {
        try Command.run([binary, "ctl", "--prefix", prefix] + words)
    }

    /// The simulator's status JSON.
    func status() throws -> [String: Any] {
        let result = try ctl("status")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return object as? [String: Any] ?? [:]
    }

    /// Runs `argv` in the host namespace without the preload.
    @discardableResult
    func inHost(_ argv: [String]) throws -> CommandResult {
        try Command.run(["ip", "netns", "exec", hostNS] + argv)
    }

    /// A DHCP exchange with the module's dnsmasq from the host namespace (busybox udhcpc),
    /// configuring the lease on the ECM interface.
    func dhcp(interface: String = "eth2") throws -> CommandResult {
        try inHost(["ip", "link", "set", interface, "up"])
        return try inHost(["busybox", "udhcpc", "-i", interface, "-n", "-q", "-f", "-t", "3", "-T", "1", "-s", udhcpcScriptPath])
    }

    /// One ping from the host namespace to the test host.
    func pingTestHost() throws -> Bool {
        try inHost(["ping", "-n", "-c", "1", "-W", "1", "198.51.100.7"]).succeeded
    }

    /// Tears the simulator down and checks nothing is left.
    func stop(file: StaticString = #filePath, line: UInt = #line) {
        _ = try? Command.run([binary, "stop", "--prefix", prefix])
        SimulatorHarness.assertNothingLeft(prefix: prefix, file: file, line: line)
    }

    /// No namespace, run folder or process of `prefix` survives.
    static func assertNothingLeft(prefix: String, file: StaticString = #filePath, line: UInt = #line) {
        let namespaces = (try? Command.run(["ip", "netns", "list"]).stdout) ?? ""
        for role in ["host", "modem", "pdn"] {
            XCTAssertFalse(namespaces.contains("\(prefix)-\(role)"), "namespace \(prefix)-\(role) left behind", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/run/bg95sim/\(prefix)"), "run folder left behind", file: file, line: line)
        let runPath = "/run/bg95sim/\(prefix)/"
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in pids where Int32(pid) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let cmdline = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if cmdline.contains(runPath) || cmdline.contains("--prefix \(prefix) ") {
                XCTFail("process left behind: \(pid) \(cmdline)", file: file, line: line)
            }
        }
    }
}
