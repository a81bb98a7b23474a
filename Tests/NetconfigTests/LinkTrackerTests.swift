import Netconfig
import XCTest

final class LinkTrackerTests: XCTestCase {
    let eth2 = LinkStatus(index: 4, name: "eth2", isUp: true, hasCarrier: true, operState: .up, mtu: 1500)

    func testReportsOnlyRealChangesInAFixedOrder() {
        var tracker = LinkTracker()
        XCTAssertEqual(tracker.update(eth2), [.appeared(eth2)])
        XCTAssertEqual(tracker.update(eth2), [], "a repeated RTM_NEWLINK is no event")

        var lost = eth2
        lost.hasCarrier = false
        lost.operState = .lowerLayerDown
        XCTAssertEqual(tracker.update(lost), [.carrierChanged(lost), .operStateChanged(lost)])

        var renamed = lost
        renamed.name = "wwan0"
        renamed.isUp = false
        renamed.mtu = 1400
        XCTAssertEqual(tracker.update(renamed), [.renamed(index: 4, from: "eth2", to: "wwan0"), .adminStateChanged(renamed), .mtuChanged(renamed)])
        XCTAssertEqual(tracker.links[4], renamed)
    }

    func testRemovalReportsTheLastKnownState() {
        var tracker = LinkTracker()
        _ = tracker.update(eth2)
        let sparse = LinkStatus(index: 4, name: "", isUp: false, hasCarrier: false, operState: .unknown, mtu: 0)
        XCTAssertEqual(tracker.remove(sparse), [.removed(eth2)])
        XCTAssertNil(tracker.links[4])
        XCTAssertEqual(tracker.remove(sparse), [.removed(sparse)])
    }

    func testResynchronizeAfterOverrunReportsTheDifference() {
        var tracker = LinkTracker()
        let lo = LinkStatus(index: 1, name: "lo", isUp: true, hasCarrier: true, operState: .unknown, mtu: 65536)
        _ = tracker.update(lo)
        _ = tracker.update(eth2)
        var down = lo
        down.isUp = false
        let newcomer = LinkStatus(index: 9, name: "eth3", isUp: false, hasCarrier: false, operState: .down, mtu: 1500)
        XCTAssertEqual(tracker.resynchronize(with: [down, newcomer]), [.removed(eth2), .adminStateChanged(down), .appeared(newcomer)])
    }

    func testOperStateMapsUnknownKernelValues() {
        XCTAssertEqual(OperState(kernelValue: 6), .up)
        XCTAssertEqual(OperState(kernelValue: 2), .down)
        XCTAssertEqual(OperState(kernelValue: 99), .unknown)
    }
}
