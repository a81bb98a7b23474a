import ATProtocol
import Modem

/// What the modem layer's outputs mean to the supervisor: pure mappings, so the I/O side that
/// carries out the modem machine's actions decides nothing itself.
extension SupervisorEvent {
    /// The event a URC stands for, if the supervisor acts on it. A URC is a hint: the
    /// supervisor confirms registration and data-call URCs with a query before acting.
    public init?(urc: URC) {
        switch urc {
        case .ready:
            self = .moduleRestarted
        case .registration(let info):
            self = .registrationChanged(info.status, rejectCause: info.rejectCause?.cause)
        case .packetDomain(let event):
            switch event {
            case .networkDeactivated, .moduleDeactivated: self = .pdpDeactivated("+CGEV: \(event)")
            case .networkDetach, .moduleDetach: self = .networkDetached
            case .activated, .other: return nil
            }
        case .pdpDeactivated(let cid):
            self = .pdpDeactivated("+QIURC: \"pdpdeact\",\(cid)")
        case .netDeviceStatus(let status):
            self = .netDeviceStatus(connected: status.isConnected)
        case .sim(let state):
            guard state == .ready else { return nil }
            self = .simReady
        case .appReady, .poweredDown, .functionality, .usim, .indication, .ping, .gnss, .malformed, .unknown:
            return nil
        }
    }
}

extension BringUpStage {
    /// The supervisor's stage for a bring-up state; nil for states that are not a stage
    /// (waiting for the module, up, failed, stopped).
    public init?(_ state: ModemState) {
        switch state {
        case .identifying, .configuringURCPort, .checkingUSBNet, .rebooting, .unlockingSIM, .configuringRadio,
             .configuringContext:
            self = .configuring
        case .registering: self = .registering
        case .activating: self = .startingDataCall
        case .waitingForModule, .up, .failed, .stopped: return nil
        }
    }
}

extension BringUpFailure {
    /// A network refusal carries its cause (the cause decides the policy); what needs an
    /// operator (PIN, SIM, configuration) is hard; anything else the ladder retries.
    public init(_ error: BringUpError) {
        if case .registrationDenied(let cause) = error {
            self = .rejected(cause: cause)
        } else if error.needsOperator {
            self = .hard(error.description)
        } else {
            self = .retryable(error.description)
        }
    }
}
