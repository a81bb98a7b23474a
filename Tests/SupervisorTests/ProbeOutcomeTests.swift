import Supervisor
import XCTest

/// The probe outcome is what `bg95ctl status` and `doctor` print: it must read as words.
final class ProbeOutcomeTests: XCTestCase {
    func testDescriptionReadsAsWords() {
        XCTAssertEqual(ProbeOutcome.reachable(milliseconds: 42).description, "answered in 42 ms")
        XCTAssertEqual(ProbeOutcome.unreachable("timeout").description, "no answer: timeout")
    }
}
