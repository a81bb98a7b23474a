@testable import BG95CommandLine
import XCTest

final class CommandLineParserTests: XCTestCase {
    func testPlaceholder() {}
}
