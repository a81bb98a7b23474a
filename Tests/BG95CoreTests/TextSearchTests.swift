import BG95Core
import XCTest

/// `TextSearch` must answer exactly as the `_StringProcessing` algorithms it replaces in bg95d's
/// targets; the tests (which do import `_StringProcessing`) use those as the oracle.
final class TextSearchTests: XCTestCase {
    /// Texts and needles covering: absent, at the start and end, repeated, overlapping
    /// candidates, adjacent separators, empty text, non-ASCII and a combining sequence
    /// ("e" + U+0301 is one Character, equal to "é").
    static let texts = ["", "a", "dev #3 via 10.0.0.1", "dev #35 dev #3", "::a::b::::", "aaa", "ababab", "NW PDN DEACT 1",
                        "caf\u{E9} cafe\u{301}", "x\r\ny\r\n", "  key = value  "]
    static let needles = ["a", "aa", "ab", "::", "dev #3", "PDN", "\r\n", "caf\u{E9}", "e", " ", "zz", "NW PDN DEACT 1 and more"]

    func testFirstRangeAndContainsMatchTheStandardOnes() {
        for text in Self.texts {
            for needle in Self.needles {
                XCTAssertEqual(text.firstRange(ofText: needle), text.firstRange(of: needle), "\(text.debugDescription) / \(needle.debugDescription)")
                XCTAssertEqual(text.containsText(needle), text.contains(needle), "\(text.debugDescription) / \(needle.debugDescription)")
                let sub = text.dropFirst()
                XCTAssertEqual(sub.firstRange(ofText: needle), sub.firstRange(of: needle), "substring \(sub.debugDescription) / \(needle.debugDescription)")
            }
        }
    }

    func testReplacingMatchesTheStandardOne() {
        for text in Self.texts {
            for target in Self.needles {
                XCTAssertEqual(text.replacingText(target, with: "<\(target.count)>"), text.replacing(target, with: "<\(target.count)>"),
                               "\(text.debugDescription) / \(target.debugDescription)")
            }
        }
        // The route text the daemon rewrites: "#3" must not match inside "#35"'s text by accident
        // any differently than before.
        XCTAssertEqual("default dev #3 table 100".replacingText("dev #3", with: "dev wwan0"), "default dev wwan0 table 100")
    }

    func testEmptyNeedle() {
        XCTAssertEqual("abc".firstRange(ofText: ""), "abc".startIndex..<"abc".startIndex)
        XCTAssertTrue("".containsText(""))
        XCTAssertEqual("abc".replacingText("", with: "x"), "abc")
    }
}
