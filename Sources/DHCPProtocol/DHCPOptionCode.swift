/// Option codes bg95 reads or writes (RFC 2132, RFC 4039 for rapid commit).
public enum DHCPOptionCode {
    public static let pad: UInt8 = 0
    public static let subnetMask: UInt8 = 1
    public static let router: UInt8 = 3
    public static let domainNameServer: UInt8 = 6
    public static let hostName: UInt8 = 12
    public static let domainName: UInt8 = 15
    public static let interfaceMTU: UInt8 = 26
    public static let requestedAddress: UInt8 = 50
    public static let leaseTime: UInt8 = 51
    public static let overload: UInt8 = 52
    public static let messageType: UInt8 = 53
    public static let serverIdentifier: UInt8 = 54
    public static let parameterRequestList: UInt8 = 55
    public static let message: UInt8 = 56
    public static let maximumMessageSize: UInt8 = 57
    public static let renewalTime: UInt8 = 58
    public static let rebindingTime: UInt8 = 59
    public static let clientIdentifier: UInt8 = 61
    public static let rapidCommit: UInt8 = 80
    public static let end: UInt8 = 255

    /// The length rule of each option whose type we know; options not listed are kept as bytes.
    enum LengthRule {
        case exactly(Int)
        case multipleOf(Int)   // at least one element
        case atLeast(Int)
    }

    static func lengthRule(_ code: UInt8) -> LengthRule? {
        switch code {
        case subnetMask, requestedAddress, leaseTime, serverIdentifier, renewalTime, rebindingTime:
            return .exactly(4)
        case router, domainNameServer: return .multipleOf(4)
        case hostName, domainName, parameterRequestList, message: return .atLeast(1)
        case interfaceMTU, maximumMessageSize: return .exactly(2)
        case overload, messageType: return .exactly(1)
        case clientIdentifier: return .atLeast(2)
        case rapidCommit: return .exactly(0)
        default: return nil
        }
    }
}
