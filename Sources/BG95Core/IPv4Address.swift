/// An IPv4 address, stored in host order (`1.2.3.4` is `0x01020304`).
///
/// The one address type of the package: the DHCP layer, the pure routing/DNS logic (Netconfig)
/// and the netlink adapters all use it.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The address as a 32-bit number in host order (`192.168.1.2` is `0xC0A80102`).
    public var value: UInt32

    public static let any = IPv4Address(0)
    public static let broadcast = IPv4Address(0xFFFF_FFFF)

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Reads four bytes in network order; `nil` unless exactly four bytes are given.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        var v: UInt32 = 0
        for b in bytes { v = v << 8 | UInt32(b) }
        value = v
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
        value = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    /// The four bytes in network order.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public var isAny: Bool { value == 0 }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    // MARK: Subnets

    /// The netmask of a prefix length 0-32 (`24` gives `255.255.255.0`; values outside 0...32
    /// are clamped).
    public static func netmask(prefixLength: Int) -> IPv4Address {
        let p = max(0, min(32, prefixLength))
        return IPv4Address(p == 0 ? 0 : UInt32.max << UInt32(32 - p))
    }

    /// The prefix length of a contiguous netmask, or `nil` for a non-contiguous one.
    public var prefixLength: Int? {
        let ones = value.leadingZeroBitCount == 0 ? (~value).leadingZeroBitCount : 0
        return IPv4Address.netmask(prefixLength: ones) == self ? ones : nil
    }

    /// This address with the host bits cleared for `prefixLength`.
    public func network(prefixLength: Int) -> IPv4Address {
        IPv4Address(value & IPv4Address.netmask(prefixLength: prefixLength).value)
    }

    /// This address with the host bits set for `prefixLength` (the subnet's broadcast address).
    public func subnetBroadcast(prefixLength: Int) -> IPv4Address {
        IPv4Address(value | ~IPv4Address.netmask(prefixLength: prefixLength).value)
    }

    /// Whether `other` lies in the same `prefixLength` subnet as this address.
    public func sharesSubnet(with other: IPv4Address, prefixLength: Int) -> Bool {
        network(prefixLength: prefixLength) == other.network(prefixLength: prefixLength)
    }

    // MARK: Address classes

    /// 0.0.0.0/8 ("this network").
    public var isUnspecified: Bool { value >> 24 == 0 }
    /// 127.0.0.0/8.
    public var isLoopback: Bool { value >> 24 == 127 }
    /// 224.0.0.0/4.
    public var isMulticast: Bool { value >> 28 == 0xE }
    /// 240.0.0.0/4 including 255.255.255.255.
    public var isReserved: Bool { value >> 28 == 0xF }

    /// Usable as a unicast host address on an interface or as a resolver/gateway address.
    public var isUnicast: Bool { !isUnspecified && !isLoopback && !isMulticast && !isReserved }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
