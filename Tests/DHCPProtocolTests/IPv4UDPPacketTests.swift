import DHCPProtocol
import XCTest
import BG95Core

final class IPv4UDPPacketTests: XCTestCase {
    func testBuildThenVerify() throws {
        let payload = Fixtures.offer(xid: 9)
        let p = IPv4UDPPacket(source: .any, destination: .broadcast, sourcePort: 68, destinationPort: 67, payload: payload)
        let bytes = p.encoded()
        XCTAssertEqual(bytes.count, 28 + payload.count)
        XCTAssertEqual(IPv4UDPPacket.checksum(bytes[0..<20]), 0)
        XCTAssertEqual(try IPv4UDPPacket(parsing: bytes), p)
        // Ethernet padding after the IP total length is ignored.
        XCTAssertEqual(try IPv4UDPPacket(parsing: bytes + [0, 0, 0]), p)
    }

    func testKnownHeaderChecksum() {
        // RFC 1071 example header (Wikipedia's): checksum 0xB861.
        let header: [UInt8] = [0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xC0, 0xA8, 0, 1, 0xC0, 0xA8, 0, 0xC7]
        XCTAssertEqual(IPv4UDPPacket.checksum(header[...]), 0xB861)
    }

    func testCorruptionsAreRefused() {
        let good = IPv4UDPPacket(source: IPv4Address(10, 0, 0, 1), destination: .broadcast, sourcePort: 67, destinationPort: 68,
                                 payload: [1, 2, 3, 4, 5]).encoded()
        func refuses(_ mutate: (inout [UInt8]) -> Void, _ line: UInt = #line) {
            var b = good
            mutate(&b)
            XCTAssertThrowsError(try IPv4UDPPacket(parsing: b), line: line)
        }
        refuses { $0[0] = 0x65 }                  // version 6
        refuses { $0[0] = 0x44 }                  // IHL 16 bytes
        refuses { $0[3] = 200 }                   // total length beyond the buffer
        refuses { $0[9] = 6 }                     // TCP
        refuses { $0[6] = 0x20 }                  // more fragments
        refuses { $0[12] ^= 1 }                   // header checksum
        refuses { $0[25] = 4 }                    // UDP length < 8
        refuses { $0[30] ^= 0xFF }                // payload corrupted: UDP checksum
        refuses { $0.removeLast(3) }              // truncated
        refuses { $0 = Array($0.prefix(19)) }
        // Unverified checksum (offloaded) passes the payload corruption through.
        var b = good
        b[30] ^= 0xFF
        XCTAssertNoThrow(try IPv4UDPPacket(parsing: b, verifyUDPChecksum: false))
        // A zero UDP checksum means "none".
        b = good
        b[26] = 0; b[27] = 0; b[30] ^= 0xFF
        XCTAssertNoThrow(try IPv4UDPPacket(parsing: b))
    }
}
