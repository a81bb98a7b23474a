/// Why a DHCP message (or the IPv4/UDP packet around it) was refused.
///
/// Every parser in this module throws one of these instead of reading past the end of its
/// input; the reason is logged and counted by the client, the packet is dropped.
public enum DHCPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than the 236-byte BOOTP header plus the 4-byte magic cookie.
    case truncated(length: Int)
    /// `op` is neither BOOTREQUEST (1) nor BOOTREPLY (2).
    case badOperation(UInt8)
    /// `hlen` larger than the 16-byte `chaddr` field.
    case badHardwareLength(UInt8)
    /// The 4 bytes after the header are not 99.130.83.99 (RFC 2131 §3).
    case badMagicCookie
    /// An option's length byte is missing (the option code is the last byte of its area).
    case truncatedOption(code: UInt8)
    /// An option's length runs past the end of its area.
    case optionOverrun(code: UInt8, length: Int, available: Int)
    /// A known option with a length its type does not allow (RFC 2132 sizes).
    case badOptionLength(code: UInt8, length: Int)
    /// Option 52 (overload) with a value other than 1, 2 or 3.
    case badOverload(UInt8)
    /// The IPv4 header is wrong (version, length fields, protocol, fragment).
    case badIPHeader(String)
    /// The UDP header is wrong (length fields).
    case badUDPHeader(String)
    /// The IPv4 header checksum or the UDP checksum does not match.
    case badChecksum(String)

    public var description: String {
        switch self {
        case .truncated(let n): return "truncated message (\(n) bytes, need 240)"
        case .badOperation(let op): return "bad op \(op)"
        case .badHardwareLength(let n): return "bad hlen \(n)"
        case .badMagicCookie: return "bad magic cookie"
        case .truncatedOption(let c): return "option \(c) has no length byte"
        case .optionOverrun(let c, let l, let a): return "option \(c) length \(l) overruns its area (\(a) bytes left)"
        case .badOptionLength(let c, let l): return "option \(c) has invalid length \(l)"
        case .badOverload(let v): return "option 52 (overload) has invalid value \(v)"
        case .badIPHeader(let why): return "bad IPv4 header: \(why)"
        case .badUDPHeader(let why): return "bad UDP header: \(why)"
        case .badChecksum(let why): return "bad checksum: \(why)"
        }
    }
}
