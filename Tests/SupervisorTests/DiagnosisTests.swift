import Supervisor
import XCTest

final class DiagnosisTests: XCTestCase {
    func testNotRegisteredWinsOverEverythingElse() {
        let d = Diagnosis(registration: .searching, pdpActive: true, netDeviceConnected: true, modulePingSucceeded: true)
        XCTAssertEqual(d.verdict, .notRegistered(.searching))
    }

    func testInactivePDPIsPDNDown() {
        guard case .pdnDown = Diagnosis(registration: .home, pdpActive: false).verdict else { return XCTFail() }
    }

    func testUnboundNetDeviceIsPDNDown() {
        guard case .pdnDown = Diagnosis(registration: .home, pdpActive: true, netDeviceConnected: false).verdict
        else { return XCTFail() }
    }

    func testFailingModulePingIsPDNDown() {
        guard case .pdnDown = Diagnosis(registration: .roaming, pdpActive: true, modulePingSucceeded: false).verdict
        else { return XCTFail() }
    }

    func testWorkingModulePingMeansTheECMPathIsDown() {
        guard case .ecmPathDown = Diagnosis(registration: .home, pdpActive: true, netDeviceConnected: true,
                                            modulePingSucceeded: true).verdict
        else { return XCTFail() }
    }

    func testActiveContextWithoutPingAnswerCountsAsECMPath() {
        guard case .ecmPathDown = Diagnosis(registration: .home, pdpActive: true).verdict else { return XCTFail() }
    }

    func testNoAnswersMeansUnresponsive() {
        XCTAssertEqual(Diagnosis().verdict, .moduleUnresponsive)
    }

    func testRegistrationStatMapping() {
        XCTAssertEqual((0...6).map { RegistrationState(stat: $0) },
                       [.notSearching, .home, .searching, .denied, .unknown, .roaming, .unknown])
        XCTAssertEqual(RegistrationState(stat: -1), .unknown)
        XCTAssertTrue(RegistrationState.roaming.isRegistered)
        XCTAssertFalse(RegistrationState.denied.isRegistered)
    }
}
