import ATProtocol
import BG95Core
import Modem
import Supervisor
import XCTest

/// Issue 10, behaviours 1 and 2: a registration URC is confirmed before it costs anything, a
/// lost `+CEREG: 1` is found by asking again, and the EMM reject cause decides the policy.
final class RegistrationPolicyTests: XCTestCase {
    // MARK: Behaviour 1: spurious or lost +CEREG

    func testSpuriousCEREGWhileOnlineIsConfirmedWithAQueryAndChangesNothing() {
        var h = Harness()
        h.driveOnline()
        for stat in [RegistrationStatus.searching, .notSearching, .denied] {
            h.send(.registrationChanged(stat))
            XCTAssertEqual(h.state, .online)
            XCTAssertEqual(h.effects, [.queryRegistration], "ask before acting on \(stat)")
            h.send(.registrationQueried(.home))
            XCTAssertEqual(h.state, .online, "the module is registered: the URC was spurious")
            XCTAssertTrue(h.effects.isEmpty, "no teardown, no recovery")
            XCTAssertNil(h.timers[.step])
        }
        XCTAssertNotNil(h.timers[.health], "the health probe keeps running")
        XCTAssertTrue(h.log.contains { $0.contains("the registration URC was spurious") })
    }

    func testALostCEREGOneIsFoundByAskingAgainLongBeforeTheTimeout() {
        var h = Harness()
        h.driveOnline()
        h.send(.registrationChanged(.searching))
        h.send(.registrationQueried(.searching))
        XCTAssertEqual(h.state, .registering)
        XCTAssertEqual(h.timers[.recheck]?.delay, .seconds(5))
        XCTAssertEqual(h.timers[.step]?.delay, .seconds(180))
        XCTAssertTrue(h.effects.isEmpty, "the data path stays configured")
        // The module registers again but its +CEREG: 1 is lost: the recheck asks.
        h.fire(.recheck)
        XCTAssertEqual(h.effects, [.queryRegistration])
        XCTAssertEqual(h.timers[.recheck]?.delay, .seconds(10), "asking again on a growing interval")
        h.send(.registrationQueried(.home))
        XCTAssertEqual(h.state, .verifying)
        XCTAssertEqual(h.effects, [.probe])
        XCTAssertNil(h.timers[.step])
        XCTAssertNil(h.timers[.recheck])
        h.send(.probeFinished(.reachable(milliseconds: 40)))
        XCTAssertEqual(h.state, .online)
        XCTAssertNil(h.machine.status.recoveryRung, "no radio cycle for a link that worked")
    }

    func testAnUnansweredQueryChangesNothing() {
        var h = Harness()
        h.driveOnline()
        h.send(.registrationChanged(.searching))
        h.send(.registrationQueried(nil))
        XCTAssertEqual(h.state, .online)
        XCTAssertTrue(h.effects.isEmpty)
    }

    // MARK: Behaviour 2: reject causes decide the policy

