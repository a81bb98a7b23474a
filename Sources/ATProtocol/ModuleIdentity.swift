/// The `AT+QGMR` reply, e.g. `BG95M3LAR02A03_01.202.01.202`: printable ASCII without spaces,
/// 1...64 characters.
public struct FirmwareRevision: Equatable, Hashable, Sendable, ATReply, CustomStringConvertible {
    public let text: String

    public static var linePrefix: String? { nil }

    public init(parsing line: String) throws(ATParseError) {
        guard !line.isEmpty, line.isPrintableASCII(maxLength: 64), !line.contains(" ") else {
            throw ATParseError(.invalidText(field: "revision"), line: line)
        }
        guard ATInformationLine.prefix(of: line) == nil else {
            throw ATParseError(.unexpectedPrefix(expected: "revision text"), line: line)
        }
        text = line
    }

    /// The part before `_` (e.g. `BG95M3LAR02A03`), which `ATI` prints as `Revision:`.
    public var baseRevision: String { String(text.split(separator: "_", maxSplits: 1).first ?? Substring(text)) }

    /// The part after `_` (e.g. `01.202.01.202`), or nil.
    public var subRevision: String? {
        let parts = text.split(separator: "_", maxSplits: 1)
        return parts.count == 2 ? String(parts[1]) : nil
    }

    /// True for BG95 firmware (`BG95...`).
    public var isBG95: Bool { text.hasPrefix("BG95") }

    public var description: String { text }
}

/// The `ATI` reply: `Quectel`, `BG95-M3`, `Revision: BG95M3LAR02A03`.
public struct ModuleIdentity: Equatable, Sendable {
    public let manufacturer: String
    public let model: String
    public let revision: String

    public init(manufacturer: String, model: String, revision: String) {
        self.manufacturer = manufacturer
        self.model = model
        self.revision = revision
    }

    /// Parses the information lines of an `ATI` response (3 lines; more are refused).
    public init(parsing lines: [String]) throws(ATParseError) {
        guard lines.count <= 3 else {
            throw ATParseError(.extraFields(expected: 3, found: lines.count), line: lines.joined(separator: "|"))
        }
        guard lines.count == 3 else {
            throw ATParseError(.missingField(lines.count < 2 ? "model" : "revision"), line: lines.joined(separator: "|"))
        }
        for line in lines where !line.isPrintableASCII(maxLength: 64) {
            throw ATParseError(.invalidText(field: "ATI"), line: line)
        }
        guard lines[2].hasPrefix("Revision:") else {
            throw ATParseError(.unexpectedPrefix(expected: "Revision:"), line: lines[2])
        }
        manufacturer = lines[0]
        model = lines[1]
        revision = String(lines[2].dropFirst("Revision:".count)).trimmingSpaces()
        guard !revision.isEmpty else { throw ATParseError(.missingField("revision"), line: lines[2]) }
    }
}
