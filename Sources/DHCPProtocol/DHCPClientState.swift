import BG95Core
/// Where the client is in the RFC 2131 §4.4 state diagram.
public enum DHCPClientState: Equatable, Sendable, CustomStringConvertible {
    /// Not running (before `.start`, after `.stop`).
    case stopped
    /// INIT: waiting to start a new DISCOVER (after a NAK backoff or the 10 s after a DECLINE).
    case initial
    /// DISCOVER sent, waiting for an OFFER (or a rapid-commit ACK).
    case selecting
    /// REQUEST for `offer` sent, waiting for the ACK/NAK of `offer.serverIdentifier`.
    case requesting(DHCPOffer)
    /// INIT-REBOOT/REBOOTING: REQUEST for the remembered address sent, waiting for ACK/NAK.
    case rebooting(IPv4Address)
    /// An ACK arrived for a new lease; before using the address the IO layer checks that no
    /// other host has it (ARP probe, RFC 2131 §4.4.1 / RFC 5227). Only with
    /// `DHCPClientConfiguration.addressProbeMilliseconds` set; nothing is configured yet.
    case probing(DHCPLease)
    /// The lease is configured; waiting for T1.
    case bound(DHCPLease)
    /// After T1: REQUEST unicast to the lease's server, waiting for ACK/NAK; T2 ends it.
    case renewing(DHCPLease)
    /// After T2: REQUEST broadcast to any server; expiry ends it.
    case rebinding(DHCPLease)

    public var description: String {
        switch self {
        case .stopped: return "STOPPED"
        case .initial: return "INIT"
        case .selecting: return "SELECTING"
        case .requesting: return "REQUESTING"
        case .rebooting: return "REBOOTING"
        case .probing: return "PROBING"
        case .bound: return "BOUND"
        case .renewing: return "RENEWING"
        case .rebinding: return "REBINDING"
        }
    }

    /// The lease configured in this state, if any (not while PROBING: nothing is installed yet).
    public var lease: DHCPLease? {
        switch self {
        case .bound(let l), .renewing(let l), .rebinding(let l): return l
        case .stopped, .initial, .selecting, .requesting, .rebooting, .probing: return nil
        }
    }
}

/// The parts of an OFFER the client keeps while requesting it.
public struct DHCPOffer: Equatable, Sendable {
    public var address: IPv4Address
    public var serverIdentifier: IPv4Address

    public init(address: IPv4Address, serverIdentifier: IPv4Address) {
        self.address = address
        self.serverIdentifier = serverIdentifier
    }
}
