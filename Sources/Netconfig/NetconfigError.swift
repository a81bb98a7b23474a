import BG95Core

/// Why a configuration from the network or the settings cannot be turned into kernel state.
public enum NetconfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The address is not a usable unicast host address (0/8, 127/8, multicast, 240/4).
    case unusableAddress(IPv4Address)
    /// Prefix length outside 1...32.
    case invalidPrefixLength(UInt8)
    /// The address is the network or broadcast address of its own subnet.
    case networkOrBroadcastAddress(IPv4Address, prefixLength: UInt8)
    /// The gateway is not a unicast address or equals our own address.
    case unusableGateway(IPv4Address)
    /// MTU below 68 (RFC 791's minimum) or above 65535.
    case invalidMTU(UInt32)
    case reservedTable(UInt32)
    case invalidRulePriority(UInt32)
    case reservedProtocolTag(UInt8)
    case invalidInterfaceIndex(Int32)

    public var description: String {
        switch self {
        case .unusableAddress(let a): return "address \(a) is not a usable unicast address"
        case .invalidPrefixLength(let p): return "prefix length \(p) is outside 1...32"
        case .networkOrBroadcastAddress(let a, let p): return "address \(a)/\(p) is its subnet's network or broadcast address"
        case .unusableGateway(let g): return "gateway \(g) is not usable"
        case .invalidMTU(let m): return "MTU \(m) is outside 68...65535"
        case .reservedTable(let t): return "routing table \(t) is reserved"
        case .invalidRulePriority(let p): return "rule priority \(p) is outside 1...32765"
        case .reservedProtocolTag(let t): return "protocol tag \(t) is reserved for the kernel"
        case .invalidInterfaceIndex(let i): return "interface index \(i) is invalid"
        }
    }
}
