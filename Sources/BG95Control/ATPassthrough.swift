import ATProtocol

/// Rules for AT commands passed through the control socket (`bg95ctl at`).
///
/// The daemon writes the command to the module's AT port followed by CR, so it must be exactly
/// one printable-ASCII command line: anything else could smuggle a second command or confuse
/// the framer.
public enum ATPassthrough {
    /// The longest command accepted: the daemon's own limit (`ATCommand.rawMaxLength`), so a
    /// command the decoder lets through is never refused later for its length.
    public static let maxLength = ATCommand.rawMaxLength
    /// Accepted `timeout` values in seconds (AT+QPING may take up to 300 s).
    public static let timeoutRange = 1...300

    /// nil when `command` is acceptable, else why not: empty, longer than `maxLength`,
    /// not starting with "AT" (case-insensitive), or containing a byte outside printable
    /// ASCII 0x20...0x7E (CR, LF, Ctrl-Z and ESC included), a `;` outside double quotes
    /// (it chains a second command), or an unbalanced double quote. The daemon checks again
    /// (`ATCommand.raw`); this only lets `bg95ctl` refuse with a clear message before connecting.
    public static func validate(_ command: String) -> String? {
        let bytes = Array(command.utf8)
        if bytes.isEmpty { return "is empty" }
        if bytes.count > maxLength { return "\(ATCommandError.Reason.tooLong(maximum: maxLength))" }
        guard bytes.count >= 2, bytes[0] | 0x20 == UInt8(ascii: "a"), bytes[1] | 0x20 == UInt8(ascii: "t") else {
            return "must start with \"AT\""
        }
        if let bad = bytes.first(where: { $0 < 0x20 || $0 > 0x7e }) {
            return "contains byte 0x\(String(bad, radix: 16)) (only printable ASCII is allowed)"
        }
        var inQuote = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { inQuote.toggle() }
            if byte == UInt8(ascii: ";") && !inQuote {
                return "contains ';', which would chain a second command: send one command per call"
            }
        }
        if inQuote { return "has an unbalanced double quote" }
        return nil
    }
}

/// The result of an AT passthrough: the response lines and the final result code.
public struct ATPassthroughResult: Equatable, Codable, Sendable {
    /// The command as sent.
    public var command: String
    /// Information lines between the echo and the final result code, in order.
    public var lines: [String]
    /// The final result code: `OK`, `ERROR`, `+CME ERROR: <n>`, `+CMS ERROR: <n>`.
    public var final: String

    public init(command: String, lines: [String], final: String) {
        self.command = command
        self.lines = lines
        self.final = final
    }

    /// Whether the module answered `OK`.
    public var succeeded: Bool { final == "OK" }
}
