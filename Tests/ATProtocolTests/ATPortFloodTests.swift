import XCTest
@testable import ATProtocol

/// Floods on the AT port (issue 12, "hostile input suite"): megabytes of garbage and URC
/// storms keep the framer's and the session's memory bounded, and a command's response still
/// gets through in the middle of the storm.
final class ATPortFloodTests: XCTestCase {
    func testMegabytesOfGarbageWithoutALineEndKeepTheFramerBounded() {
        var framer = ATFramer(maxLineLength: 1024)
        var random = SplitMix64(seed: 0xF100D)
        var overlong = 0
        for _ in 0..<256 {
            // 32 KiB per chunk, 8 MiB in all, never a CR or LF.
            let chunk = (0..<32_768).map { _ in UInt8(truncatingIfNeeded: random.next()) | 0x20 }.map { $0 == 0x0D || $0 == 0x0A ? 0x41 : $0 }
            for frame in framer.feed(chunk) {
                if case .overlongLine = frame { overlong += 1 }
            }
            XCTAssertLessThanOrEqual(framer.bufferedByteCount, 1024)
        }
        // The overlong line is reported when it finally ends, once, not per byte.
        let end = framer.feed(Array("\r\nOK\r\n".utf8))
        XCTAssertEqual(end.count, 2, "\(end)")
        guard case .overlongLine(let length) = end.first else { return XCTFail("\(end)") }
        XCTAssertGreaterThan(length, 8_000_000)  // DEL bytes are dropped, not counted
        XCTAssertEqual(end.last, .line("OK"))
        XCTAssertEqual(overlong, 0)
    }

    func testURCStormDoesNotStarveTheCommandInFlight() {
        var session = ATSession()
        let (id, _) = session.start(.registrationQuery)
        var urcs = 0
        var response: ATResponse?
        // 100,000 URCs (about 2.5 MB), the answer to AT+CEREG? in the middle.
        for i in 0..<100_000 {
            var bytes = Array("+CEREG: 1,\"1A2B\",\"01A2B3C4\",8\r\n+QIURC: \"pdpdeact\",1\r\n".utf8)
            if i == 50_000 { bytes += Array("+CEREG: 2,5\r\n\r\nOK\r\n".utf8) }
            for output in session.receive(bytes) {
                switch output {
                case .urc: urcs += 1
                case .response(let r): response = r
                case .write, .prompt, .discarded: break
                }
            }
            XCTAssertLessThanOrEqual(session.inFlight?.lines.count ?? 0, ATSession.maxResponseLines)
        }
        XCTAssertEqual(response?.id, id)
        XCTAssertEqual(response?.lines, ["+CEREG: 2,5"])
        XCTAssertEqual(response?.result, .ok)
        XCTAssertEqual(urcs, 200_000)
        XCTAssertNil(session.inFlight)
    }

    func testAnAnswerThatNeverEndsIsCappedAndTheNextCommandStillRuns() {
        var session = ATSession()
        let (first, _) = session.start(.identify)
        var discarded = 0
        for _ in 0..<10_000 {
            for output in session.receive(Array("Quectel\r\n".utf8)) {
                if case .discarded(.excessResponseLine) = output { discarded += 1 }
            }
        }
        XCTAssertEqual(session.inFlight?.id, first)
        XCTAssertLessThanOrEqual(session.inFlight?.lines.count ?? 0, ATSession.maxResponseLines)
        XCTAssertGreaterThan(discarded, 9_000)
        // The timeout ends it and the next command is written.
        let outputs = session.timeoutFired(for: first)
        XCTAssertEqual(outputs.count, 1, "\(outputs)")
        XCTAssertNil(session.inFlight)
        let (second, next) = session.start(.simStatusQuery)
        XCTAssertTrue(next.contains { if case .write(let id, _, _) = $0 { return id == second }; return false }, "\(next)")
    }
}

extension ATFramer {
    /// Bytes held for the line in progress (test-only view of the bound).
    var bufferedByteCount: Int { Mirror(reflecting: self).children.first { $0.label == "buffer" }.map { ($0.value as? [UInt8])?.count ?? -1 } ?? -1 }
}
