import ATProtocol

/// What the modem machine asks the controller to do, in order.
public enum ModemAction: Sendable, Equatable {
    /// Write these bytes (the line of `command`, whose description is redacted) to the AT port.
    case write([UInt8], ATCommand)
    /// Close the AT port and open the same node again, then report `.portOpened`: it has not
    /// answered since it was opened (the open may have raced the device's setup).
    case reopenPort
    /// Start (or restart) a timer; report it with `.timerFired` unless cancelled first.
    case startTimer(ModemTimer, after: Duration)
    case cancelTimer(ModemTimer)
    /// A command completed (OK, an error, `.timedOut`, `.cancelled`); `ticket` is set for a
    /// command submitted with `.submit`, nil for the machine's own (shown only in a trace).
    case completed(ATResponse, for: CommandTicket?)
    /// A URC as the module printed it (already applied to the module model and the bring-up).
    case urc(URC, line: String)
    /// The AT link's health changed (opened, answering, resynchronising, stalled, closed).
    case portHealth(ATLinkMachine.Health)
    /// The answer to `.checkDataCall`: nil when the module did not answer.
    case dataCallChecked(Bool?)
    /// The module is about to re-enumerate: expect it to vanish and reappear within the bound
    /// (do not treat the vanish as a failure; reopen the new AT port when it appears).
    case waitForModule(within: Duration)
    /// One line for the log: what a step found and did. Never contains a PIN or password.
    case log(String)
    /// A log line caused by one line that arrived on the port (garbage, an overlong line):
    /// whoever writes to the port can trigger it at will, so the controller rate-limits it.
    case logPortInput(String)
    /// The state changed (already logged).
    case stateChanged(from: ModemState, to: ModemState)
    /// The data call is up (confirmed by the module); its PDP address is not read yet.
    case finished(DataCall)
    /// The PDP address of the call that is up was read (empty: none came within the bound).
    case addressRead(DataCall)
    /// The bring-up stopped with this error.
    case failed(BringUpError)
    /// The answer to `.diagnose`.
    case diagnosed(ModuleDiagnosis)
}
