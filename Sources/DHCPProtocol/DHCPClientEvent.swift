import BG95Core
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
