/// Where the daemon is on the way to (or away from) a proven internet connection.
///
/// The names are what a person reads in `bg95ctl status` and in the log; the order of the
/// cases is the order of a normal bring-up.
public enum SupervisorState: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// No BG95 is present (or it is re-enumerating after a reboot).
    case waitingForDevice = "waiting-for-device"
    /// The module is being configured: AT channel, SIM, usbnet mode, RAT, bands, APN.
    case configuringModule = "configuring-module"
    /// Waiting for the module to register with the network (`+CEREG` 1 or 5).
    case registering
    /// Attaching and activating the PDP context / the data call on the ECM path.
    case startingDataCall = "starting-data-call"
    /// The data call is up; waiting for the ECM interface to be up with carrier.
    case linkUp = "link-up"
    /// The DHCP client is acquiring a lease from the module.
    case dhcp
    /// A lease is applied; the end-to-end probe has not yet proven the path.
    case verifying
    /// The end-to-end probe through the ECM interface succeeded.
    case online
    /// A fault was seen (probe failed, PDP dropped, ...); the module is being asked why.
    case degraded
    /// Waiting out the backoff before (or carrying out) the next rung of the recovery ladder.
    case recovering
    /// A hard error (wrong PIN, PUK needed, no SIM) was reported; nothing is retried until an
    /// operator acts (`bg95ctl up`) or the device is replugged.
    case failed
    /// An operator stopped the link (`bg95ctl down`).
    case down
    /// SIGTERM: the daemon is undoing what it created and will exit.
    case stopping

    public var description: String { rawValue }
}
