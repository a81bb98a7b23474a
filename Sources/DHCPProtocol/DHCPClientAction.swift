import BG95Core
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
