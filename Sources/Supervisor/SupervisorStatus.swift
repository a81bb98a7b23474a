import ATProtocol
/// A snapshot of the supervisor for `bg95ctl status` and sd_notify STATUS.
public struct SupervisorStatus: Sendable, Equatable {
    public var state: SupervisorState
    /// When the current state was entered.
    public var since: ContinuousClock.Instant
    /// Why the link is not online (the last fault), if it is not.
    public var reason: String?
    /// The hard error (SIM) that stopped retries, if any.
    public var hardError: String?
    public var devicePresent: Bool
    public var interface: String?
    public var carrier: Bool?
    public var registration: RegistrationStatus?
    public var lease: LeaseSummary?
    /// The recovery rung in use (`wait-for-device` while the device is gone), nil when healthy.
    public var recoveryRung: RecoveryRung?
    public var attemptsOnRung: Int
    /// Recovery attempts since the link was last online.
    public var recoveryAttempts: Int
    /// When the next recovery attempt starts, while waiting out the backoff.
    public var nextAttemptAt: ContinuousClock.Instant?
    public var lastProbe: ProbeOutcome?
    public var lastProbeAt: ContinuousClock.Instant?
    /// When the link was last proven online.
    public var onlineSince: ContinuousClock.Instant?
}
