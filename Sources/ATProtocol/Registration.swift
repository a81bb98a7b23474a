/// `<stat>` of `+CEREG` (27.007 §10.1.22).
public enum RegistrationStatus: Int, Equatable, Sendable, CaseIterable, CustomStringConvertible {
    case notSearching = 0
    case home = 1
    case searching = 2
    case denied = 3
    case unknown = 4
    case roaming = 5
    case smsOnlyHome = 6
    case smsOnlyRoaming = 7
    case emergencyOnly = 8

    /// Registered for packet data (home or roaming).
    public var isRegistered: Bool { self == .home || self == .roaming }

    /// The short spelling status, JSON and metrics use: `home`, `not-searching`, ...
    public var name: String {
        switch self {
        case .notSearching: return "not-searching"
        case .home: return "home"
        case .searching: return "searching"
        case .denied: return "denied"
        case .unknown: return "unknown"
        case .roaming: return "roaming"
        case .smsOnlyHome: return "sms-only-home"
        case .smsOnlyRoaming: return "sms-only-roaming"
        case .emergencyOnly: return "emergency-only"
        }
    }

    public var description: String {
        switch self {
        case .notSearching: return "not registered, not searching"
        case .home: return "registered, home"
        case .searching: return "searching"
        case .denied: return "registration denied"
        case .unknown: return "unknown"
        case .roaming: return "registered, roaming"
        case .smsOnlyHome: return "registered for SMS only, home"
        case .smsOnlyRoaming: return "registered for SMS only, roaming"
        case .emergencyOnly: return "attached for emergency bearer services only"
        }
    }
}

/// `<AcT>` as Quectel reports it: 8 is eMTC (Cat-M1) and 9 NB-IoT, although 27.007 calls
/// 8 EC-GSM-IoT; read `+QNWINFO` to be sure.
public enum AccessTechnology: Equatable, Hashable, Sendable, CustomStringConvertible {
    case gsm
    case eutran
    case catM1
    case nbIoT
    case other(Int)

    public init(code: Int) {
        switch code {
        case 0: self = .gsm
        case 7: self = .eutran
        case 8: self = .catM1
        case 9: self = .nbIoT
        default: self = .other(code)
        }
    }

    public var code: Int {
        switch self {
        case .gsm: return 0
        case .eutran: return 7
        case .catM1: return 8
        case .nbIoT: return 9
        case .other(let code): return code
        }
    }

    public var description: String {
        switch self {
        case .gsm: return "GSM"
        case .eutran: return "LTE"
        case .catM1: return "eMTC"
        case .nbIoT: return "NB-IoT"
        case .other(let code): return "AcT \(code)"
        }
    }
}

/// `<cause_type>,<reject_cause>` of `+CEREG` with n=3 or n=5: why registration was refused.
public struct RejectCause: Equatable, Sendable, CustomStringConvertible {
    /// 0: `cause` is an EMM cause (24.301 Annex A); 1: manufacturer specific.
    public let type: Int
    public let cause: Int
    public init(type: Int, cause: Int) {
        self.type = type
        self.cause = cause
    }
    public var description: String { type == 0 ? "EMM cause \(cause)" : "cause \(cause) (type \(type))" }
}

/// The registration fields shared by the `+CEREG` URC and read reply:
/// `<stat>[,[<tac>],[<ci>],[<AcT>][,<cause_type>,<reject_cause>][,[<Active-Time>],[<Periodic-TAU>]]]`.
/// `<tac>` and `<ci>` must be quoted hex strings (or left empty), which is also how the URC
/// shape is told apart from the read reply.
public struct RegistrationInfo: Equatable, Sendable {
    public var status: RegistrationStatus
    /// Tracking area code.
    public var trackingAreaCode: UInt32?
    /// E-UTRAN cell id (28 bits).
    public var cellID: UInt32?
    public var accessTechnology: AccessTechnology?
    public var rejectCause: RejectCause?
    /// PSM timers as the raw bit strings (n=4/5), e.g. `"00100100"`.
    public var activeTime: String?
    public var periodicTAU: String?

