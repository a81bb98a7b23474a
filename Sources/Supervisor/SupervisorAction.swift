import BG95Core
/// What the supervisor asks the daemon to do. Actions are imperatives; the daemon carries them
/// out on its queue and reports the outcome as a `SupervisorEvent`.
public enum SupervisorAction: Sendable, Equatable {
    /// Write a log line (the daemon adds the syslog priority prefix).
    case log(LogPriority, String)
    /// Start (or keep) watching for the device; report `deviceAppeared` for one already present.
    case watchForDevice
    /// Run the modem bring-up (AT channel, SIM, mode, registration, data call); answers with
    /// `bringUpProgress`, then `bringUpFinished` or `bringUpFailed`.
    case startBringUp
    /// Stop using the module (close the AT channel) without changing its configuration.
    case stopModem
    /// `down`: end the data call on the module (`AT+QNETDEVCTL=0,...` or `AT+CGACT=0,...`) and
    /// keep the modem layer from bringing it up again until `.startBringUp`. The AT channel
    /// stays open (URCs, `bg95ctl at`).
    case endDataCall
    /// Set the ECM interface up; answer with `carrierChanged` for its current carrier.
    case bringLinkUp(interface: String)
    /// Start the DHCP client on the interface (a fresh DISCOVER); answers with `leaseAcquired`.
    case startDHCP(interface: String)
    /// Stop the DHCP client, sending DHCPRELEASE first when `release` is true.
    case stopDHCP(release: Bool)
    /// Apply the current lease (address, routes, policy rule, DNS); answers with
    /// `networkConfigured` or `networkConfigFailed`. Applying replaces, never duplicates.
    case applyNetwork
    /// Remove exactly the addresses, routes, rules and DNS entries the daemon created.
    case removeNetwork
    /// Probe the target end to end through the ECM interface; answers with `probeFinished`.
    case probe
    /// While online: read again what status shows about the module (registration, operator,
    /// network, signal). Sent with each health probe, so it rides the probe's wakeup instead of
    /// a timer of its own.
    case refreshModuleFacts
    /// Ask the module why the probe failed; answers with `diagnosisFinished`.
    case diagnose
    /// Ask the module for its registration (`AT+CEREG?`); answers with `registrationQueried`.
    case queryRegistration
    /// Ask the module whether the data call is still up: its context active (`AT+CGACT?`) and,
    /// when it was made with `AT+QNETDEVCTL`, the net device still connected
    /// (`AT+QNETDEVCTL?`); answers with `dataCallQueried`, handing `question` back.
    case queryDataCall(DataCallQuestion)
    /// Carry out a module-side recovery step (restart data call, radio off/on, reboot);
    /// answers with `recoveryStepFinished`.
    case perform(RecoveryRung)
    /// Arm a one-shot timer (replacing any armed timer of the same kind).
    case startTimer(TimerID, after: Duration)
    /// Disarm the timer of this kind, if armed.
    case cancelTimer(TimerKind)
    /// sd_notify READY=1 (the first time the link is proven online).
    case notifyReady
    /// sd_notify STATUS=...
    case notifyStatus(String)
    /// A hard error that no retry can fix (SIM): report it once, prominently.
    case reportHardError(String)
    /// Shutdown finished: exit the process.
    case exit
}

/// The supervisor's timers; at most one of each kind is armed.
public enum TimerKind: String, Sendable, Equatable, Hashable, CaseIterable {
    /// The current step (bring-up, carrier, DHCP, registration, recovery step, diagnosis)
    /// took too long.
    case step
    /// The backoff before the next recovery attempt is over.
    case backoff
    /// Time for the periodic health probe.
    case health
    /// Ask the module again: `AT+CEREG?` while registration is lost, the bring-up after a
    /// registration refusal.
    case recheck
}

/// One arming of a timer. A firing whose serial is not the latest for its kind is stale and
/// ignored, so a timer that fires just as it is replaced cannot act twice.
public struct TimerID: Sendable, Equatable, Hashable {
    public var kind: TimerKind
    public var serial: UInt64

    public init(kind: TimerKind, serial: UInt64) {
        self.kind = kind
        self.serial = serial
    }
}
