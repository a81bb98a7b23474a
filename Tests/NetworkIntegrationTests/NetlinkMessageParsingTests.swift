import CMnl
import DHCPProtocol
import Netconfig
@testable import NetlinkIO
import XCTest
import BG95Core

/// The rtnetlink parsers on hand-made messages, including broken ones: a short header or an
/// attribute claiming more bytes than the message holds must never be read past.
final class NetlinkMessageParsingTests: XCTestCase {
    /// Builds one netlink message: 16-byte header, family header, attributes (TLV, 4-aligned).
    private struct Bytes {
        var bytes: [UInt8] = []
        mutating func u16(_ v: UInt16) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        mutating func u32(_ v: UInt32) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        mutating func attribute(_ type: Int, _ payload: [UInt8], claimedLength: Int? = nil) {
            u16(UInt16(claimedLength ?? 4 + payload.count))
            u16(UInt16(type))
            bytes += payload
            while bytes.count % 4 != 0 { bytes.append(0) }
        }
        /// Wraps `body` (family header + attributes) in a nlmsghdr of `type`.
        static func message(type: Int, lengthOverride: Int? = nil, _ body: [UInt8]) -> [UInt8] {
            var header = Bytes()
            header.u32(UInt32(lengthOverride ?? 16 + body.count))
            header.u16(UInt16(type))
            header.u16(0)
            header.u32(1)
            header.u32(0)
            return header.bytes + body
        }
    }

    private func rtmsgHeader(dstLength: UInt8, table: UInt8, protocolTag: UInt8, type: UInt8 = UInt8(RTN_UNICAST)) -> Bytes {
        // family, dst_len, src_len, tos, table, protocol, scope, type, flags(u32)
        var b = Bytes()
        b.bytes = [UInt8(AF_INET), dstLength, 0, 0, table, protocolTag, 0, type]
        b.u32(0)
        return b
    }

    private func parseRoute(_ bytes: [UInt8]) -> (ManagedRoute, protocolTag: UInt8)? {
        // Copy into aligned memory, as a received buffer is.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 16), alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyMemory(from: bytes, byteCount: bytes.count)
        return RtnetlinkCodec.route(NetlinkMessage(header: UnsafePointer(buffer.assumingMemoryBound(to: nlmsghdr.self))))
    }

    func testParsesACompleteRouteMessage() {
        var body = rtmsgHeader(dstLength: 0, table: 0, protocolTag: 0x95)
        body.attribute(Int(RTA_TABLE.rawValue), [0x47, 0x04, 0, 0])  // 1095
        body.attribute(Int(RTA_GATEWAY.rawValue), [192, 168, 225, 1])
        body.attribute(Int(RTA_OIF.rawValue), [3, 0, 0, 0])
        body.attribute(Int(RTA_PRIORITY.rawValue), [0, 4, 0, 0])  // 1024
        body.attribute(Int(RTA_PREFSRC.rawValue), [192, 168, 225, 20])
        let parsed = parseRoute(Bytes.message(type: Int(RTM_NEWROUTE), body.bytes))
        XCTAssertEqual(parsed?.protocolTag, 0x95)
        XCTAssertEqual(parsed?.0, ManagedRoute(table: 1095, destination: .any, destinationPrefixLength: 0, gateway: IPv4Address(192, 168, 225, 1),
                                               interfaceIndex: 3, metric: 1024, preferredSource: IPv4Address(192, 168, 225, 20)))
    }

    func testShortOrOverlongInputIsNeverReadPastItsEnd() {
        var body = rtmsgHeader(dstLength: 0, table: 254, protocolTag: 0x95)
        body.attribute(Int(RTA_OIF.rawValue), [3, 0, 0, 0])
        // An attribute claiming 200 bytes in a message that ends after 8: ignored, not read.
        body.attribute(Int(RTA_GATEWAY.rawValue), [192, 168, 225, 1], claimedLength: 200)
        let overlong = parseRoute(Bytes.message(type: Int(RTM_NEWROUTE), body.bytes))
        XCTAssertEqual(overlong?.0.interfaceIndex, 3)
        XCTAssertNil(overlong?.0.gateway)

        // An attribute length below the TLV header size ends the walk.
        var tiny = rtmsgHeader(dstLength: 0, table: 254, protocolTag: 0x95)
        tiny.attribute(Int(RTA_OIF.rawValue), [], claimedLength: 2)
        XCTAssertEqual(parseRoute(Bytes.message(type: Int(RTM_NEWROUTE), tiny.bytes))?.0.interfaceIndex, 0)

        // Wrong payload sizes for fixed-size attributes read as absent.
        var sizes = rtmsgHeader(dstLength: 24, table: 254, protocolTag: 4)
        sizes.attribute(Int(RTA_OIF.rawValue), [3, 0])
        sizes.attribute(Int(RTA_DST.rawValue), [192, 168, 225])
        let wrong = parseRoute(Bytes.message(type: Int(RTM_NEWROUTE), sizes.bytes))
        XCTAssertEqual(wrong?.0.interfaceIndex, 0)
        XCTAssertEqual(wrong?.0.destination, .any)

        // A message too short for its family header is no route; so is a non-unicast one.
        XCTAssertNil(parseRoute(Bytes.message(type: Int(RTM_NEWROUTE), lengthOverride: 20, [UInt8(AF_INET), 0, 0, 0])))
        XCTAssertNil(parseRoute(Bytes.message(type: Int(RTM_NEWROUTE), rtmsgHeader(dstLength: 0, table: 255, protocolTag: 2, type: UInt8(RTN_LOCAL)).bytes)))
    }

    func testLinkNameWithoutTerminatorIsBoundedByItsAttribute() {
        var body = Bytes()
        // ifinfomsg: family, pad, type(u16), index(i32), flags(u32), change(u32)
        body.bytes = [UInt8(AF_UNSPEC), 0, 1, 0]
        body.u32(5)
        body.u32(UInt32(IFF_UP) | 0x1_0000)
        body.u32(0)
        body.attribute(Int(IFLA_IFNAME), Array("eth2".utf8))  // no NUL
        body.attribute(Int(IFLA_MTU), [0xDC, 0x05, 0, 0])
        let bytes = Bytes.message(type: Int(RTM_NEWLINK), body.bytes)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyMemory(from: bytes, byteCount: bytes.count)
        let status = RtnetlinkCodec.linkStatus(NetlinkMessage(header: UnsafePointer(buffer.assumingMemoryBound(to: nlmsghdr.self))))
        XCTAssertEqual(status, LinkStatus(index: 5, name: "eth2", isUp: true, hasCarrier: true, operState: .unknown, mtu: 1500))
    }
}
