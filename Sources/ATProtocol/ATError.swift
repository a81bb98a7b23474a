/// A failed command as one typed error, for callers that only want the happy path
/// (`ATResponse.checked()`, `ATResponse.reply(_:)`). `command` is the redacted command text.
public enum ATError: Error, Equatable, Sendable, CustomStringConvertible {
    case error(command: String)
    case cme(CMEError, command: String)
    case cms(Int, command: String)
    case failure(String, command: String)
    case timeout(command: String)
    case cancelled(command: String)
    /// The command succeeded but its reply line is absent.
    case missingReply(command: String, prefix: String)
    /// The command succeeded but its reply line is malformed.
    case parse(ATParseError)

    public var description: String {
        switch self {
        case .error(let command): return "\(command): ERROR"
        case .cme(let error, let command): return "\(command): \(error)"
        case .cms(let code, let command): return "\(command): +CMS ERROR: \(code)"
        case .failure(let text, let command): return "\(command): \(text)"
        case .timeout(let command): return "\(command): no answer within its timeout"
        case .cancelled(let command): return "\(command): cancelled"
        case .missingReply(let command, let prefix): return "\(command): OK without a \(prefix) line"
        case .parse(let error): return "malformed reply: \(error)"
        }
    }
}
