/// An IPv4 address as a value (host byte order in `rawValue`: `1.2.3.4` is `0x01020304`).
///
/// Netconfig's own small address type, so the pure routing/DNS logic depends on nothing else.
/// The DHCP layer maps its lease addresses to it with `IPv4(rawValue:)` or `IPv4(octets:)`.
public struct IPv4: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as a 32-bit number, first octet in the most significant byte.
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Builds an address from exactly four octets (network order); nil for any other count.
    public init?(octets: some Collection<UInt8>) {
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets { value = value << 8 | UInt32(octet) }
        rawValue = value
    }

    /// Parses strict dotted-quad text ("192.168.225.20").
    ///
    /// Returns nil for anything else: fewer or more than four parts, empty parts, values above
    /// 255, signs, spaces, or leading zeros (which some parsers read as octal).
    public init?(_ text: some StringProtocol) {
        var parts: [UInt32] = []
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil }
                if digits == 0 { leadingZero = byte == UInt8(ascii: "0") }
                digits += 1
                guard digits <= 3 else { return nil }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "."):
                guard digits > 0, current <= 255, parts.count < 3 else { return nil }
                parts.append(current)
                current = 0
                digits = 0
            default:
                return nil
            }
        }
        guard digits > 0, current <= 255, parts.count == 3 else { return nil }
        parts.append(current)
        rawValue = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    /// The four octets in network order.
    public var octets: [UInt8] {
        [UInt8(rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
         UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue)]
    }

    public var description: String {
        octets.map { String($0) }.joined(separator: ".")
    }

    /// The netmask for `prefixLength` (0...32; larger values are treated as 32).
    public static func netmask(prefixLength: UInt8) -> IPv4 {
        let length = min(Int(prefixLength), 32)
        return IPv4(rawValue: length == 0 ? 0 : UInt32.max << (32 - length))
    }

    /// This address with the host bits cleared for `prefixLength`.
    public func network(prefixLength: UInt8) -> IPv4 {
        IPv4(rawValue: rawValue & IPv4.netmask(prefixLength: prefixLength).rawValue)
    }

    /// Whether `other` lies in the same `prefixLength` subnet as this address.
    public func sharesSubnet(with other: IPv4, prefixLength: UInt8) -> Bool {
        network(prefixLength: prefixLength) == other.network(prefixLength: prefixLength)
    }

    public static let any = IPv4(rawValue: 0)
    public static let broadcast = IPv4(rawValue: .max)

    /// 0.0.0.0/8 ("this network").
    public var isUnspecified: Bool { rawValue >> 24 == 0 }
    /// 127.0.0.0/8.
    public var isLoopback: Bool { rawValue >> 24 == 127 }
    /// 224.0.0.0/4.
    public var isMulticast: Bool { rawValue >> 28 == 0xE }
    /// 240.0.0.0/4 including 255.255.255.255.
    public var isReserved: Bool { rawValue >> 28 == 0xF }

    /// Usable as a unicast host address on an interface or as a resolver/gateway address.
    public var isUnicast: Bool { !isUnspecified && !isLoopback && !isMulticast && !isReserved }

    public static func < (lhs: IPv4, rhs: IPv4) -> Bool { lhs.rawValue < rhs.rawValue }
}