    public init(
        status: RegistrationStatus, trackingAreaCode: UInt32? = nil, cellID: UInt32? = nil,
        accessTechnology: AccessTechnology? = nil, rejectCause: RejectCause? = nil,
        activeTime: String? = nil, periodicTAU: String? = nil
    ) {
        self.status = status
        self.trackingAreaCode = trackingAreaCode
        self.cellID = cellID
        self.accessTechnology = accessTechnology
        self.rejectCause = rejectCause
        self.activeTime = activeTime
        self.periodicTAU = periodicTAU
    }

    /// Parses the URC shape `+CEREG: <stat>[,...]`.
    public init(parsingURC line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CEREG")
        try self.init(info, from: 0)
    }

    init(_ info: ATInformationLine, from start: Int) throws(ATParseError) {
        try info.requireAtMost(start + 8)
        let statValue = try info.int(start, "stat", in: 0...255)
        guard let status = RegistrationStatus(rawValue: statValue) else {
            throw ATParseError(.outOfRange(field: "stat"), line: info.line)
        }
        self.status = status
        trackingAreaCode = try Self.quotedHex(info, start + 1, "tac", maxDigits: 6)
        cellID = try Self.quotedHex(info, start + 2, "ci", maxDigits: 8)
        accessTechnology = try info.optionalInt(start + 3, "AcT", in: 0...255).map(AccessTechnology.init(code:))
        let causeType = try info.optionalInt(start + 4, "cause_type", in: 0...1)
        let cause = try info.optionalInt(start + 5, "reject_cause", in: 0...255)
        switch (causeType, cause) {
        case (let type?, let cause?): rejectCause = RejectCause(type: type, cause: cause)
        case (nil, nil): rejectCause = nil
        case (nil, _?): throw ATParseError(.missingField("cause_type"), line: info.line)
        case (_?, nil): throw ATParseError(.missingField("reject_cause"), line: info.line)
        }
        activeTime = try Self.bitString(info, start + 6, "Active-Time")
        periodicTAU = try Self.bitString(info, start + 7, "Periodic-TAU")
    }

    private static func quotedHex(
        _ info: ATInformationLine, _ index: Int, _ name: String, maxDigits: Int
    ) throws(ATParseError) -> UInt32? {
        guard info.has(index) else { return nil }
        let text = try info.string(index, name)
        if text.isEmpty { return nil }
        let value = try ATNumber.hex(text, field: name, maxDigits: maxDigits, line: info.line)
        guard value <= UInt64(UInt32.max) else { throw ATParseError(.outOfRange(field: name), line: info.line) }
        return UInt32(value)
    }

    private static func bitString(_ info: ATInformationLine, _ index: Int, _ name: String) throws(ATParseError) -> String? {
        guard info.has(index) else { return nil }
        let text = try info.string(index, name)
        guard text.utf8.count <= 8, text.utf8.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }) else {
            throw ATParseError(.invalidText(field: name), line: info.line)
        }
        return text.isEmpty ? nil : text
    }
}

/// The reply to `AT+CEREG?`: `+CEREG: <n>,<stat>[,...]`.
public struct RegistrationReadReply: Equatable, Sendable, ATReply {
    /// The URC mode set with `AT+CEREG=<n>`.
    public let reporting: RegistrationReporting
    public let info: RegistrationInfo

    public static var linePrefix: String? { "+CEREG" }

    public init(reporting: RegistrationReporting, info: RegistrationInfo) {
        self.reporting = reporting
        self.info = info
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+CEREG")
        let n = try info.int(0, "n", in: 0...5)
        reporting = RegistrationReporting(rawValue: n)!  // 0...5 are all cases
        self.info = try RegistrationInfo(info, from: 1)
    }
}

/// `<n>` of `AT+CEREG=<n>`: which `+CEREG` URCs the module sends.
public enum RegistrationReporting: Int, Equatable, Sendable, CaseIterable {
    case disabled = 0
    case status = 1
    /// Status with `<tac>`, `<ci>`, `<AcT>`: what the daemon uses.
    case location = 2
    case locationAndCause = 3
    case locationAndPSM = 4
    case locationCauseAndPSM = 5
}
