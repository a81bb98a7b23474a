import ATProtocol

/// What happened, as the modem controller tells the bring-up machine.
public enum ModemEvent: Sendable, Equatable {
    /// The module's AT port is open and answers (the channel sent `ATE0`): start, or start
    /// over after a re-enumeration.
    case moduleReady
    /// The module (or its AT port) disappeared: unplug, reboot, re-enumeration.
    case moduleVanished
    /// The command the machine sent completed: `OK`, an error, `.timedOut` (the channel then
    /// resynchronises) or `.cancelled` (the port closed).
    case response(ATResponse)
    /// An unsolicited result code.
    case urc(URC)
    /// A timer the machine started fired.
    case timerFired(ModemTimer)
    /// Run every step again (a recovery: the steps are idempotent, so this is cheap).
    case restart
    /// The controller rebooted the module (`AT+CFUN=1,1`) on request: expect it to vanish
    /// and come back, then start over.
    case rebootRequested
    /// Recovery: end the data call and bring it up again (`AT+QNETDEVCTL=0`/`AT+CGACT=0`, then
    /// the bring-up). Only the bring-up started by this request reports `.finished`.
    case restartDataCall
    /// Recovery: radio off and on (`AT+CFUN=0`, `AT+CFUN=1`), then the bring-up.
    case cycleRadio
    /// Recovery: reboot the module (`AT+CFUN=1,1`), then the bring-up when it is back.
    case reboot
    /// `down`: end the data call and stay stopped until `.restart`.
    case endDataCall
    /// Ask the module why traffic does not pass (answered with `.diagnosed`); `pingHost` adds
    /// `AT+QPING` with `pingCount` echoes from the module's own stack.
    case diagnose(pingHost: String?, pingCount: Int)
    /// udev reported the device's AT port and ECM interface (nil: none).
    case deviceChanged(atPort: String?, netInterface: String?)
}

/// The machine's timers; starting one that runs replaces it.
public enum ModemTimer: Sendable, Hashable, CustomStringConvertible {
    /// Try the current step again later (SIM busy, address not yet assigned).
    case retry
    /// The module must be back from its reboot before this fires.
    case reboot
    /// Poll `AT+CEREG?` while waiting for a registration URC.
    case registrationPoll
    /// Registration must succeed before this fires.
    case registrationDeadline
    /// The diagnosis's `+QPING` summary must arrive before this fires.
    case diagnosisPing
    /// Time to read registration, operator, network and signal again.
    case survey

    public var description: String {
        switch self {
        case .retry: return "retry"
        case .reboot: return "reboot"
        case .registrationPoll: return "registration-poll"
        case .registrationDeadline: return "registration-deadline"
        case .diagnosisPing: return "diagnosis-ping"
        case .survey: return "survey"
        }
    }
}
