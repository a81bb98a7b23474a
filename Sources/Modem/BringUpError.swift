import BG95Core
import ATProtocol

/// Why the bring-up stopped. Every case says what was found; `hint` says what to do.
public enum BringUpError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configured value was refused by the AT layer before anything was sent.
    case invalidConfiguration(ATCommandError)
    /// The SIM asks for a PIN and none is configured.
    case pinRequired
    /// The SIM refused the configured PIN. Never retried: another wrong PIN would use up the
    /// remaining attempts and lock the SIM behind its PUK.
    case wrongPIN
    /// The SIM is locked behind its PUK (or PIN2/PUK2, another lock the daemon cannot answer).
    case simLocked(String)
    /// No SIM inserted (`+CME ERROR: 10`).
    case simNotInserted
    /// The SIM failed (`+CME ERROR: 13`, or still busy after retries).
    case simFailure(String)
    /// This firmware cannot switch `usbnet` to ECM (its `AT+QCFGEXT=?` does not list it).
    case ecmUnsupported(supported: String)
    /// The module was rebooted into ECM but did not come back (or came back not in ECM).
    case rebootFailed(String)
    /// The network denied registration; `cause` is the 3GPP EMM reject cause when reported.
    case registrationDenied(cause: Int?)
    /// Not registered within the configured time; `lastStatus` is what the module said last.
    case registrationTimeout(lastStatus: String)
    /// A step's command failed with a final result the bring-up cannot work around.
    case commandFailed(step: String, command: String, result: String)
    /// A reply could not be understood (kept short; the AT layer's parse error).
    case unexpectedReply(step: String, detail: String)
    /// The module stopped answering (command timeouts, also after resynchronisation).
    case moduleNotResponding(command: String)

    /// True when retrying without an operator changing something is pointless or harmful
    /// (SIM and configuration problems). The supervisor backs off to "needs attention".
    public var needsOperator: Bool {
        switch self {
        case .invalidConfiguration, .pinRequired, .wrongPIN, .simLocked, .simNotInserted, .ecmUnsupported: return true
        case .simFailure, .rebootFailed, .registrationDenied, .registrationTimeout, .commandFailed, .unexpectedReply,
            .moduleNotResponding:
            return false
        }
    }

    public var description: String {
        switch self {
        case .invalidConfiguration(let error): return "invalid configuration: \(error)"
        case .pinRequired: return "the SIM asks for a PIN and none is configured (set pin-file)"
        case .wrongPIN: return "the SIM refused the configured PIN; not retrying (a further wrong PIN may lock the SIM): fix the PIN"
        case .simLocked(let state): return "the SIM is locked (\(state)); unlock it with its PUK in a phone or via `bg95ctl at`"
        case .simNotInserted: return "no SIM inserted (+CME ERROR: 10)"
        case .simFailure(let detail): return "SIM failure: \(detail)"
        case .ecmUnsupported(let supported): return "this firmware cannot switch usbnet to ECM (supports: \(supported))"
        case .rebootFailed(let detail): return "reboot into ECM failed: \(detail)"
        case .registrationDenied(let cause):
            return "registration denied by the network" + (cause.map { " (EMM reject cause \($0)\(Self.causeText($0)))" } ?? "")
        case .registrationTimeout(let last): return "not registered in time (last status: \(last))"
        case .commandFailed(let step, let command, let result): return "\(step): \(command) failed: \(result)"
        case .unexpectedReply(let step, let detail): return "\(step): unexpected reply: \(detail)"
        case .moduleNotResponding(let command): return "the module does not answer (\(command) timed out, also after resync)"
        }
    }

    static func causeText(_ cause: Int) -> String {
        EMMCause(cause).meaning.map { ": \($0)" } ?? ""
    }
}
