import ATProtocol
import Supervisor
import XCTest

final class SupervisorMachineTests: XCTestCase {
    // MARK: - Bring-up

    func testStartWatchesForTheDevice() {
        var h = Harness()
        h.send(.start)
        XCTAssertEqual(h.state, .waitingForDevice)
        XCTAssertTrue(h.did(.watchForDevice))
    }

    func testHappyPathVisitsEveryStateInOrder() {
        var h = Harness()
        var states: [SupervisorState] = []
        func record(_ h: Harness) { if states.last != h.state { states.append(h.state) } }
        h.send(.start); record(h)
        h.send(.deviceAppeared("1-1")); record(h)
        XCTAssertTrue(h.did(.startBringUp))
        h.send(.bringUpProgress(.registering)); record(h)
        h.send(.bringUpProgress(.startingDataCall)); record(h)
        h.send(.bringUpFinished(interface: "eth2")); record(h)
        XCTAssertTrue(h.did(.bringLinkUp(interface: "eth2")))
        h.send(.carrierChanged(up: true)); record(h)
        XCTAssertTrue(h.did(.startDHCP(interface: "eth2")))
        h.send(.leaseAcquired(Harness.lease)); record(h)
        XCTAssertEqual(h.effects, [.applyNetwork])
        h.send(.networkConfigured); record(h)
        XCTAssertEqual(h.effects, [.probe])
        h.send(.probeFinished(.reachable(milliseconds: 31))); record(h)
        XCTAssertTrue(h.did(.notifyReady))
        XCTAssertEqual(states, [.waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp,
                                .dhcp, .verifying, .online])
        XCTAssertEqual(h.timers[.health]?.delay, .seconds(300))
        XCTAssertEqual(h.machine.status.lease, Harness.lease)
        XCTAssertNil(h.machine.status.recoveryRung)
    }

