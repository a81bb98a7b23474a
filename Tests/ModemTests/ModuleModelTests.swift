import ATProtocol
import Modem
import XCTest

/// The module model: filled from every reply and URC the machine sees, each fact with its time.
final class ModuleModelTests: XCTestCase {
    func testBringUpAndSurveyFillEveryFact() throws {
        var configuration = ModemConfiguration(apn: "internet")
        configuration.surveyAfterDataCall = true
        var m = try ScriptedModule(configuration)
        let start = m.now
        m.event(.deviceChanged(atPort: "/dev/ttyUSB2", netInterface: "usb0"))
        m.open()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        // The survey runs after the data call is up, so it never delays getting online.
        m.now = m.now.advanced(by: .seconds(3))
        m.expect("AT+CGSN", "866349041234567", "OK")
        m.expect("AT+CIMI", "262011234567890", "OK")
        m.expect("AT+QCCID", "+QCCID: 89490200001234567890", "OK")
        m.expect("AT+CGATT?", "+CGATT: 1", "OK")
        m.expect("AT+COPS?", "+COPS: 0,0,\"Telekom.de\",8", "OK")
        m.expect("AT+QNWINFO", "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300", "OK")
        m.expect("AT+QCSQ", "+QCSQ: \"eMTC\",-65,-95,150,-10", "OK")
        XCTAssertNil(m.pending, "the survey ends")

        let model = m.machine.module
        XCTAssertEqual(model.model?.value, "BG95-M3")
        XCTAssertEqual(model.firmware?.value, "BG95M3LAR02A03_01.202.01.202")
        XCTAssertEqual(model.imei?.value, "866349041234567")
        XCTAssertEqual(model.imsi?.value, "262011234567890")
        XCTAssertEqual(model.iccid?.value, "89490200001234567890")
        XCTAssertEqual(model.sim?.value, .ready)
        XCTAssertEqual(model.usbnet?.value, .ecm)
        XCTAssertEqual(model.urcPort?.value, .usbAT)
        XCTAssertEqual(model.registration?.value.status, .home)
        XCTAssertEqual(model.registration?.value.trackingAreaCode, 0x1A2B)
        XCTAssertEqual(model.operatorSelection?.value.operatorName, "Telekom.de")
        guard case .serving(let network)? = model.networkInfo?.value else { return XCTFail("no QNWINFO") }
        XCTAssertEqual(network.operatorCode, "26201")
        guard case .catM1(let signal)? = model.servingSignal?.value else { return XCTFail("no QCSQ") }
        XCTAssertEqual(signal.rsrp, -95)
        XCTAssertEqual(model.attached?.value, true)
        XCTAssertEqual(model.contexts?.value.first?.apn, "internet")
        XCTAssertEqual(model.netDeviceControl?.value.first?.isConnected, true)
        XCTAssertTrue(model.dataCallIsUp)
        XCTAssertEqual(model.atPort?.value, "/dev/ttyUSB2")
        XCTAssertEqual(model.ecmInterface?.value, "usb0")
        // Each fact carries when it was confirmed.
        XCTAssertEqual(model.imei?.at, start.advanced(by: .seconds(3)))
        XCTAssertEqual(model.firmware?.at, start)
        XCTAssertEqual(model.imei?.age(now: start.advanced(by: .seconds(10))), 7)
    }

    func testURCsUpdateTheModelAndLoseTheDataCall() throws {
        var model = ModuleModel()
        let t0 = ContinuousClock.now
        let denied = try RegistrationInfo(parsingURC: "+CEREG: 3,\"1A2B\",\"01A2D001\",8,0,7")
        model.absorb(.registration(denied), at: t0)
        XCTAssertEqual(model.registration?.value.status, .denied)
        XCTAssertEqual(model.lastRejectCause?.value.cause, 7)
        model.absorb(.registration(RegistrationInfo(status: .home)), at: t0.advanced(by: .seconds(1)))
        XCTAssertEqual(model.registration?.value.status, .home)
        XCTAssertEqual(model.lastRejectCause?.value.cause, 7, "the last refusal is remembered")

        model.dataCall = Observed(.up(DataCall(contextID: 1, method: .qnetdevctl, addresses: ["10.0.0.1"], firmware: nil,
                                               model: nil, apn: "internet", registration: .home)), at: t0)
        model.absorb(.pdpDeactivated(cid: 2), at: t0)
        XCTAssertTrue(model.dataCallIsUp, "another context's drop is not ours")
        model.absorb(.pdpDeactivated(cid: 1), at: t0.advanced(by: .seconds(2)))
        XCTAssertEqual(model.dataCall?.value, .lost("+QIURC: \"pdpdeact\",1"))
        XCTAssertEqual(model.dataCall?.at, t0.advanced(by: .seconds(2)))
        model.absorb(.ready, at: t0)
        XCTAssertNil(model.registration, "a reboot forgets the radio state")
    }

