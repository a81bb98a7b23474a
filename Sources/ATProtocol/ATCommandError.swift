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
        /// A raw command must start with `AT`.
        case notAnATCommand
    }

    public let field: ATArgumentField
    public let reason: Reason

    public init(field: ATArgumentField, reason: Reason) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field.rawValue): \(reason)" }
}
