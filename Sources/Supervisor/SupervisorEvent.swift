import ATProtocol
/// Something that happened, from any source the daemon watches, translated into the
/// supervisor's terms. Events say what happened; the daemon's adapters produce them.
public enum SupervisorEvent: Sendable, Equatable {
    /// The daemon started (and has armed its device monitor).
    case start
    /// A BG95 appeared (udev), described for logs and status.
    case deviceAppeared(String)
    /// The BG95 went away (unplug, or re-enumeration after a reboot).
    case deviceVanished
    /// udev reported the module's ECM interface (also before the data call is up: the module's
    /// DHCP server answers on it without one).
    case netInterfaceAppeared(String)
    /// The modem layer's bring-up reached a new stage.
    case bringUpProgress(BringUpStage)
    /// The bring-up finished: the data call is up and the ECM interface is `interface`.
    case bringUpFinished(interface: String)
    /// The bring-up failed.
    case bringUpFailed(BringUpFailure)
    /// A `+CEREG` URC: the module says its registration changed (a hint: a URC can be spurious
    /// or lost). `rejectCause` is the EMM cause it gave with a refusal (`AT+CEREG=3`).
    case registrationChanged(RegistrationStatus, rejectCause: Int? = nil)
    /// The answer to `SupervisorAction.queryRegistration` (`AT+CEREG?`); nil when the module did
    /// not answer.
    case registrationQueried(RegistrationStatus?, rejectCause: Int? = nil)
    /// The PDP context was deactivated (`+CGEV: NW/ME DEACT`, `+QIURC: "pdpdeact"`); the text
    /// says which indication it was.
    case pdpDeactivated(String)
    /// `+CGEV: NW DETACH` / `ME DETACH`: packet-switched service detached.
    case networkDetached
    /// The answer to `SupervisorAction.queryDataCall` (`AT+CGACT?`): whether the data call's
    /// context is still active (nil when the module did not answer), and why it was asked.
    case dataCallQueried(active: Bool?, question: DataCallQuestion)
    /// `+QNETDEVSTATUS: <0/1>`: the data call's binding to the USB network device.
    case netDeviceStatus(connected: Bool)
    /// `RDY` (or `APP RDY`) seen outside a bring-up: the module rebooted.
    case moduleRestarted
    /// `+CPIN: READY`: the SIM is usable (again), e.g. after it was inserted.
    case simReady
    /// The ECM interface's carrier (rtnetlink `IFF_LOWER_UP`) is now `up`.
    case carrierChanged(up: Bool)
    /// The DHCP client bound or renewed a lease.
    case leaseAcquired(LeaseSummary)
    /// The DHCP client lost its lease (expired, NAK, interface gone).
    case leaseLost(String)
    /// The lease's addresses, routes, rule and DNS are applied.
    case networkConfigured
    /// Applying the lease failed (the reason names the netlink call).
    case networkConfigFailed(String)
    /// An end-to-end probe through the ECM interface finished.
    case probeFinished(ProbeOutcome)
    /// The module answered the diagnosis queries (`CEREG?`, `CGACT?`, `QNETDEVCTL?`, `QPING`).
    case diagnosisFinished(Diagnosis)
    /// A recovery step (`restartDataCall`, `radioCycle`, `rebootModule`) finished.
    case recoveryStepFinished(RecoveryRung, succeeded: Bool, detail: String)
    /// `bg95ctl up`: (re)start managing the link, or retry a pending recovery now.
    case adminUp
    /// `bg95ctl down`: stop the link and leave it stopped.
    case adminDown
    /// `bg95ctl reset`: reboot the module and bring the link up from scratch.
    case adminReset
    /// A timer armed by `SupervisorAction.startTimer` fired.
    case timerFired(TimerID)
    /// SIGTERM/SIGINT: undo what was created and exit.
    case terminate
}

/// The stages of the modem layer's bring-up, mapped onto supervisor states.
public enum BringUpStage: Sendable, Equatable {
    case configuring
    case registering
    case startingDataCall
}

/// Why a bring-up failed, and whether retrying can help.
public enum BringUpFailure: Sendable, Equatable {
    /// Wrong PIN, PUK required, SIM missing or failed: retrying cannot help and could lock
    /// the SIM. Reported once; no retry loop.
    case hard(String)
    /// The network refused registration (`+CEREG: 3`), with the EMM cause when reported. The
    /// cause decides the policy (`EMMCause.isPermanent`); the ladder is not climbed.
    case rejected(cause: Int?)
    /// Anything else (AT timeout, CGACT error, ...): the ladder retries.
    case retryable(String)
}

/// What status and logs need to know about a lease (the daemon keeps the full lease).
public struct LeaseSummary: Sendable, Equatable {
    /// The leased address with prefix length, e.g. "192.168.225.34/24".
    public var address: String
    public var gateway: String?
    public var dns: [String]
    /// Lease duration in seconds.
    public var leaseSeconds: UInt32

    public init(address: String, gateway: String?, dns: [String], leaseSeconds: UInt32) {
        self.address = address
        self.gateway = gateway
        self.dns = dns
        self.leaseSeconds = leaseSeconds
    }

    /// Whether `other` needs the network configuration applied again (the duration does not).
    func differsInConfiguration(from other: LeaseSummary) -> Bool {
        address != other.address || gateway != other.gateway || dns != other.dns
    }
}

/// The result of one end-to-end probe.
public enum ProbeOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The target answered; round-trip time in milliseconds.
    case reachable(milliseconds: Int)
    /// No answer within the timeout, or the probe could not be sent; the reason says which.
    case unreachable(String)

    public var succeeded: Bool {
        switch self {
        case .reachable: return true
        case .unreachable: return false
        }
    }

    /// For logs, `bg95ctl status` and `bg95ctl doctor`: "answered in 42 ms" or the reason.
    public var description: String {
        switch self {
        case .reachable(let milliseconds): return "answered in \(milliseconds) ms"
        case .unreachable(let reason): return "no answer: \(reason)"
        }
    }
}