    private func bringingUp() -> Harness {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpProgress(.registering))
        return h
    }

    func testPermanentRejectIsReportedOnceInWordsAndNeverClimbsTheLadder() {
        var h = bringingUp()
        h.send(.bringUpFailed(.rejected(cause: 7)))
        XCTAssertEqual(h.state, .registering)
        XCTAssertTrue(h.effects.isEmpty, "no recovery step: \(h.effects)")
        XCTAssertEqual(h.timers[.recheck]?.delay, .seconds(3600), "retried only rarely")
        XCTAssertTrue(h.machine.status.reason?.contains("EMM cause 7 (EPS services not allowed)") == true,
                      h.machine.status.reason ?? "no reason")
        XCTAssertNotNil(h.machine.status.nextAttemptAt)
        XCTAssertEqual(h.log.filter { $0.contains("does not heal by retrying") }.count, 1)
        for _ in 0..<5 {
            h.fire(.recheck)
            XCTAssertEqual(h.effects, [.startBringUp])
            h.send(.bringUpFailed(.rejected(cause: 7)))
            XCTAssertEqual(h.timers[.recheck]?.delay, .seconds(3600))
        }
        XCTAssertEqual(h.log.filter { $0.contains("does not heal by retrying") }.count, 1, "reported once")
        XCTAssertNil(h.machine.status.recoveryRung, "the ladder is never climbed")
        XCTAssertFalse(h.log.contains { $0.contains("radio") || $0.contains("reboot") })
        // An operator's `up` (subscription fixed) tries at once.
        h.send(.adminUp)
        XCTAssertEqual(h.effects, [.startBringUp])
        XCTAssertEqual(h.state, .configuringModule)
    }

    func testPermanentRejectIsTriedAgainWhenTheSIMChanges() {
        var h = bringingUp()
        h.send(.bringUpFailed(.rejected(cause: 3)))
        h.send(.simReady)
        XCTAssertEqual(h.effects, [.startBringUp])
    }

    func testTemporaryRejectBacksOffAndGoesStraightOnWhenAccepted() throws {
        var h = bringingUp()
        h.send(.bringUpFailed(.rejected(cause: 15)))
        XCTAssertEqual(h.state, .registering)
        XCTAssertTrue(h.effects.isEmpty)
        let first = try XCTUnwrap(h.timers[.recheck]?.delay)
        XCTAssertLessThan(first, .seconds(60))
        h.fire(.recheck)
        XCTAssertEqual(h.effects, [.startBringUp])
        h.send(.bringUpFailed(.rejected(cause: 15)))
        let second = try XCTUnwrap(h.timers[.recheck]?.delay)
        XCTAssertGreaterThan(second, first, "backing off")
        // The network accepts: go straight on, no waiting, no radio cycle.
        h.send(.registrationChanged(.home))
        XCTAssertEqual(h.effects, [.startBringUp])
        XCTAssertNil(h.timers[.recheck])
        XCTAssertNil(h.machine.status.recoveryRung)
        XCTAssertFalse(h.last.contains(.perform(.radioCycle)))
    }

    func testRefusalWhileOnlineIsConfirmedThenFollowsTheCause() {
        var h = Harness()
        h.driveOnline()
        h.send(.registrationChanged(.denied, rejectCause: 7))
        XCTAssertEqual(h.effects, [.queryRegistration])
        h.send(.registrationQueried(.denied, rejectCause: 7))
        XCTAssertEqual(h.state, .registering)
        XCTAssertEqual(h.timers[.recheck]?.delay, .seconds(3600))
        XCTAssertNil(h.timers[.step], "no registration timeout leading to a radio cycle")
        XCTAssertNil(h.machine.status.recoveryRung)
    }

    func testCausesAreClassified() {
        for code in [3, 6, 7, 8] { XCTAssertTrue(EMMCause(code).isPermanent, "\(code)") }
        for code in [11, 12, 13, 15, 22, 111] { XCTAssertFalse(EMMCause(code).isPermanent, "\(code)") }
        XCTAssertEqual("\(EMMCause(15))", "EMM cause 15 (no suitable cells in tracking area)")
        XCTAssertEqual("\(EMMCause(200))", "EMM cause 200")
    }

    /// One table: the cause the supervisor's policy reads is the one `status` and `doctor`
    /// explain, so a permanent cause is never told to the operator as "keep retrying".
    func testThePolicyAndTheOperatorTextAreOneTable() {
        for code in 0...255 {
            let cause = EMMCause(code)
            if cause.isPermanent {
                XCTAssertEqual(cause.kind, .subscription, "\(code)")
                XCTAssertTrue(cause.remedy.contains("operator"), "\(code): \(cause.remedy)")
            }
            XCTAssertEqual(cause.text, cause.meaning ?? "unknown cause \(code)")
        }
        XCTAssertEqual(EMMCause(111).text, "protocol error, unspecified")
        XCTAssertEqual(EMMCause(111).kind, .protocolError)
    }
}

extension RegistrationPolicyTests {
    func testRefusalDuringARecoveryStepStopsTheLadder() {
        var h = Harness()
        h.driveOnline()
        h.dataCallDrops(.networkDetached)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
        // The step's bring-up is refused with cause 7; the step's failure follows.
        h.send(.bringUpFailed(.rejected(cause: 7)))
        XCTAssertEqual(h.state, .registering)
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "bring-up failed"))
        XCTAssertEqual(h.state, .registering, "the step's failure must not climb the ladder")
        XCTAssertTrue(h.effects.isEmpty)
        XCTAssertEqual(h.timers[.recheck]?.delay, .seconds(3600))
    }
}