    func testEveryStateChangeIsLoggedOldToNew() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        XCTAssertTrue(h.log.contains { $0.hasPrefix("state: waiting-for-device -> configuring-module") })
        XCTAssertTrue(h.last.contains { if case .notifyStatus("configuring-module") = $0 { return true } else { return false } })
    }

    func testReadyIsNotifiedOnlyOnce() {
        var h = Harness()
        h.driveOnline()
        h.send(.pdpDeactivated("+CGEV: NW DEACT"))
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: true, detail: ""))
        h.send(.carrierChanged(up: true))
        h.send(.probeFinished(.reachable(milliseconds: 20)))
        XCTAssertEqual(h.state, .online)
        XCTAssertFalse(h.did(.notifyReady))
    }

    func testHardSIMErrorIsReportedOnceAndNotRetried() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFailed(.hard("SIM PIN rejected")))
        XCTAssertEqual(h.state, .failed)
        XCTAssertTrue(h.did(.reportHardError("SIM PIN rejected")))
        XCTAssertTrue(h.timers.isEmpty, "no retry timer after a hard error")
        h.send(.bringUpFailed(.hard("SIM PIN rejected")))
        XCTAssertTrue(h.effects.isEmpty, "reported once")
        XCTAssertEqual(h.machine.status.hardError, "SIM PIN rejected")
        h.send(.adminUp)
        XCTAssertEqual(h.state, .configuringModule)
        XCTAssertTrue(h.did(.startBringUp))
        XCTAssertNil(h.machine.status.hardError)
    }

    func testHardErrorWhileOnlineRemovesTheConfiguration() {
        var h = Harness()
        h.driveOnline()
        h.send(.bringUpFailed(.hard("no SIM inserted")))
        XCTAssertEqual(h.state, .failed)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .removeNetwork, .reportHardError("no SIM inserted")])
        XCTAssertTrue(h.timers.isEmpty)
    }

    func testFailedStateRetriesOnceWhenTheSIMBecomesReady() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFailed(.hard("no SIM inserted")))
        h.send(.simReady)
        XCTAssertEqual(h.state, .configuringModule)
        XCTAssertTrue(h.did(.startBringUp))
        h.send(.simReady)
        XCTAssertTrue(h.effects.isEmpty, "SIM ready during a bring-up changes nothing")
    }

    func testFailedStateRetriesWhenTheDeviceIsReplugged() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFailed(.hard("no SIM")))
        h.send(.deviceVanished)
        XCTAssertEqual(h.state, .failed)
        h.send(.deviceAppeared("1-1"))
        XCTAssertEqual(h.state, .configuringModule)
    }

    func testRetryableBringUpFailureRetriesImmediatelyThenBacksOff() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFailed(.retryable("CGACT: +CME ERROR: 148")))
        // First attempt: immediate; the data call was never up, so the whole bring-up runs again.
        XCTAssertEqual(h.state, .configuringModule)
        XCTAssertTrue(h.did(.startBringUp))
        h.send(.bringUpFailed(.retryable("CGACT: +CME ERROR: 148")))
        XCTAssertEqual(h.state, .recovering)
        XCTAssertEqual(h.timers[.backoff]?.delay, .seconds(2))
        XCTAssertNotNil(h.machine.status.nextAttemptAt)
        h.fire(.backoff)
        XCTAssertEqual(h.state, .configuringModule, "second attempt on the same rung")
        XCTAssertEqual(h.machine.status.attemptsOnRung, 2)
        h.send(.bringUpFailed(.retryable("CGACT: +CME ERROR: 148")))
        XCTAssertEqual(h.timers[.backoff]?.delay, .seconds(4))
        h.fire(.backoff)
        XCTAssertEqual(h.state, .recovering, "third attempt climbs to the radio cycle")
        XCTAssertTrue(h.did(.perform(.radioCycle)))
        XCTAssertEqual(h.machine.status.recoveryRung, .radioCycle)
    }

    func testBringUpTimeoutCountsAsAFailure() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        XCTAssertEqual(h.timers[.step]?.delay, .seconds(600))
        h.fire(.step)
        XCTAssertEqual(h.machine.ladder.totalAttempts, 1)
        XCTAssertEqual(h.state, .configuringModule)
    }

    func testProgressAfterTheBringUpIsIgnored() {
        var h = Harness()
        h.driveOnline()
        h.send(.bringUpProgress(.registering))
        h.send(.bringUpFinished(interface: "eth3"))
        XCTAssertEqual(h.state, .online)
        XCTAssertEqual(h.machine.status.interface, "eth2")
    }

    // MARK: - Link, DHCP, verification

    func testNoCarrierWithinTheLinkTimeoutRestartsTheDataCall() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFinished(interface: "eth2"))
        XCTAssertEqual(h.timers[.step]?.delay, .seconds(30))
        h.fire(.step)
        XCTAssertEqual(h.state, .startingDataCall)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }

    func testNoLeaseWithinTheDHCPTimeoutRestartsDHCP() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        h.fire(.step)
        XCTAssertEqual(h.state, .dhcp)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .startDHCP(interface: "eth2")])
        XCTAssertEqual(h.machine.status.recoveryRung, .renewDHCP)
    }

    func testApplyFailureRestartsDHCP() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        h.send(.leaseAcquired(Harness.lease))
        h.send(.networkConfigFailed("RTM_NEWADDR: EPERM"))
        XCTAssertEqual(h.state, .dhcp)
        XCTAssertTrue(h.did(.startDHCP(interface: "eth2")))
    }

    func testVerificationRetriesTheProbeThenDiagnoses() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        h.send(.leaseAcquired(Harness.lease))
        h.send(.networkConfigured)
        h.send(.probeFinished(.unreachable("timeout")))
        XCTAssertEqual(h.state, .verifying)
        XCTAssertEqual(h.effects, [.probe])
        h.send(.probeFinished(.unreachable("timeout")))
        XCTAssertEqual(h.state, .degraded)
        XCTAssertEqual(h.effects, [.diagnose])
    }

    func testLateProbeResultIsIgnored() {
        var h = Harness()
        h.driveOnline()
        h.send(.probeFinished(.unreachable("late")))
        XCTAssertEqual(h.state, .online)
        XCTAssertTrue(h.effects.isEmpty)
    }

    // MARK: - Online supervision

    func testHealthProbeIsPeriodicAndNothingElseRuns() {
        var h = Harness()
        h.driveOnline()
        XCTAssertEqual(Set(h.timers.keys), [.health], "an idle online daemon only has the health timer")
        h.fire(.health)
        XCTAssertEqual(h.effects, [.probe, .refreshModuleFacts], "the module's facts are refreshed on the probe's wakeup")
        h.send(.probeFinished(.reachable(milliseconds: 50)))
        XCTAssertEqual(h.timers[.health]?.delay, .seconds(300))
        XCTAssertEqual(h.state, .online)
    }

    func testStaleTimerIsIgnored() {
        var h = Harness()
        h.driveOnline()
        let old = h.timers[.health]!.id
        h.fire(.health)
        h.send(.probeFinished(.reachable(milliseconds: 50)))
        h.send(.timerFired(old))
        XCTAssertTrue(h.effects.isEmpty)
    }

    func testFailedHealthProbeWithPDNDownRestartsTheDataCall() {
        var h = Harness()
        h.driveOnline()
        h.fire(.health)
        h.send(.probeFinished(.unreachable("timeout")))
        XCTAssertEqual(h.state, .degraded)
        XCTAssertTrue(h.did(.diagnose))
        h.send(.diagnosisFinished(Diagnosis(registration: .home, pdpActive: false)))
        XCTAssertEqual(h.state, .startingDataCall)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: true, detail: ""))
        XCTAssertEqual(h.state, .linkUp)
        h.send(.carrierChanged(up: true))
        XCTAssertEqual(h.state, .verifying, "lease kept: straight to the probe")
        h.send(.probeFinished(.reachable(milliseconds: 44)))
        XCTAssertEqual(h.state, .online)
        XCTAssertNil(h.machine.status.recoveryRung)
        XCTAssertEqual(h.machine.status.recoveryAttempts, 0)
    }

    func testFailedHealthProbeWithECMPathDownRenewsDHCP() {
        var h = Harness()
        h.driveOnline()
        h.fire(.health)
        h.send(.probeFinished(.unreachable("timeout")))
        h.send(.diagnosisFinished(Diagnosis(registration: .home, pdpActive: true, modulePingSucceeded: true)))
        XCTAssertEqual(h.state, .dhcp)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .removeNetwork, .startDHCP(interface: "eth2")])
    }

    func testDiagnosisNotRegisteredWaitsForRegistration() {
        var h = Harness()
        h.driveOnline()
        h.fire(.health)
        h.send(.probeFinished(.unreachable("timeout")))
        h.send(.diagnosisFinished(Diagnosis(registration: .searching)))
        XCTAssertEqual(h.state, .registering)
        XCTAssertEqual(h.timers[.step]?.delay, .seconds(180))
        h.send(.registrationChanged(.home))
        XCTAssertEqual(h.state, .startingDataCall, "the data call is restored after re-registering")
    }

    func testUnansweredDiagnosisCyclesTheRadio() {
        var h = Harness()
        h.driveOnline()
        h.fire(.health)
        h.send(.probeFinished(.unreachable("timeout")))
        h.fire(.step)
        XCTAssertEqual(h.state, .recovering)
        XCTAssertTrue(h.did(.perform(.radioCycle)))
    }

    func testPDPDeactivationURCIsConfirmedThenRestartsTheDataCall() {
        var h = Harness()
        h.driveOnline()
        h.send(.pdpDeactivated("+QIURC: \"pdpdeact\",1"))
        XCTAssertEqual(h.state, .online, "a URC alone changes nothing while online")
        XCTAssertEqual(h.effects, [.queryDataCall(.dropIndicated("PDP context deactivated (+QIURC: \"pdpdeact\",1)"))])
        h.answerDataCallQuery(active: false)
        XCTAssertEqual(h.state, .startingDataCall)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
        XCTAssertNil(h.timers[.health])
    }

    /// issue 12 soak: a spurious `+QIURC: "pdpdeact"` while the context is still active must not
    /// take a working link down.
    func testSpuriousPDPDeactivationURCKeepsTheLinkOnline() {
        var h = Harness()
        h.driveOnline()
        h.send(.pdpDeactivated("+QIURC: \"pdpdeact\",1"))
        XCTAssertEqual(h.effects, [.queryDataCall(.dropIndicated("PDP context deactivated (+QIURC: \"pdpdeact\",1)"))])
        h.answerDataCallQuery(active: true)
        XCTAssertEqual(h.state, .online)
        XCTAssertTrue(h.effects.isEmpty, "\(h.last)")
        XCTAssertNotNil(h.timers[.health], "health probing goes on")
    }

    /// issue 12 soak (the last 4 failed checks of the 1000-fault run): `+QNETDEVSTATUS: 0` while
    /// online is a hint like the others; the data call is restarted only when the module says so.
    func testNetDeviceUnboundURCIsConfirmedBeforeActing() {
        var h = Harness()
        h.driveOnline()
        h.send(.netDeviceStatus(connected: true))
        XCTAssertEqual(h.state, .online)
        h.send(.netDeviceStatus(connected: false))
        XCTAssertEqual(h.state, .online)
        XCTAssertEqual(h.effects, [.queryDataCall(.dropIndicated("data call unbound from the network device (+QNETDEVSTATUS: 0)"))])
        h.answerDataCallQuery(active: true)
        XCTAssertEqual(h.state, .online)
        XCTAssertTrue(h.effects.isEmpty, "\(h.last)")
        h.send(.netDeviceStatus(connected: false))
        h.answerDataCallQuery(active: false)
        XCTAssertEqual(h.state, .startingDataCall)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }

    func testUnansweredDataCallQueryCountsAsALostDataCall() {
        var h = Harness()
        h.driveOnline()
        h.send(.networkDetached)
        h.answerDataCallQuery(active: nil)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }

    func testDataCallURCBeforeTheDataPathIsProvenActsAtOnce() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1 (2c7c:0700)"))
        h.send(.bringUpProgress(.configuring))
        h.send(.bringUpProgress(.registering))
        h.send(.registrationChanged(.home))
        h.send(.bringUpProgress(.startingDataCall))
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        XCTAssertEqual(h.state, .dhcp)
        h.send(.pdpDeactivated("+CGEV: NW DEACT"))
        XCTAssertFalse(h.effects.contains { if case .queryDataCall = $0 { true } else { false } })
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }

    func testDetachRestartsTheDataCall() {
        var h = Harness()
        h.driveOnline()
        h.send(.networkDetached)
        XCTAssertEqual(h.effects, [.queryDataCall(.dropIndicated("packet service detached (+CGEV DETACH)"))])
        h.answerDataCallQuery(active: false)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }

    func testRegistrationLossWaitsThenVerifies() {
        var h = Harness()
        h.driveOnline()
        h.send(.registrationChanged(.searching))
        XCTAssertEqual(h.state, .online, "a URC alone changes nothing")
        XCTAssertEqual(h.effects, [.queryRegistration])
        h.send(.registrationQueried(.searching))
        XCTAssertEqual(h.state, .registering)
        XCTAssertTrue(h.effects.isEmpty, "the module searches by itself; nothing drastic yet")
        h.send(.registrationChanged(.roaming))
        XCTAssertEqual(h.state, .verifying)
        XCTAssertEqual(h.effects, [.probe])
    }

    func testRegistrationLossWithPDPDropRestartsTheDataCallOnceRegistered() {
        var h = Harness()
        h.driveOnline()
        h.send(.registrationChanged(.searching))
        h.send(.registrationQueried(.searching))
        h.send(.pdpDeactivated("+CGEV: NW DEACT"))
        XCTAssertEqual(h.state, .registering)
        h.send(.registrationChanged(.home))
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
    }

    func testRegistrationTimeoutCyclesTheRadio() {
        var h = Harness()
        h.driveOnline()
        h.send(.registrationChanged(.notSearching))
        h.send(.registrationQueried(.notSearching))
        h.fire(.step)
        XCTAssertTrue(h.did(.perform(.radioCycle)))
        h.send(.recoveryStepFinished(.radioCycle, succeeded: true, detail: ""))
        XCTAssertEqual(h.state, .linkUp)
        XCTAssertTrue(h.did(.bringLinkUp(interface: "eth2")))
        h.send(.carrierChanged(up: true))
        XCTAssertEqual(h.state, .verifying, "the lease survives a radio cycle")
    }

    func testCarrierLossWaitsForCarrierThenVerifies() {
        var h = Harness()
        h.driveOnline()
        h.send(.carrierChanged(up: false))
        XCTAssertEqual(h.state, .linkUp)
        XCTAssertEqual(h.timers[.step]?.delay, .seconds(30))
        h.send(.carrierChanged(up: true))
        XCTAssertEqual(h.state, .verifying)
    }

    func testLeaseLossRestartsDHCPAndRemovesTheConfiguration() {
        var h = Harness()
        h.driveOnline()
        h.send(.leaseLost("lease expired"))
        XCTAssertEqual(h.state, .dhcp)
        XCTAssertEqual(h.effects, [.removeNetwork, .stopDHCP(release: false), .startDHCP(interface: "eth2")])
        h.send(.leaseAcquired(Harness.lease))
        h.send(.networkConfigured)
        h.send(.probeFinished(.reachable(milliseconds: 10)))
        XCTAssertEqual(h.state, .online)
    }

    func testRenewedLeaseIsReappliedToRefreshTheAddressLifetime() {
        var h = Harness()
        h.driveOnline()
        var renewed = Harness.lease
        renewed.leaseSeconds = 7200
        h.send(.leaseAcquired(renewed))
        XCTAssertEqual(h.effects, [.applyNetwork])
        XCTAssertEqual(h.state, .online)
        var moved = Harness.lease
        moved.address = "192.168.225.40/24"
        h.send(.leaseAcquired(moved))
        XCTAssertEqual(h.effects, [.applyNetwork])
        XCTAssertEqual(h.state, .online)
    }

    func testUnexpectedModuleRestartIsConfirmedThenBringsUpAgain() {
        var h = Harness()
        h.driveOnline()
        h.send(.moduleRestarted)
        XCTAssertEqual(h.state, .online, "RDY alone changes nothing while online")
        XCTAssertEqual(h.effects, [.queryDataCall(.restartIndicated)])
        h.answerDataCallQuery(active: false)
        XCTAssertEqual(h.state, .configuringModule)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .removeNetwork, .startBringUp])
    }

    /// A spurious `RDY` while online (the context is still active: the module did not restart)
    /// must not tear the link down and re-run the bring-up.
    func testSpuriousRDYWhileOnlineKeepsTheLink() {
        var h = Harness()
        h.driveOnline()
        h.send(.moduleRestarted)
        h.answerDataCallQuery(active: true)
        XCTAssertEqual(h.state, .online)
        XCTAssertTrue(h.effects.isEmpty, "\(h.last)")
        XCTAssertNotNil(h.timers[.health])
    }

    func testModuleRestartDuringBringUpIsLeftToTheModemLayer() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.moduleRestarted)
        XCTAssertEqual(h.state, .configuringModule)
        XCTAssertTrue(h.effects.isEmpty)
    }

    // MARK: - Device removal

    func testUnplugRemovesTheConfigurationAndWaitsWithoutTimers() {
        var h = Harness()
        h.driveOnline()
        h.send(.deviceVanished)
        XCTAssertEqual(h.state, .waitingForDevice)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .removeNetwork])
        XCTAssertTrue(h.timers.isEmpty)
        h.send(.deviceAppeared("1-1"))
        XCTAssertEqual(h.state, .configuringModule)
        h.send(.bringUpFinished(interface: "eth3"))
        h.send(.carrierChanged(up: true))
        XCTAssertTrue(h.did(.startDHCP(interface: "eth3")))
    }

    /// Issue 11: a module that re-enumerates after the reboot bg95d asked for is a notice; an
    /// unplug while online is a warning.
    func testDeviceVanishingIsAWarningOnlyWhenNobodyAskedForIt() {
        var h = Harness()
        h.driveOnline()
        h.send(.deviceVanished)
        XCTAssertEqual(h.logged.last { $0.1 == "device vanished" }?.0, .warning)

        var reset = Harness()
        reset.driveOnline()
        reset.send(.adminReset)
        reset.send(.deviceVanished)
        XCTAssertEqual(reset.logged.last { $0.1 == "device vanished" }?.0, .notice)
    }

    func testRecoveryWithoutDeviceShowsWaitForDevice() {
        var h = Harness()
        h.driveOnline()
        h.dataCallDrops()
        h.send(.deviceVanished)
        XCTAssertEqual(h.machine.status.recoveryRung, .waitForDevice)
        XCTAssertEqual(h.state, .waitingForDevice)
    }

    // MARK: - The ladder end to end

    func testLadderClimbsToRebootAndWaitsForReenumeration() {
        var h = Harness()
        h.driveOnline()
        h.dataCallDrops()                                   // attempt 1: restart data call
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "CME 148"))
        XCTAssertEqual(h.state, .recovering)                           // attempt 2 after 2 s
        XCTAssertEqual(h.timers[.backoff]?.delay, .seconds(2))
        h.fire(.backoff)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "CME 148"))
        XCTAssertEqual(h.timers[.backoff]?.delay, .seconds(4))
        h.fire(.backoff)
        XCTAssertTrue(h.did(.perform(.radioCycle)))                    // attempt 3
        h.send(.recoveryStepFinished(.radioCycle, succeeded: false, detail: "timeout"))
        XCTAssertEqual(h.timers[.backoff]?.delay, .seconds(8))
        h.fire(.backoff)
        XCTAssertTrue(h.did(.perform(.radioCycle)))                    // attempt 4
        h.send(.recoveryStepFinished(.radioCycle, succeeded: false, detail: "timeout"))
        h.fire(.backoff)
        XCTAssertTrue(h.did(.perform(.rebootModule)))                  // attempt 5
        XCTAssertEqual(h.machine.status.recoveryRung, .rebootModule)
        XCTAssertEqual(h.machine.status.attemptsOnRung, 1)
        XCTAssertEqual(h.machine.status.recoveryAttempts, 5)
        h.send(.recoveryStepFinished(.rebootModule, succeeded: true, detail: ""))
        XCTAssertEqual(h.timers[.step]?.delay, .seconds(90))
        h.send(.deviceVanished)
        XCTAssertEqual(h.state, .waitingForDevice)
        h.send(.deviceAppeared("1-1"))
        XCTAssertEqual(h.state, .configuringModule)
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        h.send(.leaseAcquired(Harness.lease))
        h.send(.networkConfigured)
        h.send(.probeFinished(.reachable(milliseconds: 30)))
        XCTAssertEqual(h.state, .online)
        XCTAssertEqual(h.machine.status.recoveryAttempts, 0)
    }

    func testRebootThatNeverReenumeratesIsRetriedForeverWithCappedBackoff() {
        var s = Harness.fastSettings
        s.attemptsPerRung = 1
        var h = Harness(settings: s)
        h.driveOnline()
        h.moduleRestarts()                                // bring-up again
        var lastDelay: Duration = .zero
        for _ in 0..<12 {
            if h.timers[.backoff] != nil { lastDelay = h.timers[.backoff]!.delay; h.fire(.backoff) }
            if h.did(.perform(.rebootModule)) || h.state == .recovering && h.timers[.step] != nil {
                h.fire(.step)                            // reboot command or re-enumeration timed out
            } else if h.did(.perform(.radioCycle)) {
                h.send(.recoveryStepFinished(.radioCycle, succeeded: false, detail: "ERROR"))
            } else if h.did(.startBringUp) {
                h.send(.bringUpFailed(.retryable("no answer")))
            } else if h.did(.perform(.restartDataCall)) {
                h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "ERROR"))
            }
        }
        XCTAssertEqual(h.machine.status.recoveryRung, .rebootModule)
        XCTAssertEqual(lastDelay, .seconds(60), "backoff capped, never given up")
        XCTAssertEqual(h.state, .recovering)
    }

    func testAdminUpRetriesAPendingRecoveryNow() {
        var h = Harness()
        h.driveOnline()
        h.dataCallDrops()
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "ERROR"))
        XCTAssertNotNil(h.timers[.backoff])
        h.send(.adminUp)
        XCTAssertTrue(h.did(.perform(.restartDataCall)))
        XCTAssertNil(h.timers[.backoff])
    }

    func testLateRecoveryResultIsIgnored() {
        var h = Harness()
        h.driveOnline()
        h.send(.recoveryStepFinished(.restartDataCall, succeeded: false, detail: "late"))
        XCTAssertEqual(h.state, .online)
        XCTAssertTrue(h.effects.isEmpty)
    }

    // MARK: - Admin and shutdown

    func testAdminDownReleasesRemovesAndStaysDown() {
        var h = Harness()
        h.driveOnline()
        h.send(.adminDown)
        XCTAssertEqual(h.state, .down)
        XCTAssertEqual(h.effects, [.stopDHCP(release: true), .removeNetwork, .endDataCall])
        XCTAssertTrue(h.timers.isEmpty)
        h.dataCallDrops()
        h.send(.deviceVanished)
        h.send(.deviceAppeared("1-1"))
        XCTAssertEqual(h.state, .down)
        h.send(.adminUp)
        XCTAssertEqual(h.state, .configuringModule)
    }

    func testAdminResetRebootsTheModuleAndStartsOver() {
        var h = Harness()
        h.driveOnline()
        h.send(.adminReset)
        XCTAssertEqual(h.state, .recovering)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .removeNetwork, .perform(.rebootModule)])
        h.send(.deviceVanished)
        h.send(.deviceAppeared("1-1"))
        XCTAssertEqual(h.state, .configuringModule)
    }

    func testAdminUpWithoutDeviceWaits() {
        var h = Harness()
        h.send(.start)
        h.send(.adminDown)
        h.send(.adminUp)
        XCTAssertEqual(h.state, .waitingForDevice)
    }

    func testTerminateReleasesRemovesAndExits() {
        var h = Harness()
        h.driveOnline()
        h.send(.terminate)
        XCTAssertEqual(h.state, .stopping)
        XCTAssertEqual(h.effects, [.stopDHCP(release: true), .removeNetwork, .stopModem, .exit])
        h.send(.deviceVanished)
        XCTAssertTrue(h.last.isEmpty)
    }

    func testTerminateWithoutReleaseStillRemoves() {
        var s = Harness.fastSettings
        s.releaseOnShutdown = false
        var h = Harness(settings: s)
        h.send(.start)
        h.send(.terminate)
        XCTAssertEqual(h.effects, [.removeNetwork, .stopModem, .exit])
    }

    func testTerminateWhileDHCPRunsWithoutLeaseDoesNotRelease() {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1"))
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        h.send(.terminate)
        XCTAssertEqual(h.effects, [.stopDHCP(release: false), .removeNetwork, .stopModem, .exit])
    }
}
