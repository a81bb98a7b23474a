/// A document about to be written. Like `JSONValue`, but integers keep every digit (a UInt64
/// byte counter above 2^53 would lose digits as a Double) and floats keep their precision
/// (a Float prints as its own shortest form, not as the longer Double).
enum JSONOutput {
    case null
    case bool(Bool)
    case signed(Int64)
    case unsigned(UInt64)
    case double(Double)
    case float(Float)
    case string(String)
    case array([JSONOutput])
    case object([String: JSONOutput])
}

/// Writes `JSONOutput` as one line of compact JSON, the way the control protocol has always
/// looked (it was Foundation's `JSONEncoder` with `.sortedKeys`, `.withoutEscapingSlashes` and
/// non-finite numbers as strings; `JSONCodecTests` checks the two still agree byte for byte):
/// keys sorted by their UTF-8 bytes, no whitespace, `"` `\` and control characters escaped
/// (`\b \t \n \f \r`, the rest as `\u00xx`), everything else as UTF-8; a float as its
/// shortest round-tripping decimal without a trailing ".0"; infinities and NaN as the strings
/// "inf", "-inf", "nan".
enum JSONWriter {
    static func write(_ value: JSONOutput) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return out
    }

    static func write(_ value: JSONOutput, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .signed(let integer): out.append(contentsOf: String(integer).utf8)
        case .unsigned(let integer): out.append(contentsOf: String(integer).utf8)
        case .double(let number): writeNumber(number.isFinite ? number.description : nonFinite(number), finite: number.isFinite, to: &out)
        case .float(let number): writeNumber(number.isFinite ? number.description : nonFinite(Double(number)), finite: number.isFinite, to: &out)
        case .string(let string): writeString(string, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func nonFinite(_ number: Double) -> String {
        number.isNaN ? "nan" : number < 0 ? "-inf" : "inf"
    }

    private static func writeNumber(_ text: String, finite: Bool, to out: inout [UInt8]) {
        guard finite else { return writeString(text, to: &out) }
        out.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
    }

    static func writeString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
