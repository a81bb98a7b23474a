/// Why a received packet was dropped (counted per reason).
public enum DHCPDropReason: String, Sendable, Hashable, CaseIterable {
    /// Not a parsable DHCP message (truncated, bad option lengths, bad overload, ...).
    case malformed
    /// Bad IPv4/UDP headers or checksums (counted by the IO layer).
    case badPacket
    /// A BOOTREQUEST (another client's broadcast), not a reply.
    case notReply
    /// A transaction id other than the one in flight.
    case wrongTransaction
    /// A `chaddr` (or hardware type/length) other than ours.
    case foreignHardwareAddress
    /// No or unknown option 53.
    case missingMessageType
    /// From a server other than the one the state expects.
    case wrongServer
    /// A message type the current state does not expect (e.g. an OFFER while BOUND).
    case unexpectedMessage
    /// An OFFER or ACK that cannot become a lease (no address, lease time, server id...).
    case invalidLease
}
