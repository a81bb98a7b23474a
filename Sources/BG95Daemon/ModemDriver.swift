import ATProtocol
import BG95Control
import Modem
import Supervisor
import BG95Core

/// What the daemon needs from the modem layer, in the supervisor's terms.
///
/// The real implementation (`ModemControllerDriver`) wraps `ModemIO.ModemController`; every
/// method is called on the daemon's queue and every callback runs on it.
public protocol ModemDriver: AnyObject {
    /// Arms discovery (idempotent). Events go to `emit` from now on, starting with
    /// `deviceAppeared` for a module already present.
    func start(emit: @escaping (ModemDriverEvent) -> Void) throws(DaemonError)
    /// Stops using the module (closes the AT port, stops discovery) without changing it.
    func stop()
    /// Runs the bring-up unless one is already running (also after `endDataCall`).
    func bringUp()
    /// `down`: ends the data call on the module and keeps the bring-up stopped until `bringUp`.
    func endDataCall()
    /// What is known about the module (nil while the modem layer is stopped).
    var module: ModuleModel? { get }
    /// Carries out a module-side recovery step; completes with a detail for the log.
    func perform(_ rung: RecoveryRung, completion: @escaping (Result<String, DaemonError>) -> Void)
    /// `AT+CEREG?`: the registration and, when refused, the EMM cause; nil state when unanswered.
    func queryRegistration(completion: @escaping (RegistrationStatus?, Int?) -> Void)
    /// `AT+CGACT?`: whether the data call's context is still active; nil when unanswered.
    func queryDataCall(completion: @escaping (Bool?) -> Void)
    /// Asks the module why the probe failed (CEREG?, CGACT?, QNETDEVCTL?, QPING to `pingTarget`).
    func diagnose(pingTarget: String?, completion: @escaping (Diagnosis) -> Void)
    /// `bg95ctl at`: one validated command line through the AT queue.
    func passthrough(_ command: String, timeout: Int?, completion: @escaping (Result<ATPassthroughResult, ControlFailure>) -> Void)
    /// Adds what the modem layer knows (module identity, registration, data call) to a status.
    func fill(_ snapshot: inout StatusSnapshot)
}

/// What a `ModemDriver` reports.
public enum ModemDriverEvent {
    /// Something the supervisor must hear.
    case supervisor(SupervisorEvent)
    /// A URC line as received, for `bg95ctl watch`.
    case urc(String)
    /// A log line from the modem layer.
    case log(LogPriority, String)
}
