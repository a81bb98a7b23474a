/// What changed about a network interface, derived by `LinkTracker` from link messages.
public enum LinkEvent: Equatable, Sendable, CustomStringConvertible {
    /// An interface seen for the first time (at start or hot-plugged).
    case appeared(LinkStatus)
    /// The interface is gone (RTM_DELLINK); its addresses and routes went with it, rules did not.
    case removed(LinkStatus)
    case renamed(index: Int32, from: String, to: String)
    case adminStateChanged(LinkStatus)
    case carrierChanged(LinkStatus)
    case operStateChanged(LinkStatus)
    case mtuChanged(LinkStatus)

    public var description: String {
        switch self {
        case .appeared(let s): return "link appeared: \(s)"
        case .removed(let s): return "link removed: \(s.name)(#\(s.index))"
        case .renamed(let index, let from, let to): return "link #\(index) renamed \(from) -> \(to)"
        case .adminStateChanged(let s): return "link \(s.name) admin \(s.isUp ? "up" : "down")"
        case .carrierChanged(let s): return "link \(s.name) carrier \(s.hasCarrier ? "on" : "off")"
        case .operStateChanged(let s): return "link \(s.name) operstate \(s.operState)"
        case .mtuChanged(let s): return "link \(s.name) mtu \(s.mtu)"
        }
    }
}
