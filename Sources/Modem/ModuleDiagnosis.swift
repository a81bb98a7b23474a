import ATProtocol

/// What the module said when asked why traffic does not pass: `AT+CEREG?`, `AT+CGACT?`,
/// `AT+QNETDEVCTL?` and (when asked for and sensible) `AT+QPING` from its own stack. Each field
/// is nil when the query failed, was not supported or was not sent.
public struct ModuleDiagnosis: Sendable, Equatable {
    public var registration: RegistrationInfo?
    /// Context ids `AT+CGACT?` reports active.
    public var activeContexts: [Int]?
    /// Whether the data call's context is bound to the net device (`AT+QNETDEVCTL?`); nil on
    /// firmware without QNETDEVCTL.
    public var netDeviceConnected: Bool?
    /// The `+QPING` summary, when a ping was sent and answered.
    public var ping: PingSummary?
    /// Why the ping gave no summary (error code, no answer, invalid host).
    public var pingError: String?
    /// True when the answers come from `ModuleModel` (the machine was busy with a bring-up)
    /// rather than from fresh queries.
    public var fromModel = false
    /// Echoes asked of `AT+QPING`.
    public var pingCount = 1

    public init() {}
}
