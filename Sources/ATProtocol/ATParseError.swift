/// Why a line from the module could not be parsed into its typed value.
///
/// Every parser in this module reports bad input with this error and never traps: the module
/// (and anything pretending to be one) is untrusted.
public struct ATParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The line does not start with the prefix this parser reads (e.g. `+CEREG:`).
        case unexpectedPrefix(expected: String)
        /// A required field is absent (the line is truncated).
        case missingField(String)
        /// More fields than the reply format allows.
        case extraFields(expected: Int, found: Int)
        /// A field that must be a decimal or hexadecimal integer is not one.
        case notAnInteger(field: String)
        /// An integer with more digits than any valid value has, or one that overflows.
        case numberTooLong(field: String)
        /// An integer outside the range the standard allows for this field.
        case outOfRange(field: String)
        /// A field that must be a quoted string is bare, or the other way round.
        case wrongType(field: String)
        /// A `"` opens a string that never closes.
        case unterminatedQuote
        /// A parenthesised group never closes, or closes without opening.
        case unbalancedParentheses
        /// A value that is well-formed but not one this field can take.
        case unknownValue(field: String)
        /// Text with bytes that cannot be in this field (control bytes, non-ASCII, too long).
        case invalidText(field: String)
    }

    public let reason: Reason
    /// The offending line, cut to 160 characters so a hostile line cannot flood a log.
    public let line: String

    public init(_ reason: Reason, line: some StringProtocol) {
        self.reason = reason
        self.line = String(line.prefix(160))
    }

    public var description: String { "\(reason) in \"\(line)\"" }
}
