/// `+QCSQ: "<sysmode>",...` (Quectel): the serving cell's signal, e.g.
/// `+QCSQ: "eMTC",-65,-92,150,-10` or `+QCSQ: "NOSERVICE"`.
public enum ServingSignal: Equatable, Sendable, ATReply {
    case noService
    /// `+QCSQ: "GSM",<rssi>`.
    case gsm(rssi: Int)
    /// `+QCSQ: "eMTC",<rssi>,<rsrp>,<sinr>,<rsrq>`.
    case catM1(LTESignal)
    /// `+QCSQ: "NBIoT",<rssi>,<rsrp>,<sinr>,<rsrq>`.
    case nbIoT(LTESignal)

    public static var linePrefix: String? { "+QCSQ" }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QCSQ")
        let mode = try info.string(0, "sysmode")
        switch mode.uppercased() {
        case "NOSERVICE":
            try info.requireAtMost(1)
            self = .noService
        case "GSM":
            try info.requireAtMost(2)
            self = .gsm(rssi: try info.int(1, "rssi", in: -150...0))
        case "EMTC", "CAT-M", "CAT-M1":
            self = .catM1(try LTESignal(info))
        case "NBIOT", "NB-IOT":
            self = .nbIoT(try LTESignal(info))
        default:
            throw ATParseError(.unknownValue(field: "sysmode"), line: line)
        }
    }
}

/// LTE signal values of `+QCSQ`.
public struct LTESignal: Equatable, Sendable {
    /// dBm.
    public let rssi: Int
    /// dBm.
    public let rsrp: Int
    /// Raw 0...250, see `sinrDecibels`.
    public let sinr: Int
    /// dB.
    public let rsrq: Int

    public init(rssi: Int, rsrp: Int, sinr: Int, rsrq: Int) {
        self.rssi = rssi
        self.rsrp = rsrp
        self.sinr = sinr
        self.rsrq = rsrq
    }

    /// SINR in dB: 0...250 maps to -20...+30 dB in 0.2 dB steps.
    public var sinrDecibels: Double { Double(sinr) / 5 - 20 }

    init(_ info: ATInformationLine) throws(ATParseError) {
        try info.requireAtMost(5)
        rssi = try info.int(1, "rssi", in: -150...0)
        rsrp = try info.int(2, "rsrp", in: -160...0)
        sinr = try info.int(3, "sinr", in: 0...250)
        rsrq = try info.int(4, "rsrq", in: -50...0)
    }
}

/// `+CSQ: <rssi>,<ber>` (27.007 §8.5).
public struct SignalQuality: Equatable, Sendable, ATReply {
    /// 0...31, or 99 when unknown.
    public let rssi: Int
    /// 0...7, or 99 when unknown.
    public let bitErrorRate: Int

    public static var linePrefix: String? { "+CSQ" }

    public init(rssi: Int, bitErrorRate: Int) {
        self.rssi = rssi
        self.bitErrorRate = bitErrorRate
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CSQ")
        try info.requireAtMost(2)
        rssi = try info.int(0, "rssi", in: 0...99)
        bitErrorRate = try info.int(1, "ber", in: 0...99)
        guard rssi <= 31 || rssi == 99 else { throw ATParseError(.outOfRange(field: "rssi"), line: line) }
        guard bitErrorRate <= 7 || bitErrorRate == 99 else {
            throw ATParseError(.outOfRange(field: "ber"), line: line)
        }
    }

    /// -113 dBm + 2 dB per step; nil when unknown (99).
    public var rssiDBm: Int? { rssi == 99 ? nil : -113 + 2 * rssi }
}
