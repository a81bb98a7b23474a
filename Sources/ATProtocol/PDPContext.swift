/// `<PDP_type>` of `AT+CGDCONT`.
public enum PDPType: String, Equatable, Sendable, CaseIterable {
    case ipv4 = "IP"
    case ipv6 = "IPV6"
    case ipv4v6 = "IPV4V6"
    case nonIP = "Non-IP"

    /// `<context_type>` of `AT+QICSGP` (1 IPv4, 2 IPv6, 3 IPv4v6; Non-IP has none, use 1).
    var qicsgpContextType: Int {
        switch self {
        case .ipv4, .nonIP: return 1
        case .ipv6: return 2
        case .ipv4v6: return 3
        }
    }
}

/// `<authentication>` of `AT+QICSGP`.
public enum Authentication: Int, Equatable, Sendable, CaseIterable {
    case none = 0
    case pap = 1
    case chap = 2
    case papOrChap = 3
}

/// One line of the `AT+CGDCONT?` reply: `+CGDCONT: <cid>,"<type>","<apn>",...`.
/// Fields after the APN vary by firmware and are ignored (at most 16 fields in all).
public struct PDPContextDefinition: Equatable, Sendable, ATReply {
    public let cid: Int
    public let type: PDPType
    public let apn: String

    public static var linePrefix: String? { "+CGDCONT" }

    public init(cid: Int, type: PDPType, apn: String) {
        self.cid = cid
        self.type = type
        self.apn = apn
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CGDCONT")
        try info.requireAtMost(16)
        cid = try info.int(0, "cid", in: 0...255)
        let typeText = try info.string(1, "PDP_type")
        guard let type = PDPType.allCases.first(where: { $0.rawValue.uppercased() == typeText.uppercased() }) else {
            throw ATParseError(.unknownValue(field: "PDP_type"), line: line)
        }
        self.type = type
        apn = info.fields.count > 2 ? try info.string(2, "APN") : ""
        guard apn.isPrintableASCII(maxLength: 100) else { throw ATParseError(.invalidText(field: "APN"), line: line) }
    }
}

/// One line of the `AT+CGACT?` reply: `+CGACT: <cid>,<state>`.
public struct ContextActivation: Equatable, Sendable, ATReply {
    public let cid: Int
    public let isActive: Bool

    public static var linePrefix: String? { "+CGACT" }

    public init(cid: Int, isActive: Bool) {
        self.cid = cid
        self.isActive = isActive
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CGACT")
        try info.requireAtMost(2)
        cid = try info.int(0, "cid", in: 0...255)
        isActive = try info.int(1, "state", in: 0...1) == 1
    }
}

/// `+CGATT: <state>` (27.007 §10.1.9).
public struct AttachState: Equatable, Sendable, ATReply {
    public let isAttached: Bool

    public static var linePrefix: String? { "+CGATT" }

    public init(isAttached: Bool) { self.isAttached = isAttached }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CGATT")
        try info.requireAtMost(1)
        isAttached = try info.int(0, "state", in: 0...1) == 1
    }
}

/// An IPv4 address as carried in AT replies (dotted quad, each part 0...255, at most 3 digits).
public struct PDPIPv4Address: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let octets: [UInt8]

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { octets = [a, b, c, d] }

    /// Nil unless `text` is exactly a dotted quad.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count),
                  part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(part), value <= 255
            else { return nil }
            octets.append(UInt8(value))
        }
        self.octets = octets
    }

    /// 0.0.0.0: the module's way of saying "no address".
    public var isUnspecified: Bool { octets.allSatisfy { $0 == 0 } }

    public var description: String { octets.map { String($0) }.joined(separator: ".") }
}

/// `+CGPADDR: <cid>[,<addr1>[,<addr2>]]` with addresses quoted or bare, e.g.
/// `+CGPADDR: 1,10.64.11.124`. An IPv6 address is kept as text (colon-hex or 27.007's
/// dotted 16-octet form); only hex digits, `:` and `.` are accepted in it.
public struct PDPAddress: Equatable, Sendable, ATReply {
    public let cid: Int
    public let ipv4: PDPIPv4Address?
    public let ipv6: String?

    public static var linePrefix: String? { "+CGPADDR" }

    public init(cid: Int, ipv4: PDPIPv4Address?, ipv6: String? = nil) {
        self.cid = cid
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CGPADDR")
        try info.requireAtMost(3)
        cid = try info.int(0, "cid", in: 0...255)
        var ipv4: PDPIPv4Address?
        var ipv6: String?
        for index in 1..<max(1, info.fields.count) where info.has(index) {
            let text = try info.text(index, "PDP_addr")
            if let address = PDPIPv4Address(text) {
                guard ipv4 == nil else { throw ATParseError(.unknownValue(field: "PDP_addr"), line: line) }
                ipv4 = address
            } else if Self.looksLikeIPv6(text) {
                guard ipv6 == nil else { throw ATParseError(.unknownValue(field: "PDP_addr"), line: line) }
                ipv6 = text
            } else {
                throw ATParseError(.unknownValue(field: "PDP_addr"), line: line)
            }
        }
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    private static func looksLikeIPv6(_ text: String) -> Bool {
        let dots = text.utf8.filter { $0 == UInt8(ascii: ".") }.count
        let colons = text.utf8.filter { $0 == UInt8(ascii: ":") }.count
        guard (2...64).contains(text.utf8.count), colons >= 2 || dots == 15 else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                 UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: ":"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
    }
}
