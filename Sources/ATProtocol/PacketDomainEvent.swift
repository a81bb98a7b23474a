import BG95Core

/// `+CGEV: ...` (27.007 §10.1.19), packet domain events. The forms carrying a context id:
/// `NW PDN DEACT <cid>`, `ME PDN DEACT <cid>`, `NW DEACT "<type>","<addr>"[,<cid>]` (legacy),
/// `NW DEACT <p_cid>,<cid>,<event_type>` (secondary context: `cid` is the secondary one),
/// the same for `ME DEACT`, and `NW PDN ACT <cid>` / `ME PDN ACT <cid>[,<reason>]`.
public enum PacketDomainEvent: Equatable, Sendable, ATReply {
    /// The network deactivated a context (`NW PDN DEACT`, `NW DEACT`).
    case networkDeactivated(cid: Int?)
    /// The module deactivated a context (`ME PDN DEACT`, `ME DEACT`).
    case moduleDeactivated(cid: Int?)
    /// The network detached the module (`NW DETACH`).
    case networkDetach
    /// The module detached (`ME DETACH`).
    case moduleDetach
    /// A context was activated (`NW PDN ACT`, `ME PDN ACT`).
    case activated(cid: Int?)
    /// Any other event (`NW CLASS`, `REJECT`, `NW MODIFY`, ...), its text cut to 64 characters.
    case other(String)

    public static var linePrefix: String? { "+CGEV" }

    public init(parsing line: String) throws(ATParseError) {
        let body = try freeText(of: line, prefix: "+CGEV", field: "event")
        let keywords: [(String, (Int?) -> PacketDomainEvent)] = [
            ("NW PDN DEACT", { .networkDeactivated(cid: $0) }),
            ("ME PDN DEACT", { .moduleDeactivated(cid: $0) }),
            ("NW PDN ACT", { .activated(cid: $0) }),
            ("ME PDN ACT", { .activated(cid: $0) }),
            ("NW DEACT", { .networkDeactivated(cid: $0) }),
            ("ME DEACT", { .moduleDeactivated(cid: $0) }),
        ]
        if body == "NW DETACH" { self = .networkDetach; return }
        if body == "ME DETACH" { self = .moduleDetach; return }
        for (keyword, make) in keywords where body == keyword || body.hasPrefix(keyword + " ") {
            let arguments = String(body.dropFirst(keyword.count)).trimmingSpaces()
            self = make(try Self.contextID(in: arguments, pdnForm: keyword.containsText("PDN"), line: line))
            return
        }
        self = .other(String(body.prefix(64)))
    }

    private static func contextID(in arguments: String, pdnForm: Bool, line: String) throws(ATParseError) -> Int? {
        guard !arguments.isEmpty else { return nil }
        let info = try ATInformationLine("+CGEV: " + arguments)
        try info.requireAtMost(4)
        if pdnForm {
            return try info.int(0, "cid", in: 0...255)
        }
        if case .quoted = info.fields[0] {
            // Legacy `"<PDP_type>","<PDP_addr>"[,<cid>]`.
            return try info.optionalInt(2, "cid", in: 0...255)
        }
        // `<p_cid>,<cid>,<event_type>` or a lone `<cid>`.
        let first = try info.int(0, "cid", in: 0...255)
        return info.fields.count >= 2 ? try info.int(1, "cid", in: 0...255) : first
    }
}

/// `+QIND: ...` (Quectel indications).
public enum Indication: Equatable, Sendable, ATReply {
    /// `+QIND: SMS DONE`: SMS initialisation finished (boot sequence).
    case smsDone
    /// `+QIND: PB DONE`: phonebook initialisation finished.
    case phonebookDone
    /// Any other indication (`"csq",...`, `"FOTA",...`), cut to 64 characters.
    case other(String)

    public static var linePrefix: String? { "+QIND" }

    public init(parsing line: String) throws(ATParseError) {
        let body = try freeText(of: line, prefix: "+QIND", field: "indication")
        switch body {
        case "SMS DONE": self = .smsDone
        case "PB DONE": self = .phonebookDone
        default: self = .other(String(body.prefix(64)))
        }
    }
}

/// The text after `prefix:` of a free-text URC (`+CGEV`, `+QIND`), trimmed. Refused when the
/// prefix differs, or the text is empty, not printable ASCII or longer than 200 characters.
private func freeText(of line: String, prefix: String, field: String) throws(ATParseError) -> String {
    guard ATInformationLine.prefix(of: line) == prefix else {
        throw ATParseError(.unexpectedPrefix(expected: prefix), line: line)
    }
    let body = ATInformationLine.text(afterPrefixOf: line).trimmingSpaces()
    guard !body.isEmpty else { throw ATParseError(.missingField(field), line: line) }
    guard body.isPrintableASCII(maxLength: 200) else { throw ATParseError(.invalidText(field: field), line: line) }
    return body
}
