/// An information line `+NAME: field,field,...` split into its fields (27.007 §4.1 syntax).
///
/// Commas inside double quotes or inside parentheses do not split (test replies such as
/// `+QNETDEVCTL: (0,1,3),(1-16)` keep each group as one bare field). A quote that never
/// closes, text glued to a closing quote, or unbalanced parentheses are `ATParseError`s.
public struct ATInformationLine: Equatable, Sendable {
    public enum Field: Equatable, Sendable {
        /// A double-quoted string, without its quotes.
        case quoted(String)
        /// Unquoted text, spaces trimmed; empty when the field was left out (`1,,3`).
        case bare(String)
    }

    /// The whole line as received.
    public let line: String
    /// The name with its leading `+`, e.g. `+CEREG`.
    public let prefix: String
    public let fields: [Field]

    /// Splits `line`; when `expectedPrefix` is given the line must carry exactly that prefix.
    public init(_ line: String, expectedPrefix: String? = nil) throws(ATParseError) {
        guard let prefix = Self.prefix(of: line) else {
            throw ATParseError(.unexpectedPrefix(expected: expectedPrefix ?? "+NAME:"), line: line)
        }
        if let expectedPrefix, prefix != expectedPrefix {
            throw ATParseError(.unexpectedPrefix(expected: expectedPrefix), line: line)
        }
        self.line = line
        self.prefix = prefix
        self.fields = try Self.split(Substring(Self.text(afterPrefixOf: line)), line: line)
    }

    /// The `+NAME` of an information line (letters, digits, `&`), or nil when `line` has none.
    /// What follows the first `:` of `line` (empty when there is none). The colon is found in
    /// the UTF-8 bytes, as `prefix(of:)` does: a `:` followed by a combining mark is no
    /// `Character` of its own, so a character search would miss it.
    public static func text(afterPrefixOf line: String) -> String {
        let bytes = line.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return "" }
        return String(decoding: bytes[bytes.index(after: colon)...], as: UTF8.self)
    }

    public static func prefix(of line: String) -> String? {
        let bytes = line.utf8
        guard let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "^") else {
            return nil
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = line[..<colon]
        guard name.utf8.count >= 2, name.utf8.count <= 24 else { return nil }
        for byte in name.utf8.dropFirst() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "&"), UInt8(ascii: "_"):
                continue
            default:
                return nil
            }
        }
        return String(name).uppercased()
    }

    private static func split(_ text: Substring, line: String) throws(ATParseError) -> [Field] {
        var fields: [Field] = []
        var current = ""
        var quoted: String?     // set once a quoted string closed in this field
        var inQuote = false
        var depth = 0
        var sawContent = false
        func finish() throws(ATParseError) {
            if let quoted {
                fields.append(.quoted(quoted))
            } else {
                fields.append(.bare(trimmed(current)))
            }
        }
        for scalar in text.unicodeScalars {
            if inQuote {
                if scalar == "\"" {
                    inQuote = false
                    if depth == 0 {
                        quoted = current
                        current = ""
                        continue
                    }
                }
                current.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\"":
                if depth == 0 {
                    guard quoted == nil, trimmed(current).isEmpty else {
                        throw ATParseError(.wrongType(field: "field \(fields.count + 1)"), line: line)
                    }
                    current = ""
                } else {
                    current.unicodeScalars.append(scalar)
                }
                inQuote = true
                sawContent = true
            case "(":
                guard quoted == nil else {
                    throw ATParseError(.wrongType(field: "field \(fields.count + 1)"), line: line)
                }
                depth += 1
                current.unicodeScalars.append(scalar)
                sawContent = true
            case ")":
                depth -= 1
                guard depth >= 0 else { throw ATParseError(.unbalancedParentheses, line: line) }
                current.unicodeScalars.append(scalar)
            case "," where depth == 0:
                try finish()
                current = ""
                quoted = nil
                sawContent = true
            default:
                if quoted != nil && scalar != " " && scalar != "\t" {
                    throw ATParseError(.wrongType(field: "field \(fields.count + 1)"), line: line)
                }
                if quoted == nil { current.unicodeScalars.append(scalar) }
                if scalar != " " && scalar != "\t" { sawContent = true }
            }
        }
        if inQuote { throw ATParseError(.unterminatedQuote, line: line) }
        if depth != 0 { throw ATParseError(.unbalancedParentheses, line: line) }
        if sawContent || quoted != nil { try finish() }
        return fields
    }

    // MARK: Typed field access. `name` is what an error reports; indices are 0-based.

    /// Throws `.extraFields` when there are more than `count` fields.
    public func requireAtMost(_ count: Int) throws(ATParseError) {
        if fields.count > count {
            throw ATParseError(.extraFields(expected: count, found: fields.count), line: line)
        }
    }

    /// True when field `index` exists and is not an empty bare field.
    public func has(_ index: Int) -> Bool {
        guard index < fields.count else { return false }
        if case .bare(let text) = fields[index], text.isEmpty { return false }
        return true
    }

    /// A required unquoted decimal integer within `range`.
    public func int(_ index: Int, _ name: String, in range: ClosedRange<Int>) throws(ATParseError) -> Int {
        guard has(index) else { throw ATParseError(.missingField(name), line: line) }
        guard case .bare(let text) = fields[index] else {
            throw ATParseError(.wrongType(field: name), line: line)
        }
        let value = try ATNumber.decimal(text, field: name, line: line)
        guard range.contains(value) else { throw ATParseError(.outOfRange(field: name), line: line) }
        return value
    }

    /// Like `int`, but nil when the field is absent or left empty.
    public func optionalInt(_ index: Int, _ name: String, in range: ClosedRange<Int>) throws(ATParseError) -> Int? {
        has(index) ? try int(index, name, in: range) : nil
    }

    /// A required double-quoted string.
    public func string(_ index: Int, _ name: String) throws(ATParseError) -> String {
        guard index < fields.count else { throw ATParseError(.missingField(name), line: line) }
        guard case .quoted(let text) = fields[index] else {
            throw ATParseError(.wrongType(field: name), line: line)
        }
        return text
    }

    /// A required value that firmware sends either quoted or bare (e.g. `+CGPADDR` addresses).
    public func text(_ index: Int, _ name: String) throws(ATParseError) -> String {
        guard has(index) else { throw ATParseError(.missingField(name), line: line) }
        switch fields[index] {
        case .quoted(let text), .bare(let text):
            return text
        }
    }

    /// A required hexadecimal value, quoted or bare, with or without `0x`.
    public func hex(_ index: Int, _ name: String, maxDigits: Int) throws(ATParseError) -> UInt64 {
        try ATNumber.hex(text(index, name), field: name, maxDigits: maxDigits, line: line)
    }
}

