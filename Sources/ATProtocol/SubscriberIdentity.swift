/// `AT+CGSN`: the module's IMEI, 15 decimal digits on a bare line (some firmware prints
/// `+CGSN: <imei>` or `"<imei>"`; both are accepted).
public struct IMEI: Equatable, Hashable, Sendable, ATReply, CustomStringConvertible {
    public let digits: String

    public static var linePrefix: String? { nil }

    public init(parsing line: String) throws(ATParseError) {
        digits = try parseDigits(line, prefix: "+CGSN", field: "imei", lengths: 14...17)
    }

    public var description: String { digits }
}

/// `AT+CIMI`: the SIM's IMSI, 6-15 decimal digits on a bare line.
public struct IMSI: Equatable, Hashable, Sendable, ATReply, CustomStringConvertible {
    public let digits: String

    public static var linePrefix: String? { nil }

    public init(parsing line: String) throws(ATParseError) {
        digits = try parseDigits(line, prefix: "+CIMI", field: "imsi", lengths: 6...15)
    }

    /// MCC + MNC guessed as the first five digits (enough for logs; the MNC may have 3 digits).
    public var homeNetwork: String { String(digits.prefix(5)) }

    public var description: String { digits }
}

/// `AT+QCCID`: `+QCCID: <iccid>`, the SIM card's serial: 18-22 characters, digits and the
/// hexadecimal `F` padding some cards report.
public struct ICCID: Equatable, Hashable, Sendable, ATReply, CustomStringConvertible {
    public let text: String

    public static var linePrefix: String? { "+QCCID" }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QCCID")
        try info.requireAtMost(1)
        let value = try info.text(0, "iccid")
        guard (18...22).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x46 || $0 == 0x66 })
        else { throw ATParseError(.invalidText(field: "iccid"), line: line) }
        text = value.uppercased()
    }

    public var description: String { text }
}

/// A run of decimal digits, bare, quoted or after `+NAME:`; anything else is refused.
private func parseDigits(_ line: String, prefix: String, field: String, lengths: ClosedRange<Int>) throws(ATParseError) -> String {
    var body = Substring(line)
    if body.hasPrefix(prefix + ":") { body = body.dropFirst(prefix.count + 1) }
    body = body.drop(while: { $0 == " " })
    if body.count >= 2, body.first == "\"", body.last == "\"" { body = body.dropFirst().dropLast() }
    guard lengths.contains(body.utf8.count), body.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
        throw ATParseError(.invalidText(field: field), line: line)
    }
    return String(body)
}
