import ATProtocol
import BG95Core
import Modem
import Supervisor

/// What the daemon needs from the modem layer, in the supervisor's terms: the port in front of
/// `ModemController`, so the daemon's event loop has unit tests with a scripted fake.
///
/// Every method is called on the daemon's queue and every callback runs on it.
public protocol ModemDriver: AnyObject {
    /// Arms discovery (idempotent). Events go to `emit` from now on, starting with
    /// `deviceAppeared` for a module already present.
    func start(emit: @escaping (ModemDriverEvent) -> Void) throws(ModemStartError)
    /// Stops using the module (closes the AT port, stops discovery) without changing it.
    func stop()
    /// Runs the bring-up unless one is already running (also after `endDataCall`).
    func bringUp()
    /// `down`: ends the data call on the module and keeps the bring-up stopped until `bringUp`.
    func endDataCall()
    /// What is known about the module (nil while the modem layer is stopped).
    var module: ModuleModel? { get }
    /// The module in use, with its AT port and ECM interface as udev last reported them.
    var device: ModemDevice? { get }
    /// Carries out a module-side recovery step; completes with a detail for the log.
    func perform(_ rung: RecoveryRung, completion: @escaping (Result<String, ModemCommandError>) -> Void)
    /// `AT+CEREG?`: the registration and, when refused, the EMM cause; nil state when unanswered.
    func queryRegistration(completion: @escaping (RegistrationStatus?, Int?) -> Void)
    /// Whether the data call is still up (`AT+CGACT?`, and `AT+QNETDEVCTL?` for a QNETDEVCTL
    /// call); nil when unanswered.
    func queryDataCall(completion: @escaping (Bool?) -> Void)
    /// While online: reads registration, operator, network and signal again into the module
    /// model (no answer expected; status shows them with their age).
    func refreshModuleFacts()
    /// Asks the module why the probe failed (CEREG?, CGACT?, QNETDEVCTL?, QPING to `pingTarget`).
    func diagnose(pingTarget: String?, completion: @escaping (Diagnosis) -> Void)
    /// `bg95ctl at`: one operator command line (validated by `ATCommand.raw`) through the AT
    /// queue; the response as the module sent it, errors included.
    func passthrough(_ line: String, completion: @escaping (Result<ATResponse, ModemCommandError>) -> Void)
}

/// What a `ModemDriver` reports.
public enum ModemDriverEvent: Sendable, Equatable {
    /// Something the supervisor must hear.
    case supervisor(SupervisorEvent)
    /// A URC line as received, for `bg95ctl watch`.
    case urc(String)
    /// udev's monitor is armed and the first enumeration is done.
    case discoveryReady
    /// Discovery cannot work (libudev refused, no permission, ...).
    case discoveryProblem(String)
    /// A log line from the modem layer.
    case log(LogPriority, String)
    /// The PDP address of the data call that is up was read (after `bringUpFinished`; the
    /// call's `addresses` are empty when none came within the bound).
    case addressRead(DataCallInfo)
}
