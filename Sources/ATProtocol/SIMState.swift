/// `+CPIN: <code>` (27.007 §8.3), the reply to `AT+CPIN?` and the URC during boot.
public enum SIMState: String, Equatable, Sendable, CaseIterable, ATReply {
    case ready = "READY"
    case pinRequired = "SIM PIN"
    case pukRequired = "SIM PUK"
    case pin2Required = "SIM PIN2"
    case puk2Required = "SIM PUK2"
    case phoneSIMPINRequired = "PH-SIM PIN"
    /// Quectel firmware reports a missing SIM this way (others answer `+CME ERROR: 10`).
    case notInserted = "NOT INSERTED"
    case notReady = "NOT READY"

    public static var linePrefix: String? { "+CPIN" }

    /// Throws `.unknownValue` for a code not listed here.
    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CPIN")
        try info.requireAtMost(1)
        let code = try info.text(0, "code")
        guard let state = SIMState(rawValue: code) else {
            throw ATParseError(.unknownValue(field: "code"), line: line)
        }
        self = state
    }
}
