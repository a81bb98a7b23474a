@testable import BG95Control
import Foundation
import XCTest

/// Our JSON codec (JSONParser, JSONWriter, JSONTreeEncoder/Decoder), which replaced
/// Foundation's in everything bg95d links: strict parsing with limits, and output byte for byte
/// what Foundation's `JSONEncoder` wrote with the control protocol's settings (the tests here
/// still have Foundation to compare against).
final class JSONCodecTests: XCTestCase {
    private let limits = JSONLimits(maxInputBytes: 4096, maxDepth: 8, maxStringBytes: 64)

    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    private func refusal(_ bytes: [UInt8], limits: JSONLimits? = nil) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(bytes, limits: limits ?? self.limits)
            XCTFail("accepted \(bytes): \(value)")
            return nil
        } catch {
            return error
        }
    }

    private func refusal(_ text: String) -> JSONParseError? { refusal(Array(text.utf8)) }

    private static func foundationEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    private func assertSameAsFoundation<T: Encodable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = String(decoding: ControlJSON.encode(value), as: UTF8.self)
        let theirs = String(decoding: try Self.foundationEncoder().encode(value), as: UTF8.self)
        XCTAssertEqual(ours, theirs, file: file, line: line)
    }

    // MARK: parsing

    func testParsesEveryKindOfValue() throws {
        XCTAssertEqual(try parse(" null "), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse("false"), .bool(false))
        XCTAssertEqual(try parse("\"x\""), .string("x"))
        XCTAssertEqual(try parse("[]"), .array([]))
        XCTAssertEqual(try parse("{}"), .object([:]))
        XCTAssertEqual(try parse("\t\r\n{ \"a\" : [ 1 , { \"b\" : null } ] , \"c\" : \"d\" }\n"),
                       .object(["a": .array([.number(1), .object(["b": .null])]), "c": .string("d")]))
    }

    func testNumbers() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("7", 7), ("-12", -12), ("1.5", 1.5), ("-0.25", -0.25), ("1e3", 1000),
            ("1E+3", 1000), ("25e-1", 2.5), ("9007199254740993", 9007199254740992), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("5e-324", 5e-324), ("1e-400", 0),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try parse(text), .number(expected), text)
        }
        for bad in ["01", "-", "+1", ".5", "1.", "1e", "1e+", "0x10", "1.5.2", "--1", "NaN", "Infinity", "-Infinity", "1 2"] {
            XCTAssertNotNil(refusal(bad), bad)
        }
        XCTAssertEqual(refusal("1e400")?.reason, "number out of range")
        XCTAssertEqual(refusal("-1e400")?.reason, "number out of range")
        XCTAssertEqual(refusal(String(repeating: "1", count: 65))?.reason, "number longer than 64 characters")
    }

    func testEscapes() throws {
        XCTAssertEqual(try parse(#""\" \\ \/ \b \f \n \r \t""#), .string("\" \\ / \u{8} \u{c} \n \r \t"))
        XCTAssertEqual(try parse(#""\u0041\u00e9\u20AC\u0000""#), .string("Aé€\u{0}"))
        XCTAssertEqual(refusal(#""\x41""#)?.reason, "invalid escape: 'x' after a backslash")
        XCTAssertEqual(refusal(#""\u12G4""#)?.reason, "unexpected 'G' in a \\u escape, expected a hex digit")
        XCTAssertEqual(refusal(#""\u12"#)?.reason, "unterminated \\u escape")
        XCTAssertEqual(refusal(#""abc\"#)?.reason, "unterminated string")
        XCTAssertEqual(refusal(#""abc"#)?.reason, "unterminated string")
    }

    func testUnicodeAndSurrogates() throws {
        // Raw UTF-8 of every length, and the same characters as escapes (a pair for U+1F600).
        XCTAssertEqual(try parse("\"é€😀\""), .string("é€😀"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse(#""\uDBFF\uDFFF""#), .string("\u{10FFFF}"))
        for lone in [#""\ud83d""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ude00""#, #""\ud83d\ud83d""#] {
            XCTAssertEqual(refusal(lone)?.reason, "lone UTF-16 surrogate in a \\u escape", lone)
        }
        let invalidUTF8: [[UInt8]] = [
            [0x22, 0xFF, 0x22],  // never valid
            [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
            [0x22, 0xE0, 0x80, 0x80, 0x22],  // overlong
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // a surrogate in UTF-8
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xC3, 0x22],  // truncated
            [0x22, 0xE2, 0x82],  // truncated at the end
            [0x22, 0x80, 0x22],  // lone continuation byte
        ]
        for bytes in invalidUTF8 {
            XCTAssertNotNil(refusal(bytes), "\(bytes)")
        }
        XCTAssertEqual(refusal([0x22, 0xFF, 0x22])?.reason, "invalid UTF-8 byte 0xFF in a string")
        // Outside strings only ASCII structure is allowed.
        XCTAssertEqual(refusal([0xFF, 0xFE, 0x7B, 0x7D])?.reason, "unexpected byte 0xFF, expected a value")
    }

    func testControlCharactersMustBeEscaped() {
        XCTAssertEqual(refusal("\"a\nb\"")?.reason, "control character byte 0x0A in a string (must be escaped)")
        XCTAssertEqual(refusal([0x22, 0x00, 0x22])?.reason, "control character byte 0x00 in a string (must be escaped)")
    }

    func testStructuralGarbage() {
        let cases: [(String, String)] = [
            ("", "empty document"),
            ("   ", "empty document"),
            ("{", "unexpected end of document, expected a string key"),
            ("{\"a\"}", "unexpected '}', expected ':'"),
            ("{\"a\":}", "unexpected '}', expected a value"),
            ("{\"a\":1,}", "unexpected '}', expected a string key"),
            ("{a:1}", "unexpected 'a', expected a string key"),
            ("[1,]", "unexpected ']', expected a value"),
            ("[1 2]", "unexpected '2', expected ',' or ']'"),
            ("[1", "unexpected end of document, expected ',' or ']'"),
            ("{} {}", "unexpected '{' after the value"),
            ("nul", "unexpected 'n', expected a value"),
            ("tru e", "unexpected 't', expected a value"),
            ("{\"v\":1,\"v\":2}", "duplicate key \"v\""),
        ]
        for (text, reason) in cases {
            XCTAssertEqual(refusal(text)?.reason, reason, text)
        }
        XCTAssertEqual(refusal("[1 2]")?.offset, 3)
        XCTAssertEqual(refusal("[1 2]")?.description, "unexpected '2', expected ',' or ']' at byte 3")
    }

    func testLimits() throws {
        // Depth: exactly maxDepth levels parse, one more is refused, whether arrays or objects.
        XCTAssertNoThrow(try parse(String(repeating: "[", count: 8) + String(repeating: "]", count: 8)))
        XCTAssertEqual(refusal(String(repeating: "[", count: 9) + String(repeating: "]", count: 9))?.reason, "nesting deeper than 8 levels")
        XCTAssertEqual(refusal(String(repeating: "{\"a\":", count: 9) + "1" + String(repeating: "}", count: 9))?.reason, "nesting deeper than 8 levels")
        // A deep document far beyond any stack is refused, not crashed on.
        XCTAssertEqual(refusal(Array(String(repeating: "[", count: 100_000).utf8), limits: .controlMessage)?.reason, "nesting deeper than 32 levels")
        // Size: the whole document, counted before anything else.
        XCTAssertEqual(refusal(Array(repeating: 0x20, count: 4097))?.reason, "document longer than 4096 bytes")
        // Strings: after unescaping, in UTF-8 bytes (keys too).
        XCTAssertNoThrow(try parse("\"" + String(repeating: "é", count: 32) + "\""))
        XCTAssertEqual(refusal("\"" + String(repeating: "é", count: 33) + "\"")?.reason, "string longer than 64 bytes")
        XCTAssertEqual(refusal("{\"" + String(repeating: "k", count: 65) + "\":1}")?.reason, "string longer than 64 bytes")
        XCTAssertEqual(refusal("\"" + String(repeating: #"\u00e9"#, count: 33) + "\"")?.reason, "string longer than 64 bytes")
    }

    /// Random bytes and random mutations of a valid request never trap the parser, and whatever
    /// it accepts writes back to a document that parses to the same value.
    func testGarbageNeverTraps() throws {
        var random = SplitMix(seed: 13)
        let seed = Array(#"{"v":1,"id":7,"cmd":"at","command":"AT+QCSQ","timeout":5,"x":[true,false,null,-1.5e3,"\u00e9\ud83d\ude00"]}"#.utf8)
        let alphabet = Array(#"{}[]",:\/u0123456789abcdefABCDEF.eE+- tfnrl"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        var accepted = 0
        for round in 0..<20_000 {
            var bytes = seed
            if round % 4 == 0 {
                bytes = (0..<Int(random.next() % 64)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            } else {
                for _ in 0...Int(random.next() % 4) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 3 {
                    case 0: bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: index)
                    default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: index)
                    }
                    if bytes.isEmpty { break }
                }
            }
            guard let value = try? JSONParser.parse(bytes, limits: .controlRequest) else { continue }
            accepted += 1
            let written = ControlJSON.encode(value)
            XCTAssertEqual(try JSONParser.parse(written, limits: .controlMessage), value, String(decoding: bytes, as: UTF8.self))
        }
        XCTAssertGreaterThan(accepted, 100, "the mutations should leave some documents valid")
    }

    // MARK: writing, compared with Foundation

    func testStringsAreEscapedAsFoundationDid() throws {
        var everyASCII = ""
        for value in 0..<0x80 { everyASCII.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        try assertSameAsFoundation([everyASCII, "é€😀\u{2028}\u{2029}\u{FEFF}/path/", ""])
        XCTAssertEqual(String(decoding: ControlJSON.encode(["\u{1}\u{1f}\"\\/\u{7f}"]), as: UTF8.self), #"["\u0001\u001f\"\\/"# + "\u{7f}\"]")
    }

    func testNumbersAreWrittenAsFoundationDid() throws {
        try assertSameAsFoundation([0, -0.0, 1, -95, -10.5, 0.1, 1e15, 1e16, 123456789012345678, 1e-7, 5e-324, .greatestFiniteMagnitude, 2.5e-5, 1e21, .infinity, -.infinity, .nan])
        try assertSameAsFoundation([Float(0.1), 1, 1e10, 3.4e38])
        try assertSameAsFoundation([UInt64.max])
        try assertSameAsFoundation([Int64.min, Int64.max])
        try assertSameAsFoundation([Int8.min, 0, Int8.max])
    }

    func testKeysAreSortedAsFoundationDid() throws {
        try assertSameAsFoundation(["b": 1, "B": 2, "a10": 3, "a9": 4, "_": 5, "a": 6, "aB": 7, "ab": 8, "é": 9, "-x": 10, "a-b": 11, "": 12])
    }

    func testControlMessagesAreWrittenAsFoundationDid() throws {
        var snapshot = ScriptedDaemon.onlineSnapshot
        snapshot.registrationCause = 15
        snapshot.lastError = "+CME ERROR: 16 (\"incorrect password\")\n/"
        snapshot.factAges = ["network": 1, "dataCall": 3, "module": 0]
        snapshot.counters?.rxBytes = UInt64.max
        snapshot.signal = .init(rsrp: -95, rsrq: -10.5, sinr: .nan, rssi: .infinity)
        try assertSameAsFoundation(snapshot)
        try assertSameAsFoundation(StatusSnapshot(state: "down"))
        let responses: [ControlResponse] = [
            ControlResponse(id: 1, command: .status, outcome: .success(.status(snapshot))),
            ControlResponse(id: 2, command: .up, outcome: .success(.accepted(state: "registering"))),
            ControlResponse(id: 3, command: .at, outcome: .success(.at(ATPassthroughResult(command: "AT+QCSQ", lines: ["+QCSQ: \"eMTC\",-65"], final: "OK")))),
            ControlResponse(id: nil, command: nil, outcome: .failure(ControlFailure(.requestTooLarge, "too long"))),
        ]
        for response in responses { try assertSameAsFoundation(response) }
        let events: [ControlEvent] = [.state(state: "online", previous: nil, reason: "probe ok"), .urc(line: "+CEREG: 5"), .error(message: "SIM PIN rejected", fatal: true)]
        for event in events { try assertSameAsFoundation(event) }
    }

    // MARK: decoding

    func testDecodesWhatFoundationEncoded() throws {
        var snapshot = ScriptedDaemon.onlineSnapshot
        snapshot.factAges = ["network": 1]
        snapshot.counters?.rxBytes = 1 << 53
        let bytes = try Self.foundationEncoder().encode(snapshot)
        XCTAssertEqual(try ControlJSON.decode(StatusSnapshot.self, from: Array(bytes)), snapshot)
        // Non-finite floats come back from their strings.
        snapshot.signal = .init(rsrp: .infinity, rsrq: -.infinity, sinr: nil, rssi: -60)
        let decoded = try ControlJSON.decode(StatusSnapshot.self, from: ControlJSON.encode(snapshot))
        XCTAssertEqual(decoded.signal, snapshot.signal)
        // JSONValue keeps a string "nan" a string.
        XCTAssertEqual(try ControlJSON.decode([String: JSONValue].self, from: Array(#"{"a":"nan","b":1}"#.utf8)), ["a": .string("nan"), "b": .number(1)])
    }

    func testDecodingRefusesWhatWouldChangeAValue() {
        struct Counter: Decodable, Equatable { var count: Int; var small: UInt8? }
        XCTAssertEqual(try ControlJSON.decode(Counter.self, from: Array(#"{"count":3,"unknown":[1]}"#.utf8)), Counter(count: 3, small: nil))
        XCTAssertEqual(try ControlJSON.decode(Counter.self, from: Array(#"{"count":3,"small":null}"#.utf8)), Counter(count: 3, small: nil))
        for bad in [#"{"count":1.5}"#, #"{"count":"3"}"#, #"{"count":1e17}"#, #"{}"#, #"{"count":1,"small":256}"#, #"{"count":1,"small":-1}"#, "[]"] {
            XCTAssertThrowsError(try ControlJSON.decode(Counter.self, from: Array(bad.utf8)), bad)
        }
    }
}

/// A small deterministic generator for the garbage test (SplitMix64).
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
