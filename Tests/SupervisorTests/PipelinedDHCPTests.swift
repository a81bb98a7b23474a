import Supervisor
import XCTest

/// Pipelined bring-up: the ECM interface exists while the module still configures and
/// registers, and the module's DHCP server answers without a data call, so the lease is taken
/// alongside the bring-up and applied (routes, DNS) only once the data call is up.
final class PipelinedDHCPTests: XCTestCase {
    /// start -> device -> configuring, with the ECM interface already there.
    private func bringingUpWithInterface() -> Harness {
        var h = Harness()
        h.send(.start)
        h.send(.deviceAppeared("1-1 (2c7c:0700)"))
        h.send(.netInterfaceAppeared("eth2"))
        XCTAssertEqual(h.state, .configuringModule)
        XCTAssertEqual(h.effects, [.bringLinkUp(interface: "eth2")])
        return h
    }

    func testLeaseIsTakenDuringTheBringUpAndAppliedOnlyWithTheDataCall() {
        var h = bringingUpWithInterface()
        var beforeDataCall: [SupervisorAction] = []
        h.send(.carrierChanged(up: true))
        beforeDataCall += h.effects
        XCTAssertEqual(h.effects, [.startDHCP(interface: "eth2")])
        XCTAssertEqual(h.state, .configuringModule, "DHCP runs beside the bring-up, not instead of it")
        h.send(.bringUpProgress(.registering))
        h.send(.leaseAcquired(Harness.lease))
        beforeDataCall += h.effects
        XCTAssertEqual(h.state, .registering)
        h.send(.registrationChanged(.home))
        h.send(.bringUpProgress(.startingDataCall))
        beforeDataCall += h.effects
        XCTAssertFalse(beforeDataCall.contains(.applyNetwork), "no default route into a PDN that is not up: \(beforeDataCall)")

        h.send(.bringUpFinished(interface: "eth2"))
        XCTAssertEqual(h.effects, [.bringLinkUp(interface: "eth2")])
        h.send(.carrierChanged(up: true))
        XCTAssertEqual(h.effects, [.applyNetwork], "the lease is there: applied at once, no second DHCP")
        h.send(.networkConfigured)
        XCTAssertEqual(h.effects, [.probe])
        h.send(.probeFinished(.reachable(milliseconds: 30)))
        XCTAssertEqual(h.state, .online)
    }

    func testDataCallBeforeTheLeaseWaitsForTheRunningClient() {
        var h = bringingUpWithInterface()
        h.send(.carrierChanged(up: true))
        h.send(.bringUpProgress(.startingDataCall))
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        XCTAssertEqual(h.state, .dhcp)
        XCTAssertFalse(h.effects.contains(.startDHCP(interface: "eth2")), "the running client is not restarted: \(h.effects)")
        XCTAssertEqual(h.timers[.step]?.delay, h.machine.settings.dhcpTimeout)
        h.send(.leaseAcquired(Harness.lease))
        XCTAssertEqual(h.effects, [.applyNetwork])
    }

    func testLeaseLostDuringTheBringUpStopsTheClientAndCarrierStartsAFreshOne() {
        var h = bringingUpWithInterface()
        h.send(.carrierChanged(up: true))
        h.send(.leaseAcquired(Harness.lease))
        h.send(.leaseLost("nak"))
        XCTAssertEqual(h.effects, [.stopDHCP(release: false)])
        h.send(.bringUpFinished(interface: "eth2"))
        h.send(.carrierChanged(up: true))
        XCTAssertTrue(h.effects.contains(.startDHCP(interface: "eth2")), "\(h.effects)")
    }

    func testNoInterfaceBeforeTheDataCallKeepsTheSequentialPath() {
        var h = Harness()
        h.driveOnline()
        XCTAssertFalse(h.log.contains { $0.contains("while the bring-up runs") })
    }

    func testInterfaceOutsideABringUpChangesNothing() {
        var h = Harness()
        h.driveOnline()
        h.send(.netInterfaceAppeared("eth3"))
        XCTAssertTrue(h.effects.isEmpty)
        XCTAssertEqual(h.machine.status.interface, "eth2")
    }

    func testDeviceVanishingStopsTheEarlyClient() {
        var h = bringingUpWithInterface()
        h.send(.carrierChanged(up: true))
        h.send(.leaseAcquired(Harness.lease))
        h.send(.deviceVanished)
        XCTAssertTrue(h.effects.contains(.stopDHCP(release: false)), "\(h.effects)")
        XCTAssertFalse(h.effects.contains(.applyNetwork))
        XCTAssertNil(h.machine.status.interface)
    }
}
