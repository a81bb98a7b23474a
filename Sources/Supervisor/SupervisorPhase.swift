import BG95Core
import Modem

/// Where the supervisor is, with the data that belongs to that place (swift-nio style): no
/// flags beside the enum. `SupervisorState` is its public name, what status and logs show.
public enum SupervisorPhase: Sendable, Equatable {
    /// No device (or it is re-enumerating).
    case waitingForDevice
    /// The modem layer's bring-up runs; `stage` is the stage it reported last. `after` is the
    /// registration refusal this bring-up retries (so a repeated refusal counts up).
    case bringingUp(BringUpStage, after: RegistrationRefusal?)
    /// Not registered while the bring-up is not running: lost after being online, or refused.
    case registering(RegistrationWait)
    /// Waiting for carrier on the ECM interface.
    case linkUp
    /// Waiting for a lease (or for it to be applied).
    case dhcp
    /// Probing after the lease was applied; `attempt` probes failed so far.
    case verifying(failedProbes: Int)
    /// Proven online since `since`; `probing` while a health probe is out.
    case online(since: ContinuousClock.Instant, probing: Bool)
    /// Asking the module why the probe failed.
    case degraded
    /// On the recovery ladder at `rung`: waiting out the backoff or carrying the step out.
    case recovering(RecoveryRung, RecoveryProgress)
    /// A hard error; nothing is retried until an operator acts or the module changes.
    case failed(String)
    /// Stopped by an operator.
    case down
    /// SIGTERM: undoing what was created.
    case stopping

    /// The public name of this phase.
    public var state: SupervisorState {
        switch self {
        case .waitingForDevice: return .waitingForDevice
        case .bringingUp(.configuring, _): return .configuringModule
        case .bringingUp(.registering, _): return .registering
        case .bringingUp(.startingDataCall, _): return .startingDataCall
        case .registering: return .registering
        case .linkUp: return .linkUp
        case .dhcp: return .dhcp
        case .verifying: return .verifying
        case .online: return .online
        case .degraded: return .degraded
        case .recovering(.restartDataCall, .inFlight): return .startingDataCall
        case .recovering: return .recovering
        case .failed: return .failed
        case .down: return .down
        case .stopping: return .stopping
        }
    }
}

/// A recovery rung's progress.
public enum RecoveryProgress: Sendable, Equatable {
    /// The next attempt starts at `until` (the backoff timer is armed for it).
    case backoff(until: ContinuousClock.Instant)
    /// The step was asked of the modem layer; its result (or the step timer) is awaited.
    case inFlight
}

/// Why the supervisor waits for registration, with what it needs to decide.
public enum RegistrationWait: Sendable, Equatable {
    /// Registration was lost after the data path was up (confirmed by `AT+CEREG?`, not just a
    /// URC). The module searches by itself; `AT+CEREG?` is asked again every `recheck`
    /// (doubling, capped) in case a `+CEREG: 1` gets lost. `dataCallLost`: the PDN dropped
    /// meanwhile and must be restored once registered.
    case lost(since: ContinuousClock.Instant, dataCallLost: Bool, recheck: Duration)
    /// The network refused registration. Permanent causes wait a long fixed interval (or `up`,
    /// or a SIM change); temporary ones back off. `next` is when the bring-up is tried again.
    case rejected(RegistrationRefusal, next: ContinuousClock.Instant)
}

/// A registration refusal: the EMM cause (nil: none reported) and how many in a row.
public struct RegistrationRefusal: Sendable, Equatable {
    public var cause: EMMCause?
    public var attempt: Int

    public init(cause: EMMCause?, attempt: Int) {
        self.cause = cause
        self.attempt = attempt
    }

    public var isPermanent: Bool { cause?.isPermanent ?? false }
}
