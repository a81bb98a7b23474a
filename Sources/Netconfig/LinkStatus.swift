/// RFC 2863 operational state as the kernel reports it (`IFLA_OPERSTATE`, `IF_OPER_*`).
public enum OperState: UInt8, Sendable, CustomStringConvertible {
    case unknown = 0, notPresent = 1, down = 2, lowerLayerDown = 3, testing = 4, dormant = 5, up = 6

    /// Maps a raw kernel value; values the kernel may add later read as `.unknown`.
    public init(kernelValue: UInt8) {
        self = OperState(rawValue: kernelValue) ?? .unknown
    }

    public var description: String {
        switch self {
        case .unknown: return "unknown"
        case .notPresent: return "notpresent"
        case .down: return "down"
        case .lowerLayerDown: return "lowerlayerdown"
        case .testing: return "testing"
        case .dormant: return "dormant"
        case .up: return "up"
        }
    }
}

/// A network interface as an RTM_NEWLINK message describes it.
public struct LinkStatus: Equatable, Sendable, CustomStringConvertible {
    public var index: Int32
    public var name: String
    /// Administratively up (`IFF_UP`).
    public var isUp: Bool
    /// Carrier present (`IFLA_CARRIER`, else `IFF_LOWER_UP`).
    public var hasCarrier: Bool
    public var operState: OperState
    public var mtu: UInt32

    public init(index: Int32, name: String, isUp: Bool, hasCarrier: Bool, operState: OperState, mtu: UInt32) {
        self.index = index
        self.name = name
        self.isUp = isUp
        self.hasCarrier = hasCarrier
        self.operState = operState
        self.mtu = mtu
    }

    public var description: String {
        "\(name)(#\(index)) \(isUp ? "up" : "down") carrier \(hasCarrier ? "on" : "off") operstate \(operState) mtu \(mtu)"
    }
}
