import ATProtocol
import Modem
import Supervisor
import XCTest

/// What the modem layer's outputs mean to the supervisor (`SupervisorEvent+Modem`): the I/O side
/// only forwards these, so each mapping is pinned here with the module's own lines.
final class ModemReportMappingTests: XCTestCase {
    private func event(_ line: String) -> SupervisorEvent? { SupervisorEvent(urc: URC.parse(line)) }

    func testURCsTheSupervisorActsOn() {
        XCTAssertEqual(event("RDY"), .moduleRestarted)
        XCTAssertEqual(event("+CEREG: 5"), .registrationChanged(.roaming))
        XCTAssertEqual(event("+CEREG: 3,,,,0,7"), .registrationChanged(.denied, rejectCause: 7))
        guard case .pdpDeactivated(let text)? = event("+CGEV: NW DEACT \"IP\",\"10.0.0.2\",1") else {
            return XCTFail("+CGEV: NW DEACT is a PDP deactivation")
        }
        XCTAssertTrue(text.hasPrefix("+CGEV: "), text)
        XCTAssertEqual(event("+CGEV: ME DEACT \"IP\",\"10.0.0.2\",1").map { "\($0)".hasPrefix("pdpDeactivated") }, true)
        XCTAssertEqual(event("+CGEV: NW DETACH"), .networkDetached)
        XCTAssertEqual(event("+QIURC: \"pdpdeact\",1"), .pdpDeactivated("+QIURC: \"pdpdeact\",1"))
        XCTAssertEqual(event("+QNETDEVSTATUS: 0"), .netDeviceStatus(connected: false))
        XCTAssertEqual(event("+CPIN: READY"), .simReady)
    }

    func testURCsTheSupervisorIgnores() {
        for line in ["APP RDY", "+CPIN: NOT INSERTED", "POWERED DOWN", "+CFUN: 1", "+QUSIM: 1", "+CGEV: ME PDN ACT 1",
                     "+QIND: SMS DONE", "+QPING: 0,4,64,1,1,1,1", "+SOMETHING: new", "+CEREG: banana"] {
            XCTAssertNil(event(line), line)
        }
    }

    func testBringUpStatesMapOntoTheSupervisorsStages() {
        XCTAssertEqual(BringUpStage(.identifying), .configuring)
        XCTAssertEqual(BringUpStage(.rebooting), .configuring)
        XCTAssertEqual(BringUpStage(.configuringContext), .configuring)
        XCTAssertEqual(BringUpStage(.registering(RegistrationAttempt())), .registering)
        XCTAssertEqual(BringUpStage(.unlockingSIM(pinSent: true)), .configuring)
        XCTAssertEqual(BringUpStage(.activating), .startingDataCall)
        XCTAssertNil(BringUpStage(.waitingForModule))
        XCTAssertNil(BringUpStage(.stopped))
        XCTAssertNil(BringUpStage(.failed(.simNotInserted)))
    }

    /// A refusal carries its cause (the cause decides the policy, not the ladder); what needs
    /// an operator is reported once; the rest the ladder retries.
    func testFailuresAreClassifiedByWhatCanHelp() {
        XCTAssertEqual(BringUpFailure(.registrationDenied(cause: 7)), .rejected(cause: 7))
        XCTAssertEqual(BringUpFailure(.registrationDenied(cause: nil)), .rejected(cause: nil))
        XCTAssertEqual(BringUpFailure(.wrongPIN), .hard(BringUpError.wrongPIN.description))
        XCTAssertEqual(BringUpFailure(.simNotInserted), .hard(BringUpError.simNotInserted.description))
        XCTAssertEqual(BringUpFailure(.moduleNotResponding(command: "AT+CGATT=1")),
                       .retryable(BringUpError.moduleNotResponding(command: "AT+CGATT=1").description))
    }
}
