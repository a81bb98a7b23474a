import Netconfig

/// What the kernel told a `NetlinkMonitor`.
public enum NetlinkEvent: Equatable, Sendable, CustomStringConvertible {
    /// An interface appeared, changed (carrier, operstate, admin state, MTU, name) or vanished.
    case link(LinkEvent)
    /// An IPv4 address was added (or its lifetime refreshed); `protocolTag` is its `IFA_PROTO`.
    case addressAdded(ManagedAddress, protocolTag: UInt8?)
    /// An IPv4 address went away: deleted by someone (an admin's `ip addr del`, another
    /// daemon), expired, or removed with its interface. The consumer compares it with what it
    /// removed itself to tell "removed by someone else" apart.
    case addressRemoved(ManagedAddress, protocolTag: UInt8?)
    /// The kernel dropped notifications (ENOBUFS). Link state was re-read and the differences
    /// were delivered before this event; address state may have changed unseen: re-check it.
    case overrun

    public var description: String {
        switch self {
        case .link(let event): return event.description
        case .addressAdded(let address, _): return "address added: \(address)"
        case .addressRemoved(let address, _): return "address removed: \(address)"
        case .overrun: return "netlink overrun: events were lost"
        }
    }
}
