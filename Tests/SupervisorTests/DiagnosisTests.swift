import ATProtocol
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

    func testRegistrationNamesAreTheStatusSpelling() {
        XCTAssertEqual(RegistrationStatus.allCases.map(\.name),
                       ["not-searching", "home", "searching", "denied", "unknown", "roaming",
                        "sms-only-home", "sms-only-roaming", "emergency-only"])
        XCTAssertTrue(RegistrationStatus.roaming.isRegistered)
        XCTAssertFalse(RegistrationStatus.smsOnlyHome.isRegistered)
    }
}
