/// What happened, as the IO layer reports it to `DHCPClientMachine.handle(_:now:)`.
public enum DHCPClientEvent: Sendable {
    /// Begin acquiring. With `previousAddress` (from the state file) the client starts in
    /// INIT-REBOOT and asks for that address again; otherwise it starts in INIT.
    case start(previousAddress: IPv4Address?)
    /// Stop: send DHCPRELEASE if configured and a lease is held, deconfigure, go to STOPPED.
    case stop
    /// A DHCP message (UDP payload) arrived for port 68. Malformed and foreign ones are dropped
    /// and counted by the machine.
    case received([UInt8])
    /// `nextDeadline` has passed (the IO layer's single timer fired).
    case tick
    /// The IO layer found the leased address already in use (an answer to the ARP probe while
    /// PROBING, or a conflict later): DECLINE it.
    case addressInUse
}

/// Where a message goes.
public enum DHCPDestination: Equatable, Sendable {
    /// Raw socket, Ethernet and IP broadcast, IP source = the message's ciaddr (0.0.0.0 when unset).
    case broadcast
    /// The interface-bound UDP socket, to `server`:67 (renewals, release).
    case unicast(IPv4Address)
}

/// Why a lease was given up.
public enum DHCPLossReason: String, Sendable, Equatable {
    case expired, nak, declined, released, stopped
    /// The server handed out a different address on renewal: the old one goes, the new one comes.
    case replaced
}

/// What the IO layer must do, in order.
public enum DHCPClientAction: Equatable, Sendable {
    /// Transmit `message` (already counted in `statistics.sent`).
    case send(DHCPMessage, DHCPDestination)
    /// Check that no other host uses `address` (ARP probe from 0.0.0.0) and report
    /// `.addressInUse` if one answers; silence until `nextDeadline` means it is free.
    case probe(IPv4Address)
    /// A new lease: configure the address, routes, DNS (and persist it).
    case configure(DHCPLease)
    /// The same address with new lifetimes (after RENEWING or REBINDING).
    case update(DHCPLease)
    /// Remove what `configure` installed.
    case deconfigure(DHCPLease, DHCPLossReason)
    /// A line for the log (state changes, drops with reasons).
    case log(String)
}

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

/// Packet counters of one client.
public struct DHCPClientStatistics: Equatable, Sendable {
    public var sent = 0
    public var received = 0
    public var dropped: [DHCPDropReason: Int] = [:]

    public init() {}

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    public mutating func recordDrop(_ reason: DHCPDropReason) { dropped[reason, default: 0] += 1 }
}
