import ATProtocol

/// What the bring-up machine asks the controller to do, in order.
public enum ModemAction: Sendable, Equatable {
    /// Send this command on the AT channel and report its response with `.response`.
    case send(ATCommand)
    /// Start (or restart) a timer; report it with `.timerFired` unless cancelled first.
    case startTimer(ModemTimer, after: Duration)
    case cancelTimer(ModemTimer)
    /// The module is about to re-enumerate: expect it to vanish and reappear within the bound
    /// (do not treat the vanish as a failure; reopen the new AT port when it appears).
    case waitForModule(within: Duration)
    /// One line for the log: what a step found and did. Never contains a PIN or password.
    case log(String)
    /// The state changed (already logged).
    case stateChanged(ModemState)
    /// The data call is up.
    case finished(DataCall)
    /// The bring-up stopped with this error.
    case failed(BringUpError)
    /// The answer to `.diagnose`.
    case diagnosed(ModuleDiagnosis)
}
