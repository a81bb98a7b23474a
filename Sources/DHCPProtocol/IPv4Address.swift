/// An IPv4 address, stored in host order.
///
/// `init?(_ text:)` accepts only the strict dotted-quad form (four decimal parts 0-255,
/// no leading `+`, no empty parts, at most three digits each); anything else gives `nil`.
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

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0 >= "0" && $0 <= "9" }),
                  let n = UInt32(part), n <= 255 else { return nil }
            v = v << 8 | n
        }
        value = v
    }

    /// The four bytes in network order.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public var isAny: Bool { value == 0 }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    /// The netmask of a prefix length 0-32 (`24` gives `255.255.255.0`).
    public static func netmask(prefixLength: Int) -> IPv4Address {
        let p = max(0, min(32, prefixLength))
        return IPv4Address(p == 0 ? 0 : UInt32.max << UInt32(32 - p))
    }

    /// The prefix length of a contiguous netmask, or `nil` for a non-contiguous one.
    public var prefixLength: Int? {
        let ones = value.leadingZeroBitCount == 0 ? (~value).leadingZeroBitCount : 0
        return IPv4Address.netmask(prefixLength: ones) == self ? ones : nil
    }

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
