/// How much a JSON document may hold before `JSONParser` refuses it. The control socket
/// reads untrusted lines, so every dimension that costs memory or stack is bounded.
public struct JSONLimits: Equatable, Sendable {
    /// The longest document, in bytes.
    public var maxInputBytes: Int
    /// The deepest nesting of arrays and objects (the parser recurses once per level).
    public var maxDepth: Int
    /// The longest string (key or value) after unescaping, in UTF-8 bytes.
    public var maxStringBytes: Int
    /// The longest number literal, in characters.
    public var maxNumberLength: Int

    public init(maxInputBytes: Int, maxDepth: Int, maxStringBytes: Int, maxNumberLength: Int = 64) {
        self.maxInputBytes = maxInputBytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxNumberLength = maxNumberLength
    }

    /// What a control request may be: one line of at most `controlMaxRequestBytes`; requests are
    /// flat objects, so a few levels are plenty.
    public static let controlRequest = JSONLimits(maxInputBytes: controlMaxRequestBytes, maxDepth: 16, maxStringBytes: controlMaxRequestBytes)

    /// What a client accepts from the daemon (responses and events; a status snapshot is a few
    /// kB and four levels deep).
    public static let controlMessage = JSONLimits(maxInputBytes: 1 << 20, maxDepth: 32, maxStringBytes: 1 << 16)
}

/// Why a document was refused: what was wrong and the byte offset where it was noticed.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Refuses (never traps on) any input that is not exactly one JSON value with optional
/// whitespace around it: invalid UTF-8, raw control characters in strings, bad escapes, lone
/// UTF-16 surrogates, numbers outside Double's range, duplicate object keys, and anything past
/// `JSONLimits`. Error reasons name bytes by their hex value, never echo them, so a reason is
/// always printable. Pure: no Foundation, no I/O.
public struct JSONParser {
    private let bytes: [UInt8]
    private let limits: JSONLimits
    private var position = 0

    /// Parses `input` as one JSON document.
    public static func parse(_ input: some Collection<UInt8>, limits: JSONLimits) throws(JSONParseError) -> JSONValue {
        guard input.count <= limits.maxInputBytes else {
            throw JSONParseError(offset: limits.maxInputBytes, reason: "document longer than \(limits.maxInputBytes) bytes")
        }
        var parser = JSONParser(bytes: Array(input), limits: limits)
        parser.skipWhitespace()
        guard parser.position < parser.bytes.count else {
            throw JSONParseError(offset: parser.position, reason: "empty document")
        }
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else {
            throw parser.failure("unexpected \(parser.describeCurrent()) after the value")
        }
        return value
    }

    private init(bytes: [UInt8], limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(offset: position, reason: reason)
    }

    private func describeCurrent() -> String {
        guard position < bytes.count else { return "end of document" }
        return Self.describe(bytes[position])
    }

    /// A byte in words: printable ASCII quoted, anything else as hex.
    private static func describe(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw failure("unexpected end of document, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw failure("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard position < bytes.count, bytes[position] == expected else {
                position = start
                throw failure("unexpected \(describeCurrent()), expected a value")
            }
            position += 1
        }
    }

    private mutating func enter(_ depth: Int) throws(JSONParseError) {
        guard depth <= limits.maxDepth else { throw failure("nesting deeper than \(limits.maxDepth) levels") }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth)
        position += 1  // {
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure("unexpected \(describeCurrent()), expected a string key")
            }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw failure("unexpected \(describeCurrent()), expected ':'")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            guard object.updateValue(value, forKey: key) == nil else {
                throw JSONParseError(offset: keyOffset, reason: "duplicate key \"\(ControlFailure.printable(key))\"")
            }
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of document, expected ',' or '}'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(object)
            default: throw failure("unexpected \(describeCurrent()), expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth)
        position += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of document, expected ',' or ']'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(array)
            default: throw failure("unexpected \(describeCurrent()), expected ',' or ']'")
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, converted by the standard library's
    /// correctly rounded decimal conversion; a literal beyond Double's range is refused.
    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        func digits(_ parser: inout JSONParser) -> Int {
            let first = parser.position
            while parser.position < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position]) {
                parser.position += 1
            }
            return parser.position - first
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) else {
            throw failure("unexpected \(describeCurrent()) in a number, expected a digit")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                throw failure("number with a leading zero")
            }
        } else {
            _ = digits(&self)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw failure("unexpected \(describeCurrent()) in a number, expected a digit after '.'") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("unexpected \(describeCurrent()) in a number, expected an exponent digit") }
        }
        guard position - start <= limits.maxNumberLength else {
            throw JSONParseError(offset: start, reason: "number longer than \(limits.maxNumberLength) characters")
        }
        // The literal is ASCII digits and signs only, so this String is exact.
        let literal = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw JSONParseError(offset: start, reason: "number out of range")
        }
        return value
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    // Raw bytes were checked as they came; this is only reachable through a bug.
                    throw failure("string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                try appendEscape(to: &utf8)
            case 0x00..<0x20:
                throw failure("control character \(Self.describe(byte)) in a string (must be escaped)")
            case 0x20..<0x80:
                utf8.append(byte)
                position += 1
            default:
                try appendUTF8Sequence(to: &utf8)
            }
            guard utf8.count <= limits.maxStringBytes else {
                throw failure("string longer than \(limits.maxStringBytes) bytes")
            }
        }
    }

    /// One multi-byte UTF-8 sequence, validated (shortest form, no surrogates, at most U+10FFFF).
    private mutating func appendUTF8Sequence(to utf8: inout [UInt8]) throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var validSecond: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; validSecond = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; validSecond = 0x80...0x9F
        case 0xF0: length = 4; validSecond = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; validSecond = 0x80...0x8F
        default: throw failure("invalid UTF-8 \(Self.describe(lead)) in a string")
        }
        guard position + length <= bytes.count else { throw failure("truncated UTF-8 sequence in a string") }
        for index in 1..<length {
            let continuation = bytes[position + index]
            let valid = index == 1 ? validSecond : 0x80...0xBF
            guard valid.contains(continuation) else {
                position += index
                throw failure("invalid UTF-8 \(Self.describe(continuation)) in a string")
            }
        }
        utf8.append(contentsOf: bytes[position..<position + length])
        position += length
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(JSONParseError) {
        position += 1  // backslash
        guard position < bytes.count else { throw failure("unterminated string") }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4())
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("lone UTF-16 surrogate in a \\u escape")
                }
                position += 2
                let low = UInt32(try readHex4())
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("lone UTF-16 surrogate in a \\u escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("lone UTF-16 surrogate in a \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
            utf8.append(contentsOf: unicode.utf8)
        default:
            position -= 1
            throw failure("invalid escape: \(Self.describe(escaped)) after a backslash")
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw failure("unterminated \\u escape") }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("unexpected \(describeCurrent()) in a \\u escape, expected a hex digit")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
