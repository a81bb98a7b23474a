import BG95Control
import Foundation
import Glibc
import TestSupport
import XCTest

/// The control socket cannot be denied to root or the control group by idle or unprivileged
/// peers, and a storm of bad clients cannot fill the log (issue 12, "control socket").
final class ControlSocketStarvationTests: XCTestCase {
    /// 16 idle connections used to fill every slot, and `status` was refused for the 60 s
    /// idle timeout. Now the newcomer evicts the oldest connection that never asked anything.
    func testSixteenIdleConnectionsDoNotLockRootOut() throws {
        let daemon = try ScriptedDaemon()
        XCTAssertEqual(daemon.server.configuration.maxClients, 16)
        let idle = try (0..<16).map { _ in try ControlClient(path: daemon.path) }
        try waitUntil("16 connections accepted") { daemon.onQueue { daemon.server.connectionCount } == 16 }
        let response = try ControlClient(path: daemon.path).request(.status, timeout: 1)
        guard case .success(.status) = response.outcome else { return XCTFail("\(response)") }
        // The evicted connection (the oldest) was told why.
        guard case .response(let evicted) = try idle[0].readMessage(deadline: ControlClient.now() + 5),
              case .failure(let failure) = evicted.outcome else { return XCTFail("oldest idle connection not evicted") }
        XCTAssertEqual(failure.code, .busy)
    }

    /// Idle connections that never send a request are closed after the short first-request
    /// timeout, not the long idle one.
    func testConnectionWithoutARequestIsClosedAfterTheFirstRequestTimeout() throws {
        let daemon = try ScriptedDaemon {
            $0.firstRequestTimeoutMilliseconds = 200
            $0.idleTimeoutMilliseconds = 60_000
        }
        let idle = try ControlClient(path: daemon.path)
        let started = ControlClient.now()
        XCTAssertThrowsError(try idle.readLine(deadline: ControlClient.now() + 10)) { error in
            XCTAssertEqual(error as? ControlClientError, .closed)
        }
        XCTAssertLessThan(ControlClient.now() - started, 5)
        // One that asked something stays for the idle timeout.
        let asked = try ControlClient(path: daemon.path)
        _ = try asked.request(.status)
        XCTAssertThrowsError(try asked.readLine(deadline: ControlClient.now() + 1)) { error in
            XCTAssertEqual(error as? ControlClientError, .timeout)
        }
    }

