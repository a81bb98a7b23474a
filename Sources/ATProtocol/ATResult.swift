/// How a command ended.
public enum ATResult: Equatable, Sendable, CustomStringConvertible {
    /// `OK`.
    case ok
    /// Plain `ERROR`.
    case error
    /// `+CME ERROR: <n>`: equipment/network error with its 27.007 meaning.
    case cme(CMEError)
    /// `+CMS ERROR: <n>`: message service error (27.005 §3.2.5); text forms become -1.
    case cms(Int)
    /// Another V.250 final result code: `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE`.
    case failure(String)
    /// No final result within the command's timeout (reported by the IO layer's timer).
    case timedOut
    /// Never completed: the session was reset (port closed) or its queue was full.
    case cancelled

    /// The final result a line represents, or nil when it is not one.
    public static func finalResult(of line: String) -> ATResult? {
        switch line {
        case "OK": return .ok
        case "ERROR": return .error
        case "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE": return .failure(line)
        default: break
        }
        if line.hasPrefix("+CME ERROR:") {
            return .cme(CMEError(parsing: line.dropFirst("+CME ERROR:".utf8.count)))
        }
        if line.hasPrefix("+CMS ERROR:") {
            let text = String(line.dropFirst("+CMS ERROR:".utf8.count)).trimmingSpaces()
            if text.utf8.count <= 6, let code = Int(text), code >= 0 { return .cms(code) }
            return .cms(-1)
        }
        return nil
    }

    public var isOK: Bool { self == .ok }

    public var description: String {
        switch self {
        case .ok: return "OK"
        case .error: return "ERROR"
        case .cme(let error): return error.description
        case .cms(let code): return "+CMS ERROR: \(code)"
        case .failure(let text): return text
        case .timedOut: return "timed out"
        case .cancelled: return "cancelled"
        }
    }
}
