/// Why a request failed: a stable machine-readable `code` and a human `message`.
///
/// On the wire: `{"v":1,"id":7,"cmd":"down","ok":false,"error":{"code":"permission-denied","message":"..."}}`.
public struct ControlFailure: Error, Equatable, Codable, Sendable, CustomStringConvertible {
    /// Stable error codes, listed under "Possible errors" in docs/control-api.md.
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// Not JSON, not an object, a missing field, a field of the wrong type or an unknown field.
        case invalidRequest = "invalid-request"
        /// `v` is not a version this daemon speaks.
        case unsupportedVersion = "unsupported-version"
        /// `cmd` names no command.
        case unknownCommand = "unknown-command"
        /// A field has the right type but an unacceptable value (e.g. an unsafe AT string).
        case invalidArgument = "invalid-argument"
        /// The request line exceeded `controlMaxRequestBytes`; the connection is closed.
        case requestTooLarge = "request-too-large"
        /// The request line did not complete in time; the connection is closed.
        case timeout
        /// The peer's credentials do not allow this command.
        case permissionDenied = "permission-denied"
        /// Too many clients, or a conflicting command is in progress.
        case busy
        /// The command cannot run in the current state (e.g. `at` with no module).
        case notAvailable = "not-available"
        /// The command ran and failed; the message says why.
        case failed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// `text` with control bytes escaped and cut to 64 characters, for echoing untrusted input
    /// back in an error message.
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 64 ? out + "..." : out
    }
}
