/// `AT+QCFG="nwscanmode"`: which RATs the module searches.
public enum ScanMode: Int, Equatable, Sendable, CaseIterable, ATReply {
    case automatic = 0
    case gsmOnly = 1
    case lteOnly = 3

    public static var linePrefix: String? { "+QCFG" }

    /// Parses `+QCFG: "nwscanmode",<mode>`.
    public init(parsing line: String) throws(ATParseError) {
        let value = try QCFGLine.int(line, name: "nwscanmode", range: 0...3)
        guard let mode = ScanMode(rawValue: value) else {
            throw ATParseError(.unknownValue(field: "nwscanmode"), line: line)
        }
        self = mode
    }
}

/// `AT+QCFG="iotopmode"`: which LTE flavour the module uses.
public enum IoTOperatingMode: Int, Equatable, Sendable, CaseIterable, ATReply {
    case catM1 = 0
    case nbIoT = 1
    case catM1AndNBIoT = 2

    public static var linePrefix: String? { "+QCFG" }

    /// Parses `+QCFG: "iotopmode",<mode>`.
    public init(parsing line: String) throws(ATParseError) {
        self = IoTOperatingMode(rawValue: try QCFGLine.int(line, name: "iotopmode", range: 0...2))!
    }
}

/// One entry of the `nwscanseq` search order.
public enum RadioAccess: Int, Equatable, Sendable, CaseIterable {
    case automatic = 0
    case gsm = 1
    case catM1 = 2
    case nbIoT = 3
}

/// `AT+QCFG="nwscanseq"`: search order, written as two digits per entry (`020301` = eMTC,
/// NB-IoT, GSM). Replies carry it bare (`020301`) or quoted; both are accepted.
public struct ScanSequence: Equatable, Sendable, ATReply {
    public let entries: [RadioAccess]

    public static var linePrefix: String? { "+QCFG" }

    public init(_ entries: [RadioAccess]) { self.entries = entries }

    /// The digits as sent, e.g. `020301`.
    public var code: String {
        entries.map { "0\($0.rawValue)" }.joined()
    }

    /// Parses `+QCFG: "nwscanseq",020301`.
    public init(parsing line: String) throws(ATParseError) {
        let info = try QCFGLine.split(line, name: "nwscanseq")
        let text = try info.text(1, "nwscanseq")
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0, digits.count <= 8 else {
            throw ATParseError(.unknownValue(field: "nwscanseq"), line: line)
        }
        var entries: [RadioAccess] = []
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard digits[pair] == UInt8(ascii: "0"), digits[pair + 1] >= UInt8(ascii: "0"),
                  let entry = RadioAccess(rawValue: Int(digits[pair + 1]) - Int(UInt8(ascii: "0")))
            else { throw ATParseError(.unknownValue(field: "nwscanseq"), line: line) }
            entries.append(entry)
        }
        self.entries = entries
    }
}

/// A band bit mask as hex (bit n-1 = band n). Kept as normalised hex text because eMTC masks
/// of newer bands (B85) need more than 64 bits.
public struct BandMask: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Lower-case hex digits without `0x` and without leading zeros (`"0"` for none).
    public let hexDigits: String

    /// Nil unless `hex` is 1...32 hex digits, optionally after `0x`.
    public init?(hex: String) {
        var digits = Substring(hex)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard (1...32).contains(digits.utf8.count), digits.utf8.allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                 UInt8(ascii: "A")...UInt8(ascii: "F"): return true
            default: return false
            }
        }) else { return nil }
        let trimmed = digits.lowercased().drop(while: { $0 == "0" })
        hexDigits = trimmed.isEmpty ? "0" : String(trimmed)
    }

    /// The mask with the given band numbers (1...128) set; others are ignored.
    public init(bands: [Int]) {
        var nibbles = [UInt8](repeating: 0, count: 32)  // nibbles[0] holds bands 1-4
        for band in bands where (1...128).contains(band) {
            nibbles[(band - 1) / 4] |= UInt8(1 << ((band - 1) % 4))
        }
        let digits = "0123456789abcdef".map { $0 }
        var text = String(nibbles.reversed().map { digits[Int($0)] })
        while text.count > 1, text.hasPrefix("0") { text.removeFirst() }
        hexDigits = text
    }

    /// The band numbers set in the mask, ascending.
    public var bands: [Int] {
        var result: [Int] = []
        for (position, character) in hexDigits.reversed().enumerated() {
            guard let nibble = character.hexDigitValue else { continue }
            for bit in 0..<4 where nibble & (1 << bit) != 0 {
                result.append(position * 4 + bit + 1)
            }
        }
        return result
    }

    public var description: String { "0x\(hexDigits)" }
}

/// `AT+QCFG="band"`: `+QCFG: "band",0xf,0x80084,0x80084` (GSM, eMTC, NB-IoT masks).
public struct BandConfiguration: Equatable, Sendable, ATReply {
    public let gsm: BandMask
    public let catM1: BandMask
    public let nbIoT: BandMask

    public static var linePrefix: String? { "+QCFG" }

    public init(gsm: BandMask, catM1: BandMask, nbIoT: BandMask) {
        self.gsm = gsm
        self.catM1 = catM1
        self.nbIoT = nbIoT
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try QCFGLine.split(line, name: "band")
        try info.requireAtMost(4)
        func mask(_ index: Int, _ name: String) throws(ATParseError) -> BandMask {
            guard let mask = BandMask(hex: try info.text(index, name)) else {
                throw ATParseError(.notAnInteger(field: name), line: line)
            }
            return mask
        }
        gsm = try mask(1, "gsmbandval")
        catM1 = try mask(2, "emtcbandval")
        nbIoT = try mask(3, "nbiotbandval")
    }
}

/// Shared reading of `+QCFG: "<name>",<value>` lines.
enum QCFGLine {
    static func split(_ line: String, name: String) throws(ATParseError) -> ATInformationLine {
        let info = try ATInformationLine(line, expectedPrefix: "+QCFG")
        guard try info.string(0, "name").lowercased() == name else {
            throw ATParseError(.unknownValue(field: "name"), line: line)
        }
        return info
    }

    static func int(_ line: String, name: String, range: ClosedRange<Int>) throws(ATParseError) -> Int {
        let info = try split(line, name: name)
        try info.requireAtMost(2)
        return try info.int(1, name, in: range)
    }
}
