/// Why the supervisor asks the module whether the data call's context is still active
/// (`SupervisorAction.queryDataCall`); the answer (`SupervisorEvent.dataCallQueried`) carries it
/// back, so the machine keeps no note of the question beside its phase.
public enum DataCallQuestion: Sendable, Equatable {
    /// A URC said the data call dropped (`+QIURC: "pdpdeact"`, `+CGEV: ... DEACT/DETACH`); the
    /// text names it. Still active: the URC was spurious.
    case dropIndicated(String)
    /// `RDY` arrived while online. A module that really restarted has no active context (and its
    /// echo is back on); still active: it did not restart.
    case restartIndicated
}
