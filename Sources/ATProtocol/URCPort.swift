/// `AT+QURCCFG="urcport"`: the only port that receives URCs. Must be `usbat` for the daemon
/// to see any.
public enum URCPort: String, Equatable, Sendable, CaseIterable, ATReply {
    case usbAT = "usbat"
    case usbModem = "usbmodem"
    case uart1 = "uart1"

    public static var linePrefix: String? { "+QURCCFG" }

    /// Parses `+QURCCFG: "urcport","usbat"`.
    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QURCCFG")
        try info.requireAtMost(2)
        guard try info.string(0, "name").lowercased() == "urcport" else {
            throw ATParseError(.unknownValue(field: "name"), line: line)
        }
        guard let port = URCPort(rawValue: try info.string(1, "port").lowercased()) else {
            throw ATParseError(.unknownValue(field: "port"), line: line)
        }
        self = port
    }
}
