import BG95Control

/// bg95ctl's documented exit codes (also in `bg95ctl --help` and the man page).
enum CLIExit: Int32 {
    case ok = 0
    /// `status`: the link is not online (but not failed).
    case notOnline = 1
    case usage = 2
    case notRunning = 3
    case permissionDenied = 4
    case failed = 5
}

/// A runtime failure with the exit code it maps to.
struct CLIFailure: Error {
    var exit: CLIExit
    /// nil: the output already said it all (status's exit code only classifies).
    var message: String?

    init(_ exit: CLIExit, _ message: String?) {
        self.exit = exit
        self.message = message
    }

    init(_ error: ControlClientError) {
        switch error {
        case .notRunning: self.init(.notRunning, error.description)
        case .permissionDenied: self.init(.permissionDenied, error.description)
        case .closed, .timeout, .protocolViolation, .system: self.init(.failed, error.description)
        }
    }

    init(_ failure: ControlFailure) {
        switch failure.code {
        case .permissionDenied: self.init(.permissionDenied, failure.message)
        case .invalidArgument:
            // A value bg95d refused (e.g. an AT command that would chain a second one): the
            // caller's input, so a usage error, in words rather than the wire code.
            self.init(.usage, "refused: " + Self.readable(failure.message))
        case .invalidRequest, .unsupportedVersion, .unknownCommand, .requestTooLarge,
             .timeout, .busy, .notAvailable, .failed:
            self.init(.failed, "\(failure.code.rawValue): \(failure.message)")
        }
    }
}

extension CLIFailure {
    /// The daemon's refusal reasons (`field: reason` from the AT command builder) in words.
    static func readable(_ message: String) -> String {
        let known: [(String, String)] = [
            ("forbiddenCharacter", "the AT command contains a character bg95 does not pass through (';' chains a second command: send one command per call)"),
            ("containsQuote", "the AT command has an unbalanced double quote"),
            ("containsBackslash", "the AT command contains a backslash"),
            ("containsControlCharacter", "the AT command contains a control character"),
            ("containsNonASCII", "the AT command contains a non-ASCII character"),
            ("notAnATCommand", "the command must start with AT"),
            ("tooLong", "the AT command is too long"),
            ("empty", "the AT command is empty"),
        ]
        for (code, text) in known where message.contains(code) { return text }
        return message
    }
}
