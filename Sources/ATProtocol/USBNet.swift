/// `<mode>` of `AT+QCFGEXT="usbnet"`: which function USB interfaces 3/4 carry.
public enum USBNetMode: String, Equatable, Sendable, CaseIterable, ATReply {
    case modem
    case ecm
    case rmnet

    public static var linePrefix: String? { "+QCFGEXT" }

    /// Parses `+QCFGEXT: "usbnet","modem"`.
    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QCFGEXT")
        try info.requireAtMost(2)
        guard try info.string(0, "name").lowercased() == "usbnet" else {
            throw ATParseError(.unknownValue(field: "name"), line: line)
        }
        guard let mode = USBNetMode(rawValue: try info.text(1, "mode").lowercased()) else {
            throw ATParseError(.unknownValue(field: "mode"), line: line)
        }
        self = mode
    }
}

/// The `usbnet` line of the `AT+QCFGEXT=?` reply: which modes this firmware lists. Seen shapes:
/// `+QCFGEXT: "usbnet",("modem","ecm","rmnet")`, `+QCFGEXT: "usbnet","ecm,modem"`.
/// Unknown mode names are skipped. Listing is a hint, not a promise (one firmware lists
/// `rmnet` and answers ERROR to it).
public struct USBNetSupport: Equatable, Sendable, ATReply {
    public let modes: [USBNetMode]

    public static var linePrefix: String? { "+QCFGEXT" }

    public init(modes: [USBNetMode]) { self.modes = modes }

    /// Parses one test line; throws `.unknownValue(field: "name")` if it is not the `usbnet` one.
    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QCFGEXT")
        try info.requireAtMost(8)
        guard try info.text(0, "name").lowercased() == "usbnet" else {
            throw ATParseError(.unknownValue(field: "name"), line: line)
        }
        guard info.fields.count > 1 else { throw ATParseError(.missingField("modes"), line: line) }
        var modes: [USBNetMode] = []
        for field in info.fields.dropFirst() {
            let text: String
            switch field {
            case .quoted(let value), .bare(let value): text = value
            }
            for token in text.split(whereSeparator: { $0 == "," || $0 == "(" || $0 == ")" || $0 == "\"" || $0 == " " }) {
                if let mode = USBNetMode(rawValue: token.lowercased()), !modes.contains(mode) {
                    modes.append(mode)
                }
            }
        }
        self.modes = modes
    }

    /// Finds and parses the `usbnet` line among all lines of an `AT+QCFGEXT=?` reply.
    public init(parsingTestReply lines: [String]) throws(ATParseError) {
        for line in lines where ATInformationLine.prefix(of: line) == "+QCFGEXT" {
            guard let info = try? ATInformationLine(line), info.has(0),
                  let name = try? info.text(0, "name"), name.lowercased() == "usbnet"
            else { continue }
            try self.init(parsing: line)
            return
        }
        throw ATParseError(.missingField("usbnet"), line: lines.first ?? "")
    }

    public func supports(_ mode: USBNetMode) -> Bool { modes.contains(mode) }
}
