/// One AT command line, ready to write, with what the session needs to correlate its reply.
///
/// Build commands with the typed constructors in `ATCommand+Builders.swift`; they validate and
/// quote every string argument, so no value can end the quoted string or the command line and
/// smuggle in a second command. `raw(_:)` is the operator passthrough and is validated too.
/// `description` hides PINs and passwords; log that, never `text`.
public struct ATCommand: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// How the session tells this command's information lines from URCs.
    enum ResponseMatch: Equatable, Hashable, Sendable {
        /// No `+NAME:` line belongs to the response (set commands; `+QPING:` comes as URCs).
        case none
        /// Lines with this prefix (e.g. `+CEREG`) belong to the response.
        case prefix(String)
        /// `AT+CEREG?`: only the read shape `+CEREG: <n>,<stat>...` (second field a bare
        /// integer) is the response; the URC shape `+CEREG: <stat>[,"<tac>",...]` stays a URC.
        case registrationRead
    }

    /// The command line without its terminator, e.g. `AT+CEREG?`.
    public let text: String
    /// How long the IO layer waits for the final result before calling `timeoutFired`.
    public let timeout: Duration
    let responseMatch: ResponseMatch
    /// `text` with secrets replaced, for logs.
    let redacted: String?

    init(_ text: String, match: ResponseMatch, redacted: String? = nil) {
        self.text = text
        self.timeout = ATCommand.timeout(for: text)
        self.responseMatch = match
        self.redacted = redacted
    }

    /// The bytes to write: `text` and a carriage return (V.250 §5.2.1).
    public var bytes: [UInt8] { Array(text.utf8) + [0x0D] }

    /// `text`, or `text` with the PIN/password replaced by `***`.
    public var description: String { redacted ?? text }

    /// True when the command carries a secret (its echo must not be logged either).
    public var isSensitive: Bool { redacted != nil }

    /// The `+NAME` whose information lines belong to this command's response, if any.
    public var responsePrefix: String? {
        switch responseMatch {
        case .none: return nil
        case .prefix(let prefix): return prefix
        case .registrationRead: return "+CEREG"
        }
    }

    /// True when `line` (an information line received while this command is in flight) is
    /// part of its response rather than a URC.
    public func claims(_ line: String) -> Bool {
        switch responseMatch {
        case .none:
            return false
        case .prefix(let prefix):
            return ATInformationLine.prefix(of: line) == prefix
        case .registrationRead:
            guard ATInformationLine.prefix(of: line) == "+CEREG",
                  let info = try? ATInformationLine(line), info.fields.count >= 2,
                  case .bare(let second) = info.fields[1], !second.isEmpty
            else { return false }
            return true
        }
    }

    // MARK: Timeouts

    /// The command's name in upper case without `AT` and arguments: `+COPS` for
    /// `AT+COPS?`, `I` for `ATI`, `E0` for `ATE0`.
    public static func name(of text: String) -> String {
        var body = Substring(text)
        if body.utf8.count >= 2, body.prefix(2).uppercased() == "AT" { body = body.dropFirst(2) }
        let end = body.firstIndex(where: { $0 == "=" || $0 == "?" }) ?? body.endIndex
        return body[..<end].uppercased()
    }

    /// Per-command timeout from the reference table: `+COPS` 180 s, `+CGATT` 140 s,
    /// `+CGACT`/`+QIACT` 150 s, `+QPING` 300 s, `+QNETDEVCTL` 2 s, everything else 15 s.
    public static func timeout(for text: String) -> Duration {
        switch name(of: text) {
        case "+COPS": return .seconds(180)
        case "+CGATT": return .seconds(140)
        case "+CGACT", "+QIACT": return .seconds(150)
        case "+QPING": return .seconds(300)
        case "+QNETDEVCTL": return .seconds(2)
        default: return .seconds(15)
        }
    }
}
