import Supervisor
import XCTest

final class BackoffTests: XCTestCase {
    func testFirstAttemptIsImmediateThenDoublesUpToTheCap() {
        let backoff = Backoff(initial: .seconds(5), maximum: .seconds(60))
        let delays = (0...8).map { backoff.delay(beforeAttempt: $0) }
        XCTAssertEqual(delays, [.zero, .zero, .seconds(5), .seconds(10), .seconds(20), .seconds(40),
                                .seconds(60), .seconds(60), .seconds(60)])
    }

    func testHugeAttemptNumbersStayAtTheCapWithoutOverflow() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(600))
        XCTAssertEqual(backoff.delay(beforeAttempt: 1_000_000), .seconds(600))
        XCTAssertEqual(backoff.delay(beforeAttempt: Int.max), .seconds(600))
    }

    func testMaximumBelowInitialIsRaisedToInitial() {
        let backoff = Backoff(initial: .seconds(10), maximum: .seconds(1))
        XCTAssertEqual(backoff.maximum, .seconds(10))
        XCTAssertEqual(backoff.delay(beforeAttempt: 5), .seconds(10))
    }
}
