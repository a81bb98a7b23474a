import DHCPProtocol
import BG95Core

/// Real-shaped packets: the bytes dnsmasq 2.90 sends (option order and contents as in its
/// replies to a client with chaddr 02:00:00:00:00:01 on 192.168.225.0/24), built byte by byte
/// here so each test can also corrupt them.
enum Fixtures {
    static let mac: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    static let server = IPv4Address(192, 168, 225, 1)
    static let offered = IPv4Address(192, 168, 225, 37)

    /// A BOOTREPLY header (236 bytes) + cookie, then `options` verbatim.
    static func reply(xid: UInt32, yiaddr: IPv4Address = offered, chaddr: [UInt8] = mac, options: [UInt8],
                      sname: [UInt8]? = nil, file: [UInt8]? = nil) -> [UInt8] {
        var b: [UInt8] = [2, 1, 6, 0]
        b += [UInt8(xid >> 24), UInt8(xid >> 16 & 0xFF), UInt8(xid >> 8 & 0xFF), UInt8(xid & 0xFF)]
        b += [0, 0, 0, 0]                  // secs, flags
        b += [0, 0, 0, 0]                  // ciaddr
        b += yiaddr.bytes                  // yiaddr
        b += server.bytes                  // siaddr (dnsmasq sets its own address)
        b += [0, 0, 0, 0]                  // giaddr
        b += chaddr + Array(repeating: 0, count: 16 - chaddr.count)
        b += (sname ?? []) + Array(repeating: 0, count: 64 - (sname?.count ?? 0))
        b += (file ?? []) + Array(repeating: 0, count: 128 - (file?.count ?? 0))
        b += [99, 130, 83, 99]
        b += options
        return b
    }

    /// dnsmasq's option block for an OFFER/ACK with a 1 h lease.
    static func dnsmasqOptions(type: UInt8, lease: UInt32 = 3600, rapidCommit: Bool = false) -> [UInt8] {
        var o: [UInt8] = [53, 1, type]
        o += [54, 4] + server.bytes
        o += [51, 4] + be32(lease)
        o += [58, 4] + be32(lease / 2)
        o += [59, 4] + be32(lease / 8 * 7)
        o += [1, 4, 255, 255, 255, 0]
        o += [28, 4, 192, 168, 225, 255]
        o += [3, 4] + server.bytes
        o += [6, 4] + server.bytes
        o += [15, 9] + Array("bg95.test".utf8)
        if rapidCommit { o += [80, 0] }
        o += [255]
        return o
    }

    static func offer(xid: UInt32) -> [UInt8] { reply(xid: xid, options: dnsmasqOptions(type: 2)) }
    static func ack(xid: UInt32, lease: UInt32 = 3600, rapidCommit: Bool = false, yiaddr: IPv4Address = offered) -> [UInt8] {
        reply(xid: xid, yiaddr: yiaddr, options: dnsmasqOptions(type: 5, lease: lease, rapidCommit: rapidCommit))
    }
    static func nak(xid: UInt32) -> [UInt8] {
        reply(xid: xid, yiaddr: .any, options: [53, 1, 6, 54, 4] + server.bytes + [56, 13] + Array("wrong address".utf8) + [255])
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
