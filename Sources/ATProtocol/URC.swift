/// An unsolicited result code (bg95-reference.md, "URCs to handle at any time").
///
/// `URC.parse` never fails: a line with a known URC prefix but bad content is `.malformed`
/// (with the reason), a line with no known prefix is `.unknown`.
public enum URC: Equatable, Sendable {
    /// `RDY`: the module booted (may be missed if printed before the tty is open).
    case ready
    /// `APP RDY`: boot finished, AT commands fully usable.
    case appReady
    /// `POWERED DOWN` (also `NORMAL POWER DOWN`).
    case poweredDown
    /// `+CFUN: <fun>`.
    case functionality(Functionality)
    /// `+CPIN: <state>`.
    case sim(SIMState)
    /// `+QUSIM: <n>`: USIM detected (1) during boot.
    case usim(Int)
    /// `+QIND: SMS DONE`, `+QIND: PB DONE`, ...
    case indication(Indication)
    /// `+CEREG: <stat>[,"<tac>","<ci>",<AcT>[,<cause_type>,<reject_cause>]]`.
    case registration(RegistrationInfo)
    /// `+CGEV: NW DEACT ...`, `+CGEV: NW DETACH`, ...
    case packetDomain(PacketDomainEvent)
    /// `+QIURC: "pdpdeact",<cid>`: the network deactivated the context.
    case pdpDeactivated(cid: Int)
    /// `+QNETDEVSTATUS: <0/1>`.
    case netDeviceStatus(NetDeviceStatus)
    /// `+QPING: ...` results of `AT+QPING`.
    case ping(PingEvent)
    /// `+QGPSURC: ...`: GNSS, ignored by the daemon.
    case gnss
    /// A known URC prefix with content that did not parse.
    case malformed(ATParseError)
    /// Not a URC this module knows, cut to 256 characters.
    case unknown(String)

    /// Prefixes (and whole lines) recognised as URCs.
    public static let knownPrefixes: Set<String> = [
        "+CFUN", "+CPIN", "+QUSIM", "+QIND", "+CEREG", "+CGEV", "+QIURC", "+QNETDEVSTATUS", "+QPING", "+QGPSURC",
    ]

    /// Classifies one line. Never traps.
    public static func parse(_ line: String) -> URC {
        switch line {
        case "RDY": return .ready
        case "APP RDY": return .appReady
        case "POWERED DOWN", "NORMAL POWER DOWN": return .poweredDown
        default: break
        }
        guard let prefix = ATInformationLine.prefix(of: line), knownPrefixes.contains(prefix) else {
            return .unknown(String(line.prefix(256)))
        }
        do throws(ATParseError) {
            switch prefix {
            case "+CFUN": return .functionality(try Functionality(parsing: line))
            case "+CPIN": return .sim(try SIMState(parsing: line))
            case "+QUSIM":
                let info = try ATInformationLine(line, expectedPrefix: "+QUSIM")
                try info.requireAtMost(1)
                return .usim(try info.int(0, "usim", in: 0...255))
            case "+QIND": return .indication(try Indication(parsing: line))
            case "+CEREG": return .registration(try RegistrationInfo(parsingURC: line))
            case "+CGEV": return .packetDomain(try PacketDomainEvent(parsing: line))
            case "+QIURC": return try parseQIURC(line)
            case "+QNETDEVSTATUS": return .netDeviceStatus(try NetDeviceStatus(parsing: line))
            case "+QPING": return .ping(try PingEvent(parsing: line))
            case "+QGPSURC": return .gnss
            default: return .unknown(String(line.prefix(256)))
            }
        } catch {
            return .malformed(error)
        }
    }

    /// Only `"pdpdeact"` is typed; other `+QIURC` kinds (socket events the daemon never
    /// opens) are `.unknown`.
    private static func parseQIURC(_ line: String) throws(ATParseError) -> URC {
        let info = try ATInformationLine(line, expectedPrefix: "+QIURC")
        guard try info.string(0, "type").lowercased() == "pdpdeact" else {
            return .unknown(String(line.prefix(256)))
        }
        try info.requireAtMost(2)
        return .pdpDeactivated(cid: try info.int(1, "cid", in: 0...255))
    }
}