private func trimmed(_ text: String) -> String {
    var scalars = Substring(text).unicodeScalars
    while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
    return String(scalars)
}

/// Integer parsing that reports overlong and malformed numbers instead of trapping.
enum ATNumber {
    /// Optional `-`, then 1...18 ASCII digits (no `+`, no spaces inside).
    static func decimal(_ text: String, field: String, line: String) throws(ATParseError) -> Int {
        var digits = Substring(text).utf8
        var negative = false
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { throw ATParseError(.notAnInteger(field: field), line: line) }
        var value = 0
        var count = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw ATParseError(.notAnInteger(field: field), line: line)
            }
            count += 1
            guard count <= 18 else { throw ATParseError(.numberTooLong(field: field), line: line) }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw ATParseError(.numberTooLong(field: field), line: line) }
            value = sum
        }
        return negative ? -value : value
    }

    /// Optional `0x`/`0X`, then 1...`maxDigits` (at most 16) hex digits.
    static func hex(_ text: String, field: String, maxDigits: Int, line: String) throws(ATParseError) -> UInt64 {
        var digits = Substring(text).utf8
        if digits.count >= 2, digits.first == UInt8(ascii: "0"),
           digits.dropFirst().first == UInt8(ascii: "x") || digits.dropFirst().first == UInt8(ascii: "X") {
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty else { throw ATParseError(.notAnInteger(field: field), line: line) }
        guard digits.count <= min(maxDigits, 16) else {
            throw ATParseError(.numberTooLong(field: field), line: line)
        }
        var value: UInt64 = 0
        for byte in digits {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw ATParseError(.notAnInteger(field: field), line: line)
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}
