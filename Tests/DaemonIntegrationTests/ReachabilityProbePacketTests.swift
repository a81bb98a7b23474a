@testable import BG95Daemon
import XCTest

/// The probe's packets, byte for byte (no root needed).
final class ReachabilityProbePacketTests: XCTestCase {
    func testEchoRequestHasTypeIdSequenceAndAValidChecksum() {
        let packet = ReachabilityProbe.echoRequest(id: 0x1234, sequence: 7)
        XCTAssertEqual(Array(packet[0..<2]), [8, 0])
        XCTAssertEqual(Array(packet[4..<8]), [0x12, 0x34, 0, 7])
        // A packet including its checksum sums to 0xFFFF (RFC 1071): the checksum of it is 0.
        XCTAssertEqual(ReachabilityProbe.checksum(packet), 0)
    }

    func testChecksumOfOddLengthPadsWithZero() {
        XCTAssertEqual(ReachabilityProbe.checksum([0x01]), ~UInt16(0x0100))
        XCTAssertEqual(ReachabilityProbe.checksum([]), 0xFFFF)
    }

    func testDNSQueryEncodesTheNameAsLabels() {
        let query = ReachabilityProbe.dnsQuery(id: 0xBEEF, name: "testhost.bg95.test")
        XCTAssertEqual(Array(query[0..<12]), [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        let question = Array(query[12...])
        XCTAssertEqual(question, [8] + Array("testhost".utf8) + [4] + Array("bg95".utf8) + [4] + Array("test".utf8) + [0, 0, 1, 0, 1])
    }

    func testIPv4ParsingRefusesNonsense() {
        XCTAssertEqual(ReachabilityProbe.parseIPv4("198.51.100.7"), 0xC6336407)
        XCTAssertNil(ReachabilityProbe.parseIPv4("198.51.100"))
        XCTAssertNil(ReachabilityProbe.parseIPv4("198.51.100.256"))
        XCTAssertNil(ReachabilityProbe.parseIPv4("a.b.c.d"))
        XCTAssertEqual(ReachabilityProbe.format(0xC6336407), "198.51.100.7")
    }
}
