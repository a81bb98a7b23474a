import BG95Core
/// An IPv4/UDP datagram as seen on a raw (AF_PACKET, SOCK_DGRAM) socket: IP header, UDP header,
/// payload. Used for the broadcast phases of DHCP, where the client has no address yet and the
/// kernel's UDP stack cannot be used.
///
/// `init(parsing:verifyUDPChecksum:)` checks, in this order, before reading anything it depends
/// on: length, version, header length, total length, protocol, fragmentation, UDP length, then the
/// checksums last (they are the expensive part). Bytes after the IP total length (Ethernet
/// padding) are ignored.
public struct IPv4UDPPacket: Equatable, Sendable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var payload: [UInt8]

    public init(source: IPv4Address, destination: IPv4Address, sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) {
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.payload = payload
    }

    /// Parses and verifies a datagram.
    ///
    /// - Parameter verifyUDPChecksum: pass `false` when the kernel says the checksum was never
    ///   filled in (a packet from a local veth peer with checksum offload, `TP_STATUS_CSUMNOTREADY`).
    ///   A zero UDP checksum means "none" (RFC 768) and is accepted.
    public init(parsing input: some Collection<UInt8>, verifyUDPChecksum: Bool = true) throws(DHCPParseError) {
        let b = Array(input)
        guard b.count >= 20 else { throw .badIPHeader("\(b.count) bytes, shorter than an IPv4 header") }
        guard b[0] >> 4 == 4 else { throw .badIPHeader("version \(b[0] >> 4)") }
        let headerLength = Int(b[0] & 0x0F) * 4
        guard headerLength >= 20, headerLength <= b.count else { throw .badIPHeader("header length \(headerLength)") }
        let totalLength = Int(b[2]) << 8 | Int(b[3])
        guard totalLength >= headerLength + 8, totalLength <= b.count else {
            throw .badIPHeader("total length \(totalLength) for \(b.count) bytes")
        }
        guard b[9] == 17 else { throw .badIPHeader("protocol \(b[9]) is not UDP") }
        let fragment = UInt16(b[6]) << 8 | UInt16(b[7])
        guard fragment & 0x3FFF == 0 else { throw .badIPHeader("fragmented") }
        let u = headerLength
        let udpLength = Int(b[u + 4]) << 8 | Int(b[u + 5])
        guard udpLength >= 8, udpLength <= totalLength - headerLength else {
            throw .badUDPHeader("length \(udpLength) for \(totalLength - headerLength) bytes")
        }
        guard IPv4UDPPacket.checksum(b[0..<headerLength]) == 0 else { throw .badChecksum("IPv4 header") }
        let udpChecksum = UInt16(b[u + 6]) << 8 | UInt16(b[u + 7])
        source = IPv4Address(bytes: b[12..<16])!
        destination = IPv4Address(bytes: b[16..<20])!
        sourcePort = UInt16(b[u]) << 8 | UInt16(b[u + 1])
        destinationPort = UInt16(b[u + 2]) << 8 | UInt16(b[u + 3])
        if verifyUDPChecksum && udpChecksum != 0 {
            let sum = IPv4UDPPacket.checksum(IPv4UDPPacket.pseudoHeader(source, destination, udpLength) + b[u..<(u + udpLength)])
            guard sum == 0 else { throw .badChecksum("UDP") }
        }
        payload = Array(b[(u + 8)..<(u + udpLength)])
    }

    /// The datagram with valid IPv4 header and UDP checksums (TTL 64, DF unset, no options).
    public func encoded(identification: UInt16 = 0, ttl: UInt8 = 64) -> [UInt8] {
        let udpLength = 8 + payload.count
        let total = 20 + udpLength
        var ip: [UInt8] = [0x45, 0x10, UInt8(total >> 8 & 0xFF), UInt8(total & 0xFF),
                           UInt8(identification >> 8), UInt8(identification & 0xFF), 0, 0,
                           ttl, 17, 0, 0]
        ip += source.bytes
        ip += destination.bytes
        let ipSum = IPv4UDPPacket.checksum(ip[...])
        ip[10] = UInt8(ipSum >> 8)
        ip[11] = UInt8(ipSum & 0xFF)
        var udp: [UInt8] = [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF),
                            UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF),
                            UInt8(udpLength >> 8 & 0xFF), UInt8(udpLength & 0xFF), 0, 0]
        udp += payload
        var udpSum = IPv4UDPPacket.checksum((IPv4UDPPacket.pseudoHeader(source, destination, udpLength) + udp)[...])
        if udpSum == 0 { udpSum = 0xFFFF }  // RFC 768: a computed zero is sent as all ones
        udp[6] = UInt8(udpSum >> 8)
        udp[7] = UInt8(udpSum & 0xFF)
        return ip + udp
    }

    /// The Internet checksum (RFC 1071) of `bytes`; 0 when `bytes` contains a valid checksum.
    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.endIndex { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func pseudoHeader(_ s: IPv4Address, _ d: IPv4Address, _ udpLength: Int) -> [UInt8] {
        s.bytes + d.bytes + [0, 17, UInt8(udpLength >> 8 & 0xFF), UInt8(udpLength & 0xFF)]
    }
}
