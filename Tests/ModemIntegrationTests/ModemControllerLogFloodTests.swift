import ATProtocol
import Dispatch
import Foundation
import Modem
import ModemIO
import XCTest

/// Whoever writes to the AT port must not be able to fill the log: megabytes of garbage and a
/// storm of 100 000 URCs through the real controller on a pty log a bounded number of lines
/// (each source's burst per 10 s window plus one summary), and the port still works.
final class ModemControllerLogFloodTests: PseudoTerminalTestCase {
    private func makeController(trace: Bool) -> ControllerOnPseudoTerminal {
        ControllerOnPseudoTerminal(lockDirectory: lockDirectory, trace: trace) { link in
            link.maximumCommandTimeout = .seconds(2)
            link.probeTimeout = .seconds(1)
            link.stalledProbeInterval = .milliseconds(500)
        }
    }

    /// The result of `command`; a few attempts, since a command written while the flood is
    /// still being read may be answered by a resynchronisation first.
    private func eventuallyOK(_ m: ControllerOnPseudoTerminal, _ command: ATCommand) -> ATResult? {
        var last: ATResult?
        for _ in 0..<5 {
            last = m.send(command, timeout: 30)?.result
            if last == .ok { return last }
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
        let m = makeController(trace: false)
        let log = m.log
        m.attach(module)
        XCTAssertEqual(eventuallyOK(m, .attention), .ok)
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
        // The port is read in order: once a command written after the flood is answered,
        // the whole flood was read.
        XCTAssertEqual(eventuallyOK(m, .functionalityQuery), .ok, "a normal command completes after the flood")
        m.queue.sync {}
        let portLines = log.lines.filter { $0.contains("resynchronising before the next command") || $0.hasPrefix("AT port input") }
        XCTAssertGreaterThan(portLines.count, 0, "the garbage was noticed")
        XCTAssertLessThanOrEqual(portLines.count, bound(burst: 5, since: start),
                                 "\(garbageLines) garbage lines must not give one log line each; first lines: \(portLines.prefix(12))")
        XCTAssertLessThan(log.lines.count, 100, "the whole log stays small: \(log.lines.prefix(20))")
        m.stop()
    }

    func testAStormOf100kURCsWithTraceOnLogsABoundedNumberOfLines() throws {
        let module = try PseudoTerminalModule()
        let m = makeController(trace: true)
        let log = m.log
        m.attach(module)
        XCTAssertEqual(eventuallyOK(m, .attention), .ok)
        let start = Date()
        let storm = 100_000
        module.writeAll(Array(String(repeating: "\r\n+CGEV: NW DETACH\r\n", count: storm).utf8))
        // Every URC is still reported; only the log is limited.
        XCTAssertTrue(m.await(120) { m.urcLines.count >= storm })
        XCTAssertEqual(m.urcLines.count, storm)
        XCTAssertEqual(eventuallyOK(m, .attachQuery), .ok, "a normal command completes after the storm")
        m.queue.sync {}
        let urcLines = log.lines.filter { $0.hasPrefix("AT< URC") || $0.hasPrefix("AT URC trace") }
        XCTAssertGreaterThan(urcLines.count, 0, "trace shows the first URCs")
        XCTAssertLessThanOrEqual(urcLines.count, bound(burst: 20, since: start), "first lines: \(urcLines.prefix(5))")
        XCTAssertLessThan(log.lines.count, 200, "the whole log stays small")
        m.stop()
    }
}
