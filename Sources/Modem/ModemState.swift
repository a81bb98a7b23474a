/// Where the bring-up is. One state at a time; `ModemMachine.enter(_:)` is the only setter
/// and logs `old -> new`.
public enum ModemState: Sendable, Equatable, CustomStringConvertible {
    /// Not started, or waiting for a module with an open AT port.
    case waitingForModule
    /// `ATI`, `AT+QGMR`.
    case identifying
    /// `AT+QURCCFG="urcport"`: URCs must come to the USB AT port.
    case configuringURCPort
    /// `AT+QCFGEXT`: usbnet must be ECM.
    case checkingUSBNet
    /// `AT+CFUN=1,1` sent after switching to ECM; waiting for the module to vanish and return.
    case rebooting
    /// `AT+CPIN`; `pinSent` once this bring-up entered the configured PIN.
    case unlockingSIM(pinSent: Bool)
    /// `AT+QCFG` iotopmode/nwscanmode/nwscanseq/band.
    case configuringRadio
    /// `AT+CGDCONT`, `AT+QICSGP`.
    case configuringContext
    /// `AT+CEREG`: waiting for home or roaming registration.
    case registering(RegistrationAttempt)
    /// `AT+QNETDEVCTL` or `AT+CGACT`, then `AT+CGPADDR`.
    case activating
    /// The data call is up.
    case up(DataCall)
    /// Stopped; the supervisor decides whether and when to try again.
    case failed(BringUpError)
    /// Stopped on purpose (`down`): the data call was ended; nothing runs until `.restart`.
    case stopped

    public var description: String {
        switch self {
        case .waitingForModule: return "waiting-for-module"
        case .identifying: return "identifying"
        case .configuringURCPort: return "configuring-urc-port"
        case .checkingUSBNet: return "checking-usbnet"
        case .rebooting: return "rebooting"
        case .unlockingSIM: return "unlocking-sim"
        case .configuringRadio: return "configuring-radio"
        case .configuringContext: return "configuring-context"
        case .registering: return "registering"
        case .activating: return "activating"
        case .up: return "up"
        case .failed: return "failed"
        case .stopped: return "stopped"
        }
    }
}

/// What the registration step has done so far in one attempt (carried by `.registering`).
public struct RegistrationAttempt: Sendable, Equatable {
    /// `AT+CEREG=3` was sent after a refusal without a cause: a second one without a cause fails.
    public var askedForCause = false
    /// Not registered at the first answer: the machine polls `AT+CEREG?` besides waiting for
    /// the URC (said once in the log).
    public var polling = false
    /// Whether the data call was up when `AT+QNETDEVCTL?`/`AT+CGACT?` was asked while waiting
    /// (nil: not asked, or a URC about the call came since), so that registration goes
    /// straight on to the call.
    public var dataCallUp: Bool?
    /// That question was asked in this attempt (once).
    public var askedForDataCall = false

    public init() {}
}
