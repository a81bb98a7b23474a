import Supervisor
import XCTest

/// A data call lost together with the registration (`+CGEV: NW DETACH` and `+CEREG: 2`, the
/// soak's `detach`): restarting the data call cannot work before the module is registered
/// again, so the supervisor waits for the registration once and then cycles the radio, instead
/// of restarting the call twice, each attempt waiting the whole registration timeout.
final class DetachRecoveryTests: XCTestCase {
    func testDetachWhileSearchingWaitsForRegistrationOnceThenCyclesTheRadio() {
        var h = Harness()
        h.driveOnline()
        var performed: [SupervisorAction] = []
        // What the module prints on a network detach, then the answers to the two queries.
        h.send(.networkDetached)
        XCTAssertEqual(h.effects, [.queryDataCall(.dropIndicated("packet service detached (+CGEV DETACH)"))])
        h.send(.registrationChanged(.searching))
        XCTAssertEqual(h.effects, [.queryRegistration])
        h.send(.dataCallQueried(active: false, question: .dropIndicated("packet service detached (+CGEV DETACH)")))
        performed += h.effects
        XCTAssertEqual(h.state, .registering, "wait for the registration, do not restart the call into it")
        XCTAssertEqual(h.timers[.step]?.delay, h.machine.settings.registrationTimeout)
        h.send(.registrationQueried(.searching))
        performed += h.effects
        XCTAssertEqual(h.state, .registering)
        h.fire(.recheck)
        XCTAssertEqual(h.effects, [.queryRegistration])
        h.send(.registrationQueried(.searching))
        performed += h.effects
        h.fire(.step)
        performed += h.effects
        XCTAssertEqual(h.state, .recovering)
        XCTAssertTrue(h.did(.perform(.radioCycle)), "\(h.last)")
        XCTAssertFalse(performed.contains(.perform(.restartDataCall)), "\(performed)")
    }

    func testDetachThenRegisteredAgainRestartsTheDataCall() {
        var h = Harness()
        h.driveOnline()
        h.send(.networkDetached)
        h.send(.registrationChanged(.searching))
        h.send(.dataCallQueried(active: false, question: .dropIndicated("packet service detached (+CGEV DETACH)")))
        XCTAssertEqual(h.state, .registering)
        // A real network lets the module attach again by itself: then the call is restored.
        h.send(.registrationChanged(.home))
        XCTAssertTrue(h.did(.perform(.restartDataCall)), "\(h.last)")
    }

    func testRestartOfTheDataCallFailingUnregisteredClimbsToTheRadioCycle() {
        var h = Harness()
        h.driveOnline()
        h.dataCallDrops()
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
        // The step's bring-up sees the module searching and gives up after its registration wait.
        h.send(.registrationChanged(.searching))
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "not registered in time"))
        XCTAssertEqual(h.state, .recovering)
        XCTAssertEqual(h.machine.ladder.rung, .radioCycle, "a second restart would wait the registration out again")
        h.fire(.backoff)
        XCTAssertTrue(h.did(.perform(.radioCycle)), "\(h.last)")
    }

    func testRestartOfTheDataCallFailingWhileRegisteredStaysOnItsRung() {
        var h = Harness()
        h.driveOnline()
        h.dataCallDrops()
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "CGACT error"))
        XCTAssertEqual(h.machine.ladder.rung, .restartDataCall)
        h.fire(.backoff)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }
}
