import TestSupport
import XCTest

/// bg95d links neither `_StringProcessing` nor `_RegexParser` (0.9 MB of the stripped release
/// binary, docs/benchmarks.md "Binary size and footprint"): its targets search text with
/// `BG95Core`'s `TextSearch`. The `leanStrings` compiler flag in Package.swift does not catch
/// every use (a target that imports Glibc or Dispatch still sees `_StringProcessing`'s
/// algorithms through them), so the built binary itself is checked.
final class BG95dStringProcessingTests: XCTestCase {
    func testBG95dReferencesNoStringProcessingSymbol() throws {
        try TestEnvironment.requireTools(["nm"])
        let bg95d = try TestEnvironment.product("bg95d")
        let symbols = try Command.check(["nm", bg95d]).stdout
        // Swift mangles a module name as <length><name>: 17_StringProcessing, 12_RegexParser.
        let offenders = symbols.split(separator: "\n").filter {
            $0.contains("17_StringProcessing") || $0.contains("12_RegexParser")
        }
        XCTAssertEqual(offenders.count, 0, """
            bg95d uses \(offenders.count) symbols of _StringProcessing/_RegexParser (use BG95Core's \
            TextSearch: containsText, firstRange(ofText:), split(separatorText:), replacingText); \
            demangle them with swift-demangle to find the call: \(offenders.prefix(5).joined(separator: "; "))
            """)
    }
}
