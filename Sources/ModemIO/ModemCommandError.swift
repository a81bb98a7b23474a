import ATProtocol

/// Why a command asked of the controller did not give a usable answer.
public enum ModemCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text was refused before sending (quoting, control bytes, chained commands, ...).
    case invalidCommand(ATCommandError)
    /// No module is open right now.
    case noModule
    /// The command failed, timed out, was cancelled, or its reply did not parse.
    case at(ATError)
    /// A recovery was superseded (the module vanished, the controller stopped, ...).
    case interrupted(String)

    public var description: String {
        switch self {
        case .invalidCommand(let error): return "refused: \(error)"
        case .noModule: return "no module is connected"
        case .at(let error): return error.description
        case .interrupted(let why): return "interrupted: \(why)"
        }
    }
}
