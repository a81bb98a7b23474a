/// A typed reply line. Every parser in this module conforms, so `ATResponse.reply(_:)` can
/// find and parse the right line of a completed command.
public protocol ATReply: Sendable {
    /// The `+NAME` of the line this type parses, or nil for bare text lines (`AT+QGMR`).
    static var linePrefix: String? { get }
    /// Parses one line; malformed input throws, it never traps.
    init(parsing line: String) throws(ATParseError)
}