    /// Four processes of another uid (a member of the control group) connect as fast as they
    /// can and hold every connection they get; root's `status` is still answered every time,
    /// and so is a member's. Prints the latency figures recorded in docs/reliability.md.
    func testFloodFromAnotherUIDDoesNotDenyRoot() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["setpriv"])
        try requireSystemPython()
        let nogroup: UInt32 = 65534
        let daemon = try ScriptedDaemon { $0.policy = ControlAccessPolicy(group: nogroup) }
        let idleLatencies = try measureStatus(daemon, count: 40)
        let flooders = try startFlooders(daemon, uid: 65534, gid: nogroup, processes: 4, seconds: 60)
        defer { for flooder in flooders { if flooder.isRunning { flooder.terminate() }; flooder.waitUntilExit() } }
        try waitUntil("the flood holds connections") { daemon.onQueue { daemon.server.connectionCount } >= 6 }
        let floodLatencies = try measureStatus(daemon, count: 40)
        XCTAssertEqual(floodLatencies.failures, 0, "root's status failed \(floodLatencies.failures) of 40 times under the flood")
        print("control status latency, idle:  \(idleLatencies.summary)")
        print("control status latency, flood: \(floodLatencies.summary) (4 processes of uid 65534 holding connections)")
    }

    /// Outsiders (peers the policy allows nothing, here uid 65533 through a 0666 socket)
    /// cannot keep a member of the control group out either.
    func testOutsiderFloodDoesNotDenyTheControlGroup() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["setpriv"])
        try requireSystemPython()
        let nogroup: UInt32 = 65534
        let daemon = try ScriptedDaemon {
            $0.policy = ControlAccessPolicy(group: nogroup)
            $0.mode = 0o666
        }
        let copy = daemon.directory + "/bg95ctl"
        try FileManager.default.copyItem(atPath: try TestEnvironment.product("bg95ctl"), toPath: copy)
        chmod(copy, 0o755)
        let flooders = try startFlooders(daemon, uid: 65533, gid: 4321, processes: 4, seconds: 60)
        defer { for flooder in flooders { if flooder.isRunning { flooder.terminate() }; flooder.waitUntilExit() } }
        try waitUntil("the flood holds connections") { daemon.onQueue { daemon.server.connectionCount } >= 2 }
        for _ in 0..<10 {
            let status = try Command.run(["setpriv", "--reuid=65534", "--regid=\(nogroup)", "--clear-groups", "--", copy, "status", "--socket", daemon.path])
            // 0 online, 1 answered but not online (the scripted daemon): either way it was
            // served; 3 (cannot connect) or 4 (refused) would be the flood winning.
            XCTAssertTrue([0, 1].contains(status.status), "exit \(status.status): \(status.stderr)")
            XCTAssertFalse(status.stdout.isEmpty, "no status printed")
        }
        let root = try ControlClient(path: daemon.path).request(.status, timeout: 2)
        guard case .success(.status) = root.outcome else { return XCTFail("\(root)") }
    }

    /// 2000 bad requests from many connections: the log gets at most `logBurst` lines per
    /// interval plus one summary with the count, not one line per refusal.
    func testRefusalStormLogIsBounded() throws {
        let daemon = try ScriptedDaemon {
            $0.logBurst = 5
            $0.logIntervalSeconds = 1
        }
        let started = ControlClient.now()
        for _ in 0..<200 {
            let client = try ControlClient(path: daemon.path)
            for _ in 0..<10 { try client.sendRaw(Array("not json\n".utf8)) }
            for _ in 0..<10 { _ = try client.readMessage(deadline: ControlClient.now() + 5) }
        }
        let seconds = Int(ControlClient.now() - started) + 1
        try waitUntil("the summary line", timeout: 10) {
            daemon.onQueue { daemon.logLines.contains { $0.contains("more lines suppressed") } }
        }
        let lines = daemon.onQueue { daemon.logLines }
        // At most burst + 1 lines per started interval (a summary opens each new interval).
        XCTAssertLessThanOrEqual(lines.count, (seconds + 1) * 6, "\(lines.count) lines for 2000 refusals in \(seconds) s")
        XCTAssertGreaterThan(daemon.onQueue { daemon.server.suppressedLogLines }, 1_500)
        print("refusal storm: 2000 refused requests in \(seconds) s -> \(lines.count) log lines")
    }

    // MARK: - Helpers

    private struct Latencies {
        var milliseconds: [Double] = []
        var failures = 0
        var summary: String {
            let sorted = milliseconds.sorted()
            guard !sorted.isEmpty else { return "no successful calls, \(failures) failed" }
            func at(_ q: Double) -> String { String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) }
            return "median \(at(0.5)) ms, p90 \(at(0.9)) ms, max \(at(1.0)) ms, \(failures) failed of \(sorted.count + failures)"
        }
    }

    /// `count` status calls, each on a new connection as bg95ctl makes them.
    private func measureStatus(_ daemon: ScriptedDaemon, count: Int) throws -> Latencies {
        var result = Latencies()
        for _ in 0..<count {
            let started = ControlClient.now()
            do {
                let response = try ControlClient(path: daemon.path).request(.status, timeout: 5)
                guard case .success(.status) = response.outcome else {
                    result.failures += 1
                    continue
                }
                result.milliseconds.append((ControlClient.now() - started) * 1000)
            } catch {
                result.failures += 1
            }
        }
        return result
    }

    /// Processes of `uid` that connect as fast as they can and hold up to 64 connections each
    /// (closing the oldest half beyond that), sending nothing.
    private func startFlooders(_ daemon: ScriptedDaemon, uid: UInt32, gid: UInt32, processes: Int, seconds: Int) throws -> [Process] {
        let script = daemon.directory + "/flood.py"
        try Self.flooder.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        return try (0..<processes).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestEnvironment.which("setpriv") ?? "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--", "/usr/bin/python3", script, daemon.path, "\(seconds)"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
    }

    private static let flooder = """
        import socket, sys, time
        path, end = sys.argv[1], time.time() + float(sys.argv[2])
        held = []
        while time.time() < end:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                held.append(s)
            except OSError:
                s.close()
                time.sleep(0.001)
            if len(held) > 64:
                for old in held[:32]:
                    old.close()
                held = held[32:]
        """

    private func waitUntil(_ what: String, timeout: Double = 10, _ condition: () -> Bool) throws {
        let deadline = ControlClient.now() + timeout
        while !condition() {
            if ControlClient.now() > deadline { throw WaitTimeout(description: "never saw \(what) within \(timeout) s") }
            usleep(5_000)
        }
    }

    /// The flooders run as another uid, which may not reach a per-user python (pyenv shims).
    private func requireSystemPython(file: StaticString = #filePath, line: UInt = #line) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            XCTFail("/usr/bin/python3 is not installed; `make test` installs it", file: file, line: line)
            throw TestEnvironmentError.missing("/usr/bin/python3")
        }
    }

    private struct WaitTimeout: Error, CustomStringConvertible {
        let description: String
    }
}