    func testAnOperatorsCommandFillsTheModelToo() throws {
        var m = try ScriptedModule(ModemConfiguration(apn: "internet"))
        // A response to a command the machine did not send (bg95ctl at, diagnosis) is a fact.
        m.open()
        m.event(.submit(.servingSignalQuery, CommandTicket(rawValue: 1)))
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"ecm\"", "OK")
        m.expect("AT+QCSQ", "+QCSQ: \"NBIoT\",-70,-101,120,-12", "OK")
        guard case .nbIoT(let signal)? = m.machine.module.servingSignal?.value else { return XCTFail("not absorbed") }
        XCTAssertEqual(signal.rsrq, -12)
    }

    func testARefreshRereadsTheChangingFactsOnlyWhileUpAndIdle() throws {
        var configuration = ModemConfiguration(apn: "internet")
        configuration.surveyAfterDataCall = false
        var m = try ScriptedModule(configuration)
        m.open()
        m.event(.refreshModuleFacts)
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"", "no refresh while the bring-up runs")
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        XCTAssertNil(m.pending)
        XCTAssertFalse(m.timers.contains(.survey), "no timer of its own without module_survey_interval")
        let later = m.now.advanced(by: .seconds(300))
        m.now = later
        m.event(.refreshModuleFacts)
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D002\",9", "OK")
        m.expect("AT+COPS?", "+COPS: 0,0,\"Telekom.de\",9", "OK")
        m.expect("AT+QNWINFO", "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300", "OK")
        m.expect("AT+QCSQ", "+QCSQ: \"eMTC\",-80,-100,140,-10", "OK")
        XCTAssertNil(m.pending)
        XCTAssertEqual(m.machine.module.registration?.at, later, "the refreshed fact carries the refresh's time")
        XCTAssertEqual(m.machine.module.servingSignal?.at, later)
    }

    func testIdentityParsersRefuseGarbage() {
        XCTAssertEqual(try IMEI(parsing: "866349041234567").digits, "866349041234567")
        XCTAssertThrowsError(try IMEI(parsing: "86634904123456X"))
        XCTAssertThrowsError(try IMEI(parsing: "12"))
        XCTAssertEqual(try IMSI(parsing: "262011234567890").homeNetwork, "26201")
        XCTAssertThrowsError(try IMSI(parsing: "2620112345678901234"))
        XCTAssertEqual(try ICCID(parsing: "+QCCID: 8949020000123456789F").text, "8949020000123456789F")
        XCTAssertThrowsError(try ICCID(parsing: "+QCCID: 89;rm -rf"))
        XCTAssertThrowsError(try ICCID(parsing: "+CCID: 89490200001234567890"))
    }

    func testTheSurveyIsRepeatedWhileTheDataCallIsUp() throws {
        var configuration = ModemConfiguration(apn: "internet")
        configuration.surveyAfterDataCall = true
        configuration.surveyInterval = .seconds(60)
        var m = try ScriptedModule(configuration)
        m.open()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        for command in ["AT+CGSN", "AT+CIMI", "AT+QCCID", "AT+CGATT?", "AT+COPS?", "AT+QNWINFO"] { m.expect(command, "ERROR") }
        m.expect("AT+QCSQ", "+QCSQ: \"eMTC\",-65,-95,150,-10", "OK")
        XCTAssertTrue(m.timers.contains(.survey))
        m.fire(.survey, after: .seconds(60))
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        m.expect("AT+COPS?", "+COPS: 0,0,\"Telekom.de\",8", "OK")
        m.expect("AT+QNWINFO", "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300", "OK")
        m.expect("AT+QCSQ", "+QCSQ: \"eMTC\",-70,-101,120,-12", "OK")
        guard case .catM1(let signal)? = m.machine.module.servingSignal?.value else { return XCTFail("no signal") }
        XCTAssertEqual(signal.rsrp, -101, "the newer reading")
        XCTAssertEqual(m.machine.module.servingSignal?.at, m.now)
        XCTAssertTrue(m.timers.contains(.survey), "and again later")
        // Not while the data call is being restarted.
        m.event(.restartDataCall)
        XCTAssertFalse(m.timers.contains(.survey))
    }
}
