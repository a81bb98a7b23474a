/// The DHCP message type (option 53, RFC 2132 §9.6).
public enum DHCPMessageType: UInt8, Sendable, CustomStringConvertible {
    case discover = 1, offer, request, decline, ack, nak, release, inform

    public var description: String {
        switch self {
        case .discover: return "DHCPDISCOVER"
        case .offer: return "DHCPOFFER"
        case .request: return "DHCPREQUEST"
        case .decline: return "DHCPDECLINE"
        case .ack: return "DHCPACK"
        case .nak: return "DHCPNAK"
        case .release: return "DHCPRELEASE"
        case .inform: return "DHCPINFORM"
        }
    }
}
