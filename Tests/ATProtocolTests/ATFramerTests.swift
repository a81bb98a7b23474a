import XCTest
@testable import ATProtocol

/// Feeds a stream three ways (all at once, one byte at a time, split at every index into two
/// chunks, and into three chunks around every pair of indices for short streams) and demands
/// identical frames. In the style of swift-nio's ByteToMessageDecoderVerifier.
func assertFramingInvariant(
    _ stream: [UInt8], expected: [ATFrame], maxLineLength: Int = ATFramer.defaultMaxLineLength,
    file: StaticString = #filePath, line: UInt = #line
) {
    var whole = ATFramer(maxLineLength: maxLineLength)
    XCTAssertEqual(whole.feed(stream), expected, "all at once", file: file, line: line)

    var drip = ATFramer(maxLineLength: maxLineLength)
    var dripped: [ATFrame] = []
    for byte in stream { dripped += drip.feed([byte]) }
    XCTAssertEqual(dripped, expected, "drip-fed", file: file, line: line)

    for split in 0...stream.count {
        var framer = ATFramer(maxLineLength: maxLineLength)
        let frames = framer.feed(stream[..<split]) + framer.feed(stream[split...])
        if frames != expected {
            XCTFail("split at \(split): \(frames)", file: file, line: line)
            return
        }
    }
    if stream.count <= 200 {
        for first in 0...stream.count {
            for second in first...stream.count {
                var framer = ATFramer(maxLineLength: maxLineLength)
                let frames = framer.feed(stream[..<first]) + framer.feed(stream[first..<second])
                    + framer.feed(stream[second...])
                if frames != expected {
                    XCTFail("split at \(first),\(second): \(frames)", file: file, line: line)
                    return
                }
            }
        }
    }
}

final class ATFramerTests: XCTestCase {
    func testMultiLineExchangeWithURCMidResponseUnderEverySplit() {
        let stream = Array("AT+CGPADDR=1\r\r\n+CGPADDR: 1,10.64.11.124\r\n\r\n+CEREG: 1,\"1A2B\",\"01A2B3C4\",8\r\n\r\nOK\r\n".utf8)
        assertFramingInvariant(stream, expected: [
            .line("AT+CGPADDR=1"),
            .line("+CGPADDR: 1,10.64.11.124"),
            .line("+CEREG: 1,\"1A2B\",\"01A2B3C4\",8"),
            .line("OK"),
        ])
    }

    func testPingExchangeUnderEverySplit() {
        let text = "\r\nOK\r\n\r\n+QPING: 0,\"8.8.8.8\",32,257,255\r\n\r\n+QPING: 0,\"8.8.8.8\",32,77,255\r\n"
            + "\r\n+QPING: 0,\"8.8.8.8\",32,101,255\r\n\r\n+QPING: 0,\"8.8.8.8\",32,150,255\r\n"
            + "\r\n+QPING: 0,\"8.8.8.8\",32,160,255\r\n\r\n+QPING: 0,5,5,0,77,257,149\r\n"
        assertFramingInvariant(Array(text.utf8), expected: [
            .line("OK"),
            .line("+QPING: 0,\"8.8.8.8\",32,257,255"),
            .line("+QPING: 0,\"8.8.8.8\",32,77,255"),
            .line("+QPING: 0,\"8.8.8.8\",32,101,255"),
            .line("+QPING: 0,\"8.8.8.8\",32,150,255"),
            .line("+QPING: 0,\"8.8.8.8\",32,160,255"),
            .line("+QPING: 0,5,5,0,77,257,149"),
        ])
    }

    func testBareCRBareLFAndCRLFAllEndLines() {
        assertFramingInvariant(Array("RDY\r+CFUN: 1\n+CPIN: READY\r\n\n\r\rAPP RDY\n".utf8), expected: [
            .line("RDY"), .line("+CFUN: 1"), .line("+CPIN: READY"), .line("APP RDY"),
        ])
    }

    func testPromptIsReportedWithoutTerminator() {
        assertFramingInvariant(Array("AT+QISEND=0,5\r\r\n> ".utf8), expected: [.line("AT+QISEND=0,5"), .prompt])
        // A lone `>` followed by a line end is an ordinary line, not a prompt.
        assertFramingInvariant(Array(">\r\n".utf8), expected: [.line(">")])
    }

    func testNULControlBytesAndInvalidUTF8AreHarmless() {
        let stream: [UInt8] = [0x00, 0x00] + Array("O".utf8) + [0x00, 0x07] + Array("K\r\n".utf8)
            + [0xFF, 0xFE, 0x80] + Array("\r\n".utf8) + [0x1B] + Array("RDY\r\n".utf8)
        assertFramingInvariant(stream, expected: [.line("OK"), .line("\u{FFFD}\u{FFFD}\u{FFFD}"), .line("RDY")])
    }

    func testOverlongLineIsDroppedAndFlaggedAndBufferStaysBounded() {
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 40)
        let stream = Array("OK\r\n".utf8) + long + Array("\r\nRDY\r\n".utf8)
        assertFramingInvariant(stream, expected: [.line("OK"), .overlongLine(length: 40), .line("RDY")], maxLineLength: 16)

        // A flood without any line end never grows the buffer past the cap.
        var framer = ATFramer(maxLineLength: 64)
        for _ in 0..<10_000 { XCTAssertEqual(framer.feed(long), []) }
        XCTAssertEqual(framer.feed(Array("\r\nOK\r\n".utf8)), [.overlongLine(length: 400_000), .line("OK")])
    }

    func testLineExactlyAtCapIsKept() {
        let exact = String(repeating: "B", count: 16)
        assertFramingInvariant(Array((exact + "\r\n").utf8), expected: [.line(exact)], maxLineLength: 16)
    }

    func testSurroundingSpacesAreTrimmedAndBlankLinesSkipped() {
        assertFramingInvariant(Array("  OK \r\n   \r\n\t\r\n".utf8), expected: [.line("OK")])
    }

    func testResetDropsPartialLine() {
        var framer = ATFramer()
        XCTAssertEqual(framer.feed(Array("+CEREG: 1,".utf8)), [])
        XCTAssertFalse(framer.isIdle)
        framer.reset()
        XCTAssertTrue(framer.isIdle)
        XCTAssertEqual(framer.feed(Array("RDY\r\n".utf8)), [.line("RDY")])
    }
}
