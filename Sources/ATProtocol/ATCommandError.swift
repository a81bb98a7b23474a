/// The argument of a command builder that carried a refused value.
public enum ATArgumentField: String, Equatable, Sendable, CaseIterable {
    case apn
    case username
    case password
    case pin
    case host
    case contextID
    case pingTimeout
    case pingCount
    case scanSequence
    case rawCommand
}

/// Why `ATCommand` refused to build a command. It names the field but never echoes the value,
/// because the value may be a PIN or a password.
public struct ATCommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Contains `"`: it would end the quoted string early.
        case containsQuote
        /// Contains `\`: some firmware treats it as an escape.
        case containsBackslash
        /// Contains a control byte (CR, LF, NUL, ...): it could end the command line.
        case containsControlCharacter
        /// Contains a byte outside printable ASCII.
        case containsNonASCII
        /// Contains a character not allowed in this field (e.g. `;`, which chains commands).
        case forbiddenCharacter
        /// Longer than the field allows.
        case tooLong(maximum: Int)
        /// Empty where a value is required.
        case empty
        /// A PIN must be 4 to 8 decimal digits.
        case notAPIN
        /// A number outside the range the command accepts.
        case outOfRange
        /// A raw command must start with `AT` (or `at`).
        case notAnATCommand
        /// A raw command carries a second command right after the first (V.250 concatenation
        /// such as `ATE0Q0` or `ATI+CGDCONT=...`), starting at this byte offset.
        case secondCommand(offset: Int)
        /// A raw command chains a second command with `;` at this byte offset.
        case chained(offset: Int)
        /// A raw command does not follow the one-command grammar (`ATCommandGrammar`).
        case syntax(offset: Int, expected: String)
        /// `ATA`, `ATD...`, `ATO`: they switch the AT port to data mode.
        case dataModeCommand
    }

    public let field: ATArgumentField
    public let reason: Reason

    public init(field: ATArgumentField, reason: Reason) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field.rawValue): \(reason)" }
}

extension ATCommandError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .containsQuote: return "contains or leaves open a double quote"
        case .containsBackslash: return "contains a backslash"
        case .containsControlCharacter: return "contains a control character (CR, LF, NUL, ...)"
        case .containsNonASCII: return "contains a character outside printable ASCII"
        case .forbiddenCharacter: return "contains a character this field does not allow"
        case .tooLong(let maximum): return "longer than \(maximum) bytes"
        case .empty: return "is empty"
        case .notAPIN: return "a PIN must be 4 to 8 decimal digits"
        case .outOfRange: return "out of range"
        case .notAnATCommand: return "must start with \"AT\" or \"at\""
        case .secondCommand(let offset):
            return "a second command starts at byte \(offset); send exactly one command per line"
        case .chained(let offset):
            return "\";\" at byte \(offset) chains a second command; send exactly one command per line"
        case .syntax(let offset, let expected): return "at byte \(offset): expected \(expected)"
        case .dataModeCommand: return "ATA, ATD and ATO switch the port to data mode and are refused"
        }
    }
}
