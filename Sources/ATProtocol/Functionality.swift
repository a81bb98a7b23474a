/// `<fun>` of `AT+CFUN` (27.007 §8.2) and the `+CFUN: <fun>` URC.
public enum Functionality: Int, Equatable, Sendable, CaseIterable, ATReply {
    /// Radio and SIM off.
    case minimum = 0
    case full = 1
    /// Radio off, SIM on (airplane mode).
    case radioOff = 4

    public static var linePrefix: String? { "+CFUN" }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CFUN")
        try info.requireAtMost(1)
        guard let level = Functionality(rawValue: try info.int(0, "fun", in: 0...255)) else {
            throw ATParseError(.unknownValue(field: "fun"), line: line)
        }
        self = level
    }
}
