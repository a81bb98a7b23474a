import ATProtocol
import Dispatch
import Foundation
import ModemIO
import XCTest

/// Whoever writes to the AT port must not be able to fill the log: megabytes of garbage and a
/// storm of 100 000 URCs through the real channel on a pty log a bounded number of lines
/// (each source's burst per 10 s window plus one summary), and the channel still works.
final class ATChannelLogFloodTests: XCTestCase {
    private var lockDirectory = ""
    private let queue = DispatchQueue(label: "channel-flood-test")

    override func setUpWithError() throws {
        lockDirectory = NSTemporaryDirectory() + "bg95-lock-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: lockDirectory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: lockDirectory)
    }

    private func makeChannel(trace: Bool, log: LogLines) -> ATChannel {
        var options = ATChannel.Options()
        options.lockDirectory = lockDirectory
        options.maximumCommandTimeout = .seconds(2)
        options.probeTimeout = .seconds(1)
        options.stalledProbeInterval = .milliseconds(500)
        options.trace = trace
        return ATChannel(queue: queue, options: options, log: { log.append($0) })
    }

    private func open(_ channel: ATChannel, _ module: PseudoTerminalModule) throws {
        var failure: ModemIOError?
        queue.sync {
            do throws(ModemIOError) { try channel.open(module.slavePath, onClosed: { _ in }) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The result of `command`, sent on the queue; a few attempts, since a command written while
    /// the flood is still being read may be answered by a resynchronisation first.
    private func eventuallyOK(_ channel: ATChannel, _ command: ATCommand) -> ATResult? {
        var last: ATResult?
        for _ in 0..<5 {
            let done = expectation(description: "\(command)")
            nonisolated(unsafe) var result: ATResult?
            queue.async {
                channel.send(command) { response in
                    result = response.result
                    done.fulfill()
                }
            }
            wait(for: [done], timeout: 30)
            last = result
            if result == .ok { return result }
        }
        return last
    }

    /// At most `burst` lines plus one summary per started 10 s window (+1: windows start at the
    /// first line, not on a grid).
    private func bound(burst: Int, since start: Date) -> Int {
        let windows = Int(Date().timeIntervalSince(start) / 10) + 2
        return windows * (burst + 1)
    }

    func testMegabytesOfGarbageLogABoundedNumberOfLines() throws {
        let module = try PseudoTerminalModule()
        let log = LogLines()
        let channel = makeChannel(trace: false, log: log)
        try open(channel, module)
        XCTAssertEqual(eventuallyOK(channel, .attention), .ok)
        let start = Date()
        // 1 MiB of short garbage lines (each one a "garbage on the port" event) ...
        var flood: [UInt8] = []
        let garbageLine: [UInt8] = [0x0D, 0x0A] + Array(repeating: [0xFF, 0xFE, 0x23, 0x40, 0x21, 0x7E], count: 5).flatMap { $0 } + [0x0D, 0x0A]
        while flood.count < 1 << 20 { flood += garbageLine }
        // ... and 1 MiB without a line end (overlong lines), deterministic bytes.
        var state: UInt32 = 0x1234_5678
        for _ in 0..<(1 << 20) {
            state = state &* 1_664_525 &+ 1_013_904_223
            let byte = UInt8(truncatingIfNeeded: state >> 24)
            flood.append(byte == 0x0D || byte == 0x0A ? 0xFF : byte)
        }
        flood += [0x0D, 0x0A]
        let garbageLines = (1 << 20) / garbageLine.count
        module.writeAll(flood)
        // The channel reads in order: once a command written after the flood is answered,
        // the whole flood was read.
        XCTAssertEqual(eventuallyOK(channel, .functionalityQuery), .ok, "a normal command completes after the flood")
        queue.sync {}
        let portLines = log.lines.filter { $0.contains("resynchronising before the next command") || $0.hasPrefix("AT port input") }
        XCTAssertGreaterThan(portLines.count, 0, "the garbage was noticed")
        XCTAssertLessThanOrEqual(portLines.count, bound(burst: 5, since: start),
                                 "\(garbageLines) garbage lines must not give one log line each; first lines: \(portLines.prefix(12))")
        XCTAssertLessThan(log.lines.count, 100, "the whole log stays small: \(log.lines.prefix(20))")
    }

    func testAStormOf100kURCsWithTraceOnLogsABoundedNumberOfLines() throws {
        let module = try PseudoTerminalModule()
        let log = LogLines()
        let channel = makeChannel(trace: true, log: log)
        nonisolated(unsafe) var received = 0
        queue.sync { channel.onURC = { _, _ in received += 1 } }
        try open(channel, module)
        XCTAssertEqual(eventuallyOK(channel, .attention), .ok)
        let start = Date()
        let storm = 100_000
        module.writeAll(Array(String(repeating: "\r\n+CGEV: NW DETACH\r\n", count: storm).utf8))
        // Every URC is still delivered; only the log is limited.
        let deadline = Date().addingTimeInterval(120)
        while queue.sync(execute: { received }) < storm, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(queue.sync { received }, storm)
        XCTAssertEqual(eventuallyOK(channel, .attachQuery), .ok, "a normal command completes after the storm")
        queue.sync {}
        let urcLines = log.lines.filter { $0.hasPrefix("AT< URC") || $0.hasPrefix("AT URC trace") }
        XCTAssertGreaterThan(urcLines.count, 0, "trace shows the first URCs")
        XCTAssertLessThanOrEqual(urcLines.count, bound(burst: 20, since: start), "first lines: \(urcLines.prefix(5))")
        XCTAssertLessThan(log.lines.count, 200, "the whole log stays small")
    }
}
