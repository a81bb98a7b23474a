/// `+QNWINFO: "<act>","<oper>","<band>",<channel>` (Quectel), e.g.
/// `+QNWINFO: "eMTC","26201","LTE BAND 20",6300`, or `+QNWINFO: No Service`.
/// Firmware sends `<oper>` quoted or bare; both are accepted.
public enum NetworkInfo: Equatable, Sendable, ATReply {
    case noService
    case serving(ServingNetwork)

    public struct ServingNetwork: Equatable, Sendable {
        /// `"eMTC"`, `"NBIoT"`, `"GSM"`, ...
        public let accessTechnology: String
        /// MCC+MNC, e.g. `26201`.
        public let operatorCode: String
        /// e.g. `LTE BAND 20`.
        public let band: String
        /// EARFCN / ARFCN.
        public let channel: Int

        public init(accessTechnology: String, operatorCode: String, band: String, channel: Int) {
            self.accessTechnology = accessTechnology
            self.operatorCode = operatorCode
            self.band = band
            self.channel = channel
        }
    }

    public static var linePrefix: String? { "+QNWINFO" }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QNWINFO")
        if info.fields.count == 1, case .bare(let text) = info.fields[0], text.uppercased() == "NO SERVICE" {
            self = .noService
            return
        }
        try info.requireAtMost(4)
        let act = try info.string(0, "act")
        let oper = try info.text(1, "oper")
        let band = try info.string(2, "band")
        let channel = try info.int(3, "channel", in: 0...999_999)
        for (name, value) in [("act", act), ("oper", oper), ("band", band)] where !value.isPrintableASCII(maxLength: 32) {
            throw ATParseError(.invalidText(field: name), line: line)
        }
        guard act.uppercased() != "NOSERVICE" else {
            self = .noService
            return
        }
        self = .serving(ServingNetwork(accessTechnology: act, operatorCode: oper, band: band, channel: channel))
    }
}
