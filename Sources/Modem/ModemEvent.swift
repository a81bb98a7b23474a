import ATProtocol

/// What happened, as the modem controller tells the modem machine.
public enum ModemEvent: Sendable, Equatable {
    /// The module's AT port was opened (again): the link synchronises (`ATE0`), then the
    /// bring-up starts, or starts over after a re-enumeration.
    case portOpened
    /// The AT port closed: the module disappeared (unplug, reboot, re-enumeration) or the port
    /// failed. Every pending command completes as `.cancelled`.
    case portClosed
    /// Bytes read from the AT port.
    case received([UInt8])
    /// Someone else's command (`bg95ctl at`, the daemon's registration question) through the
    /// same queue; its response comes back as `.completed(_, for: ticket)`.
    case submit(ATCommand, CommandTicket)
    /// The supervisor asks whether the data call is still up (a drop URC or `RDY` while online);
    /// answered with `.dataCallChecked`.
    case checkDataCall
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
    /// While the data call is up and nothing else runs: read registration, operator, network
    /// and signal again (what the survey timer does, for a caller with a wakeup of its own).
    case refreshModuleFacts
    /// Ask the module why traffic does not pass (answered with `.diagnosed`); `pingHost` adds
    /// `AT+QPING` with `pingCount` echoes from the module's own stack.
    case diagnose(pingHost: String?, pingCount: Int)
    /// udev reported the device's AT port and ECM interface (nil: none), and the usbnet mode its
    /// USB interfaces show (nil: they do not tell).
    case deviceChanged(atPort: String?, netInterface: String?, usbnetShown: USBNetMode? = nil)
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
    /// The AT link's own timers (the command's response deadline, the pause between probes).
    case link(ATLinkMachine.Timer)

    public var description: String {
        switch self {
        case .retry: return "retry"
        case .reboot: return "reboot"
        case .registrationPoll: return "registration-poll"
        case .registrationDeadline: return "registration-deadline"
        case .diagnosisPing: return "diagnosis-ping"
        case .survey: return "survey"
        case .link(.response): return "at-response"
        case .link(.probeDelay): return "at-probe-delay"
        }
    }
}
