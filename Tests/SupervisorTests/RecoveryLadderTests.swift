import Supervisor
import XCTest

final class RecoveryLadderTests: XCTestCase {
    func testClimbsAfterTheAttemptsPerRungAndRepeatsTheReboot() {
        var ladder = RecoveryLadder(attemptsPerRung: 2)
        let rungs = (0..<10).map { _ in ladder.climb(suggested: .renewDHCP) }
        XCTAssertEqual(rungs, [.renewDHCP, .renewDHCP, .restartDataCall, .restartDataCall, .radioCycle,
                               .radioCycle, .rebootModule, .rebootModule, .rebootModule, .rebootModule])
        XCTAssertEqual(ladder.totalAttempts, 10)
        XCTAssertEqual(ladder.rung, .rebootModule)
    }

    func testAHigherSuggestionJumpsUpAndALowerOneDoesNotClimbDown() {
        var ladder = RecoveryLadder(attemptsPerRung: 3)
        XCTAssertEqual(ladder.climb(suggested: .renewDHCP), .renewDHCP)
        XCTAssertEqual(ladder.climb(suggested: .radioCycle), .radioCycle)
        XCTAssertEqual(ladder.attemptsOnRung, 1)
        XCTAssertEqual(ladder.climb(suggested: .renewDHCP), .radioCycle)
        XCTAssertEqual(ladder.attemptsOnRung, 2)
    }

    func testResetStartsFromTheBottom() {
        var ladder = RecoveryLadder(attemptsPerRung: 1)
        _ = ladder.climb(suggested: .restartDataCall)
        _ = ladder.climb(suggested: .restartDataCall)
        XCTAssertEqual(ladder.rung, .radioCycle)
        ladder.reset()
        XCTAssertFalse(ladder.isActive)
        XCTAssertEqual(ladder.totalAttempts, 0)
        XCTAssertEqual(ladder.climb(suggested: .renewDHCP), .renewDHCP)
    }

    func testAttemptsPerRungBelowOneCountsAsOne() {
        var ladder = RecoveryLadder(attemptsPerRung: 0)
        XCTAssertEqual(ladder.climb(suggested: .renewDHCP), .renewDHCP)
        XCTAssertEqual(ladder.climb(suggested: .renewDHCP), .restartDataCall)
    }
}
