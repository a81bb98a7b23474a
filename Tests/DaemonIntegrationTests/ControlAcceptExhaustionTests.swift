import BG95Control
import Foundation
import Glibc
import TestSupport
import XCTest

/// When bg95d runs out of descriptors, `accept` fails with EMFILE while the connection stays in
/// the backlog, so the listening socket stays readable: the daemon must pause accepting (not
/// spin on the event) and serve again once descriptors are free. The real bg95d runs in its
/// own network namespace (`unshare -n`, nothing touches the host's) with a temporary config
/// and control socket; its descriptor limit is lowered with `prlimit --pid` once it runs.
final class ControlAcceptExhaustionTests: XCTestCase {
    func testDescriptorExhaustionDoesNotBusyLoopAndTheSocketServesAgain() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["unshare", "prlimit"])
        let bg95d = try TestEnvironment.product("bg95d")
        let folder = NSTemporaryDirectory() + "bg95-emfile-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let socket = folder + "/control.sock"
        let configuration = folder + "/bg95d.conf"
        try """
        apn = internet.test
        control_socket = \(socket)
        state_dir = \(folder)/state
        dns_backend = file
        dns_file = \(folder)/resolv.conf
        log_level = debug

        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let logPath = folder + "/bg95d.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: try XCTUnwrap(TestEnvironment.which("unshare")))
        // Without --fork, unshare execs bg95d: the process's pid is the daemon's.
        daemon.arguments = ["-n", "--", bg95d, "run", "--config", configuration]
        daemon.standardOutput = logHandle
        daemon.standardError = logHandle
        daemon.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        daemon.terminationHandler = { _ in exited.signal() }
        try daemon.run()
        defer {
            if daemon.isRunning { daemon.terminate() }
            daemon.waitUntilExit()
        }
        let pid = daemon.processIdentifier

        // Served before the limit: also creates the daemon's connection timers.
        try waitUntil("a first status answer", log: log) { (try? ControlClient(path: socket).request(.status, timeout: 2)) != nil }

        // A few free descriptors only: new ones are numbered from the lowest free one.
        let open = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(Int.init))
        let lowestFree = (0...).first { !open.contains($0) }!
        let limit = lowestFree + 3
        _ = try Command.check(["prlimit", "--pid", "\(pid)", "--nofile=\(limit):\(limit)"])

        // More connections than descriptors; each asks for status, so the accepted ones stay
        // open (idle timeout) and the rest wait in the backlog with the socket readable.
        var clients: [ControlClient] = []
        var request = ControlRequest(id: 1, command: .status).encoded()
        request.append(UInt8(ascii: "\n"))
        for _ in 0..<12 {
            let client = try ControlClient(path: socket)
            try client.sendRaw(request)
            clients.append(client)
        }
        try waitUntil("accept failing with EMFILE", log: log) { log.contains("Too many open files") || log.contains("EMFILE") }

        // Waiting on the daemon's exit (which must not happen) for 2 s; meanwhile its CPU time.
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpuBefore = try cpuTicks(pid)
        let wallBefore = ControlClient.now()
        XCTAssertEqual(exited.wait(timeout: .now() + 2), .timedOut, "bg95d exited:\n\(log)")
        let wall = ControlClient.now() - wallBefore
        let cpu = Double(try cpuTicks(pid) - cpuBefore) / ticksPerSecond
        print("EMFILE on the control socket: bg95d used \(String(format: "%.2f", cpu)) s CPU in \(String(format: "%.2f", wall)) s (\(Int(100 * cpu / wall))%)")
        XCTAssertLessThan(cpu, 0.3 * wall, "bg95d spins while accept fails (a busy loop uses ~100% of a core)")

        // Descriptors free again: status is served.
        clients.removeAll()
        try waitUntil("status served again", log: log) {
            guard let response = try? ControlClient(path: socket).request(.status, timeout: 2) else { return false }
            if case .success(.status) = response.outcome { return true }
            return false
        }
    }

    /// utime + stime of `pid`, in clock ticks (fields 14 and 15 of /proc/<pid>/stat, counted
    /// after the parenthesised command name).
    private func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let afterName = stat[stat.index(after: try XCTUnwrap(stat.lastIndex(of: ")")))...]
        let fields = afterName.split(separator: " ")
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        return try XCTUnwrap(Int(fields[11])) + XCTUnwrap(Int(fields[12]))
    }

    private struct WaitTimeout: Error { let what: String }

    private func waitUntil(_ what: String, timeout: Double = 20, log: @autoclosure () -> String,
                           file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) throws {
        let deadline = ControlClient.now() + timeout
        while try !condition() {
            if ControlClient.now() > deadline {
                XCTFail("never saw \(what) within \(timeout) s; bg95d log:\n\(log())", file: file, line: line)
                throw WaitTimeout(what: what)
            }
            usleep(20_000)
        }
    }
}
