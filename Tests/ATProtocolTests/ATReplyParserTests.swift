import XCTest
@testable import ATProtocol

/// Asserts that parsing `line` fails with exactly `reason`.
func assertParseFails<T: ATReply>(
    _ type: T.Type, _ line: String, _ reason: ATParseError.Reason,
    file: StaticString = #filePath, line sourceLine: UInt = #line
) {
    do {
        let value = try T(parsing: line)
        XCTFail("parsed \(value) from \(line)", file: file, line: sourceLine)
    } catch {
        XCTAssertEqual(error.reason, reason, line, file: file, line: sourceLine)
    }
}

final class ATReplyParserTests: XCTestCase {
    // MARK: +CPIN

    func testSIMStates() throws {
        XCTAssertEqual(try SIMState(parsing: "+CPIN: READY"), .ready)
        XCTAssertEqual(try SIMState(parsing: "+CPIN: SIM PIN"), .pinRequired)
        XCTAssertEqual(try SIMState(parsing: "+CPIN: SIM PUK"), .pukRequired)
        XCTAssertEqual(try SIMState(parsing: "+CPIN: NOT INSERTED"), .notInserted)
        for state in SIMState.allCases {
            XCTAssertEqual(try SIMState(parsing: "+CPIN: \(state.rawValue)"), state)
        }
        assertParseFails(SIMState.self, "+CPIN:", .missingField("code"))
        assertParseFails(SIMState.self, "+CPIN: READY,1", .extraFields(expected: 1, found: 2))
        assertParseFails(SIMState.self, "+CPIN: BOGUS", .unknownValue(field: "code"))
        assertParseFails(SIMState.self, "+CPINS: READY", .unexpectedPrefix(expected: "+CPIN"))
        assertParseFails(SIMState.self, "READY", .unexpectedPrefix(expected: "+CPIN"))
        assertParseFails(SIMState.self, "+CPIN: \"READY", .unterminatedQuote)
    }

    // MARK: +CEREG

    func testRegistrationURCForms() throws {
        XCTAssertEqual(try RegistrationInfo(parsingURC: "+CEREG: 1"), RegistrationInfo(status: .home))
        XCTAssertEqual(try RegistrationInfo(parsingURC: "+CEREG: 2"), RegistrationInfo(status: .searching))
        XCTAssertEqual(
            try RegistrationInfo(parsingURC: "+CEREG: 5,\"00C3\",\"0A1B2C3D\",8"),
            RegistrationInfo(status: .roaming, trackingAreaCode: 0xC3, cellID: 0x0A1B_2C3D, accessTechnology: .catM1))
        XCTAssertEqual(
            try RegistrationInfo(parsingURC: "+CEREG: 1,\"1A2B\",\"01A2B3C4\",9"),
            RegistrationInfo(status: .home, trackingAreaCode: 0x1A2B, cellID: 0x01A2_B3C4, accessTechnology: .nbIoT))
        // n=3: reject cause after AcT.
        XCTAssertEqual(
            try RegistrationInfo(parsingURC: "+CEREG: 3,\"1A2B\",\"01A2B3C4\",8,0,15"),
            RegistrationInfo(status: .denied, trackingAreaCode: 0x1A2B, cellID: 0x01A2_B3C4, accessTechnology: .catM1,
                             rejectCause: RejectCause(type: 0, cause: 15)))
        XCTAssertEqual(
            try RegistrationInfo(parsingURC: "+CEREG: 3,,,,0,11"),
            RegistrationInfo(status: .denied, rejectCause: RejectCause(type: 0, cause: 11)))
        XCTAssertEqual(
            try RegistrationInfo(parsingURC: "+CEREG: 3,\"\",\"\",,1,7"),
            RegistrationInfo(status: .denied, rejectCause: RejectCause(type: 1, cause: 7)))
        // n=4: PSM timers.
        XCTAssertEqual(
            try RegistrationInfo(parsingURC: "+CEREG: 1,\"1A2B\",\"01A2B3C4\",8,,,\"00100100\",\"01000111\""),
            RegistrationInfo(status: .home, trackingAreaCode: 0x1A2B, cellID: 0x01A2_B3C4, accessTechnology: .catM1,
                             activeTime: "00100100", periodicTAU: "01000111"))
        XCTAssertTrue(RegistrationStatus.home.isRegistered)
        XCTAssertTrue(RegistrationStatus.roaming.isRegistered)
        XCTAssertFalse(RegistrationStatus.denied.isRegistered)
        XCTAssertFalse(RegistrationStatus.searching.isRegistered)
    }

    func testRegistrationReadReplyForms() throws {
        XCTAssertEqual(
            try RegistrationReadReply(parsing: "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",8"),
            RegistrationReadReply(reporting: .location, info: RegistrationInfo(
                status: .home, trackingAreaCode: 0x1A2B, cellID: 0x01A2_B3C4, accessTechnology: .catM1)))
        XCTAssertEqual(try RegistrationReadReply(parsing: "+CEREG: 0,4"),
                       RegistrationReadReply(reporting: .disabled, info: RegistrationInfo(status: .unknown)))
        XCTAssertEqual(try RegistrationReadReply(parsing: "+CEREG: 2,2"),
                       RegistrationReadReply(reporting: .location, info: RegistrationInfo(status: .searching)))
        XCTAssertEqual(
            try RegistrationReadReply(parsing: "+CEREG: 3,3,\"1A2B\",\"01A2B3C4\",8,0,15"),
            RegistrationReadReply(reporting: .locationAndCause, info: RegistrationInfo(
                status: .denied, trackingAreaCode: 0x1A2B, cellID: 0x01A2_B3C4, accessTechnology: .catM1,
                rejectCause: RejectCause(type: 0, cause: 15))))
    }

    func testRegistrationMalformed() {
        assertParseFails(RegistrationReadReply.self, "+CEREG:", .missingField("n"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2", .missingField("stat"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 6,1", .outOfRange(field: "n"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,9", .outOfRange(field: "stat"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,x", .notAnInteger(field: "stat"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,99999999999999999999", .numberTooLong(field: "stat"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,1,1A2B,\"01A2B3C4\",8", .wrongType(field: "tac"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,1,\"XYZ\",\"01A2B3C4\",8", .notAnInteger(field: "tac"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,1,\"1A2B\",\"101A2B3C4\",8", .numberTooLong(field: "ci"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",\"8\"", .wrongType(field: "AcT"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 3,3,\"1A2B\",\"01A2B3C4\",8,0", .missingField("reject_cause"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 3,3,\"1A2B\",\"01A2B3C4\",8,,15", .missingField("cause_type"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 4,1,\"1A2B\",\"01A2B3C4\",8,,,\"0012\",\"0\"", .invalidText(field: "Active-Time"))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 5,1,\"1\",\"2\",8,0,1,\"0\",\"1\",9", .extraFields(expected: 9, found: 10))
        assertParseFails(RegistrationReadReply.self, "+CEREG: 2,1,\"1A2B", .unterminatedQuote)
        XCTAssertThrowsError(try RegistrationInfo(parsingURC: "+CEREG: 2,1")) { error in
            XCTAssertEqual((error as? ATParseError)?.reason, .wrongType(field: "tac"))
        }
        XCTAssertThrowsError(try RegistrationInfo(parsingURC: "+CEREG: 1,\"1A2B\",\"01A2B3C4\",8,0,15,\"1\",\"1\",1")) { error in
            XCTAssertEqual((error as? ATParseError)?.reason, .extraFields(expected: 8, found: 9))
        }
    }

    // MARK: +CGATT, +COPS, +QNWINFO

    func testAttachState() {
        XCTAssertEqual(try AttachState(parsing: "+CGATT: 1"), AttachState(isAttached: true))
        XCTAssertEqual(try AttachState(parsing: "+CGATT: 0"), AttachState(isAttached: false))
        assertParseFails(AttachState.self, "+CGATT: 2", .outOfRange(field: "state"))
        assertParseFails(AttachState.self, "+CGATT: \"1\"", .wrongType(field: "state"))
        assertParseFails(AttachState.self, "+CGATT: 1,1", .extraFields(expected: 1, found: 2))
        assertParseFails(AttachState.self, "+CGATT: ", .missingField("state"))
        assertParseFails(AttachState.self, "+CGATT: -1", .outOfRange(field: "state"))
        assertParseFails(AttachState.self, "+CGATT: 1x", .notAnInteger(field: "state"))
    }

    func testOperatorSelection() throws {
        XCTAssertEqual(try OperatorSelection(parsing: "+COPS: 0,0,\"Telekom.de\",8"),
                       OperatorSelection(mode: 0, format: 0, operatorName: "Telekom.de", accessTechnology: .catM1))
        XCTAssertEqual(try OperatorSelection(parsing: "+COPS: 1,2,\"26201\",9"),
                       OperatorSelection(mode: 1, format: 2, operatorName: "26201", accessTechnology: .nbIoT))
        XCTAssertEqual(try OperatorSelection(parsing: "+COPS: 0"),
                       OperatorSelection(mode: 0, format: nil, operatorName: nil, accessTechnology: nil))
        XCTAssertEqual(try OperatorSelection(parsing: "+COPS: 0,0,\"Telekom.de\"").accessTechnology, nil)
        assertParseFails(OperatorSelection.self, "+COPS: 0,0", .missingField("oper"))
        assertParseFails(OperatorSelection.self, "+COPS: 0,0,Telekom,8", .wrongType(field: "oper"))
        assertParseFails(OperatorSelection.self, "+COPS: 5", .outOfRange(field: "mode"))
        assertParseFails(OperatorSelection.self, "+COPS: 0,0,\"Telekom.de\",8,1", .extraFields(expected: 4, found: 5))
        assertParseFails(OperatorSelection.self, "+COPS: 0,0,\"Tele\u{1}kom\",8", .invalidText(field: "oper"))
    }

    func testNetworkInfo() throws {
        XCTAssertEqual(try NetworkInfo(parsing: "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300"),
                       .serving(.init(accessTechnology: "eMTC", operatorCode: "26201", band: "LTE BAND 20", channel: 6300)))
        XCTAssertEqual(try NetworkInfo(parsing: "+QNWINFO: \"NBIoT\",26201,\"LTE BAND 8\",3740"),
                       .serving(.init(accessTechnology: "NBIoT", operatorCode: "26201", band: "LTE BAND 8", channel: 3740)))
        XCTAssertEqual(try NetworkInfo(parsing: "+QNWINFO: No Service"), .noService)
        assertParseFails(NetworkInfo.self, "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\"", .missingField("channel"))
        assertParseFails(NetworkInfo.self, "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",abc", .notAnInteger(field: "channel"))
        assertParseFails(NetworkInfo.self, "+QNWINFO: eMTC,\"26201\",\"LTE BAND 20\",6300", .wrongType(field: "act"))
        assertParseFails(NetworkInfo.self, "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300,1", .extraFields(expected: 4, found: 5))
    }

    // MARK: +QCSQ, +CSQ

    func testServingSignal() throws {
        XCTAssertEqual(try ServingSignal(parsing: "+QCSQ: \"eMTC\",-65,-92,150,-10"),
                       .catM1(LTESignal(rssi: -65, rsrp: -92, sinr: 150, rsrq: -10)))
        XCTAssertEqual(try ServingSignal(parsing: "+QCSQ: \"NBIoT\",-70,-101,40,-12"),
                       .nbIoT(LTESignal(rssi: -70, rsrp: -101, sinr: 40, rsrq: -12)))
        XCTAssertEqual(try ServingSignal(parsing: "+QCSQ: \"GSM\",-75"), .gsm(rssi: -75))
        XCTAssertEqual(try ServingSignal(parsing: "+QCSQ: \"NOSERVICE\""), .noService)
        // SINR: 0...250 is -20...+30 dB in 0.2 dB steps.
        XCTAssertEqual(LTESignal(rssi: 0, rsrp: 0, sinr: 0, rsrq: 0).sinrDecibels, -20)
        XCTAssertEqual(LTESignal(rssi: 0, rsrp: 0, sinr: 100, rsrq: 0).sinrDecibels, 0)
        XCTAssertEqual(LTESignal(rssi: 0, rsrp: 0, sinr: 150, rsrq: 0).sinrDecibels, 10)
        XCTAssertEqual(LTESignal(rssi: 0, rsrp: 0, sinr: 250, rsrq: 0).sinrDecibels, 30)
        XCTAssertEqual(LTESignal(rssi: 0, rsrp: 0, sinr: 1, rsrq: 0).sinrDecibels, -19.8, accuracy: 1e-9)
        assertParseFails(ServingSignal.self, "+QCSQ: \"eMTC\",-65,-92,251,-10", .outOfRange(field: "sinr"))
        assertParseFails(ServingSignal.self, "+QCSQ: \"eMTC\",-65,-92", .missingField("sinr"))
        assertParseFails(ServingSignal.self, "+QCSQ: \"eMTC\",-65,-92,150,-10,1", .extraFields(expected: 5, found: 6))
        assertParseFails(ServingSignal.self, "+QCSQ: \"WCDMA\",-65", .unknownValue(field: "sysmode"))
        assertParseFails(ServingSignal.self, "+QCSQ: \"NOSERVICE\",1", .extraFields(expected: 1, found: 2))
        assertParseFails(ServingSignal.self, "+QCSQ: NOSERVICE", .wrongType(field: "sysmode"))
        assertParseFails(ServingSignal.self, "+QCSQ: \"eMTC\",--65,-92,150,-10", .notAnInteger(field: "rssi"))
    }

    func testSignalQuality() throws {
        XCTAssertEqual(try SignalQuality(parsing: "+CSQ: 20,99").rssiDBm, -73)
        XCTAssertEqual(try SignalQuality(parsing: "+CSQ: 0,0").rssiDBm, -113)
        XCTAssertEqual(try SignalQuality(parsing: "+CSQ: 31,7").rssiDBm, -51)
        XCTAssertNil(try SignalQuality(parsing: "+CSQ: 99,99").rssiDBm)
        assertParseFails(SignalQuality.self, "+CSQ: 32,0", .outOfRange(field: "rssi"))
        assertParseFails(SignalQuality.self, "+CSQ: 20,8", .outOfRange(field: "ber"))
        assertParseFails(SignalQuality.self, "+CSQ: 20", .missingField("ber"))
        assertParseFails(SignalQuality.self, "+CSQ: 20,99,1", .extraFields(expected: 2, found: 3))
    }

    // MARK: PDP context

    func testContextDefinitions() throws {
        XCTAssertEqual(try PDPContextDefinition(parsing: "+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0,0,0"),
                       PDPContextDefinition(cid: 1, type: .ipv4, apn: "internet"))
        XCTAssertEqual(try PDPContextDefinition(parsing: "+CGDCONT: 2,\"IPV4V6\",\"\",\"\",0,0"),
                       PDPContextDefinition(cid: 2, type: .ipv4v6, apn: ""))
        XCTAssertEqual(try PDPContextDefinition(parsing: "+CGDCONT: 3,\"IPV6\",\"ims\"").type, .ipv6)
        assertParseFails(PDPContextDefinition.self, "+CGDCONT: 1,IP,\"internet\"", .wrongType(field: "PDP_type"))
        assertParseFails(PDPContextDefinition.self, "+CGDCONT: 1,\"X25\",\"internet\"", .unknownValue(field: "PDP_type"))
        assertParseFails(PDPContextDefinition.self, "+CGDCONT: 1", .missingField("PDP_type"))
        assertParseFails(PDPContextDefinition.self, "+CGDCONT: 1,\"IP\",\"inter\u{7F}net\"", .invalidText(field: "APN"))
    }

    func testContextActivation() throws {
        XCTAssertEqual(try ContextActivation(parsing: "+CGACT: 1,1"), ContextActivation(cid: 1, isActive: true))
        XCTAssertEqual(try ContextActivation(parsing: "+CGACT: 2,0"), ContextActivation(cid: 2, isActive: false))
        assertParseFails(ContextActivation.self, "+CGACT: 1", .missingField("state"))
        assertParseFails(ContextActivation.self, "+CGACT: 1,2", .outOfRange(field: "state"))
        assertParseFails(ContextActivation.self, "+CGACT: 1,1,1", .extraFields(expected: 2, found: 3))
        assertParseFails(ContextActivation.self, "+CGACT: 256,1", .outOfRange(field: "cid"))
    }

    func testPDPAddressWithAndWithoutQuotes() throws {
        XCTAssertEqual(try PDPAddress(parsing: "+CGPADDR: 1,10.64.11.124"), PDPAddress(cid: 1, ipv4: PDPIPv4Address(10, 64, 11, 124)))
        XCTAssertEqual(try PDPAddress(parsing: "+CGPADDR: 1,\"10.64.11.124\""), PDPAddress(cid: 1, ipv4: PDPIPv4Address(10, 64, 11, 124)))
        XCTAssertEqual(try PDPAddress(parsing: "+CGPADDR: 1"), PDPAddress(cid: 1, ipv4: nil))
        XCTAssertEqual(try PDPAddress(parsing: "+CGPADDR: 1,\"0.0.0.0\"").ipv4?.isUnspecified, true)
        XCTAssertEqual(try PDPAddress(parsing: "+CGPADDR: 1,\"10.0.0.2\",\"2001:db8::1\""),
                       PDPAddress(cid: 1, ipv4: PDPIPv4Address(10, 0, 0, 2), ipv6: "2001:db8::1"))
        XCTAssertEqual(try PDPAddress(parsing: "+CGPADDR: 1,\"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1\"").ipv6,
                       "32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1")
        XCTAssertEqual(PDPIPv4Address(10, 64, 11, 124).description, "10.64.11.124")
        assertParseFails(PDPAddress.self, "+CGPADDR: 1,10.64.11.256", .unknownValue(field: "PDP_addr"))
        assertParseFails(PDPAddress.self, "+CGPADDR: 1,10.64.11", .unknownValue(field: "PDP_addr"))
        assertParseFails(PDPAddress.self, "+CGPADDR: 1,10.64.11.0124", .unknownValue(field: "PDP_addr"))
        assertParseFails(PDPAddress.self, "+CGPADDR: 1,\"10.0.0.1\",\"10.0.0.2\"", .unknownValue(field: "PDP_addr"))
        assertParseFails(PDPAddress.self, "+CGPADDR: x,10.64.11.124", .notAnInteger(field: "cid"))
        assertParseFails(PDPAddress.self, "+CGPADDR: 1,1.2.3.4,::1,5", .extraFields(expected: 3, found: 4))
        assertParseFails(PDPAddress.self, "+CGPADDR: 1,\"10.64.11.124", .unterminatedQuote)
    }

    // MARK: +QCFGEXT, +QCFG

    func testUSBNetMode() throws {
        XCTAssertEqual(try USBNetMode(parsing: "+QCFGEXT: \"usbnet\",\"modem\""), .modem)
        XCTAssertEqual(try USBNetMode(parsing: "+QCFGEXT: \"usbnet\",\"ecm\""), .ecm)
        XCTAssertEqual(try USBNetMode(parsing: "+QCFGEXT: \"usbnet\",\"rmnet\""), .rmnet)
        assertParseFails(USBNetMode.self, "+QCFGEXT: \"usbnet\",\"ppp\"", .unknownValue(field: "mode"))
        assertParseFails(USBNetMode.self, "+QCFGEXT: \"addgnss\",\"ecm\"", .unknownValue(field: "name"))
        assertParseFails(USBNetMode.self, "+QCFGEXT: \"usbnet\"", .missingField("mode"))
        assertParseFails(USBNetMode.self, "+QCFGEXT: \"usbnet\",\"ecm\",1", .extraFields(expected: 2, found: 3))
    }

    func testUSBNetSupportFromTestReply() throws {
        XCTAssertEqual(try USBNetSupport(parsing: "+QCFGEXT: \"usbnet\",(\"modem\",\"ecm\",\"rmnet\")").modes, [.modem, .ecm, .rmnet])
        XCTAssertEqual(try USBNetSupport(parsing: "+QCFGEXT: \"usbnet\",\"ecm,modem\"").modes, [.ecm, .modem])
        XCTAssertEqual(try USBNetSupport(parsing: "+QCFGEXT: \"usbnet\",(modem,ecm)").modes, [.modem, .ecm])
        let reply = try USBNetSupport(parsingTestReply: [
            "+QCFGEXT: \"addgnss\",(0,1)", "+QCFGEXT: \"usbnet\",\"ecm,modem\"", "+QCFGEXT: \"disrplmn\",(0,1)",
        ])
        XCTAssertTrue(reply.supports(.ecm))
        XCTAssertFalse(reply.supports(.rmnet))
        XCTAssertThrowsError(try USBNetSupport(parsingTestReply: ["+QCFGEXT: \"addgnss\",(0,1)"])) { error in
            XCTAssertEqual((error as? ATParseError)?.reason, .missingField("usbnet"))
        }
        assertParseFails(USBNetSupport.self, "+QCFGEXT: \"usbnet\"", .missingField("modes"))
        assertParseFails(USBNetSupport.self, "+QCFGEXT: \"usbnet\",(\"modem\"", .unbalancedParentheses)
    }

    func testScanModeIoTModeAndSequence() throws {
        XCTAssertEqual(try ScanMode(parsing: "+QCFG: \"nwscanmode\",3"), .lteOnly)
        XCTAssertEqual(try ScanMode(parsing: "+QCFG: \"nwscanmode\",0"), .automatic)
        assertParseFails(ScanMode.self, "+QCFG: \"nwscanmode\",2", .unknownValue(field: "nwscanmode"))
        assertParseFails(ScanMode.self, "+QCFG: \"iotopmode\",2", .unknownValue(field: "name"))
        assertParseFails(ScanMode.self, "+QCFG: \"nwscanmode\",3,1", .extraFields(expected: 2, found: 3))
        XCTAssertEqual(try IoTOperatingMode(parsing: "+QCFG: \"iotopmode\",0"), .catM1)
        XCTAssertEqual(try IoTOperatingMode(parsing: "+QCFG: \"iotopmode\",2"), .catM1AndNBIoT)
        assertParseFails(IoTOperatingMode.self, "+QCFG: \"iotopmode\",3", .outOfRange(field: "iotopmode"))
        XCTAssertEqual(try ScanSequence(parsing: "+QCFG: \"nwscanseq\",020301").entries, [.catM1, .nbIoT, .gsm])
        XCTAssertEqual(try ScanSequence(parsing: "+QCFG: \"nwscanseq\",\"0203\"").entries, [.catM1, .nbIoT])
        XCTAssertEqual(try ScanSequence(parsing: "+QCFG: \"nwscanseq\",00").entries, [.automatic])
        XCTAssertEqual(ScanSequence([.catM1, .nbIoT, .gsm]).code, "020301")
        assertParseFails(ScanSequence.self, "+QCFG: \"nwscanseq\",0203x1", .unknownValue(field: "nwscanseq"))
        assertParseFails(ScanSequence.self, "+QCFG: \"nwscanseq\",02030", .unknownValue(field: "nwscanseq"))
        assertParseFails(ScanSequence.self, "+QCFG: \"nwscanseq\",0204", .unknownValue(field: "nwscanseq"))
        assertParseFails(ScanSequence.self, "+QCFG: \"nwscanseq\"", .missingField("nwscanseq"))
    }

    func testBandConfiguration() throws {
        let bands = try BandConfiguration(parsing: "+QCFG: \"band\",0xf,0x80084,0x80084")
        XCTAssertEqual(bands.gsm.bands, [1, 2, 3, 4])
        XCTAssertEqual(bands.catM1.bands, [3, 8, 20])
        XCTAssertEqual(bands.nbIoT, BandMask(bands: [3, 8, 20]))
        XCTAssertEqual(BandMask(bands: [3, 8, 20]).hexDigits, "80084")
        // Masks wider than 64 bits (B85) survive.
        let wide = try BandConfiguration(parsing: "+QCFG: \"band\",0x0,0x100002000000000f0e189f,0x10004200000000090e189f")
        XCTAssertTrue(wide.catM1.bands.contains(85))
        XCTAssertEqual(wide.gsm.hexDigits, "0")
        XCTAssertEqual(BandMask(hex: "0x00080084"), BandMask(hex: "80084"))
        assertParseFails(BandConfiguration.self, "+QCFG: \"band\",0xf,0xZZ,0x1", .notAnInteger(field: "emtcbandval"))
        assertParseFails(BandConfiguration.self, "+QCFG: \"band\",0xf,0x1", .missingField("nbiotbandval"))
        assertParseFails(BandConfiguration.self, "+QCFG: \"band\",0xf,0x1,0x1,1", .extraFields(expected: 4, found: 5))
        assertParseFails(BandConfiguration.self, "+QCFG: \"band\",0xf,0x" + String(repeating: "1", count: 33) + ",0x1",
                         .notAnInteger(field: "emtcbandval"))
    }

    // MARK: +QNETDEVCTL, +QNETDEVSTATUS

    func testNetDeviceControl() throws {
        let state = try NetDeviceControlState(parsing: "+QNETDEVCTL: 1,1,1,1")
        XCTAssertEqual(state, NetDeviceControlState(operation: 1, cid: 1, reportsURC: true, state: 1))
        XCTAssertTrue(state.isConnected)
        XCTAssertFalse(try NetDeviceControlState(parsing: "+QNETDEVCTL: 0,0,0,0").isConnected)
        XCTAssertTrue(try NetDeviceControlState(parsing: "+QNETDEVCTL: 3,1,1").isConnected)
        XCTAssertFalse(try NetDeviceControlState(parsing: "+QNETDEVCTL: 1,1,1,0").isConnected)
        assertParseFails(NetDeviceControlState.self, "+QNETDEVCTL: 1,1", .missingField("urc_en"))
        assertParseFails(NetDeviceControlState.self, "+QNETDEVCTL: 1,1,1,1,1", .extraFields(expected: 4, found: 5))

        let support = try NetDeviceControlSupport(parsing: "+QNETDEVCTL: (0,1,3),(1-16),(0,1)")
        XCTAssertEqual(support.parameters, [[0...0, 1...1, 3...3], [1...16], [0...0, 1...1]])
        XCTAssertTrue(support.accepts(3, forParameter: 0))
        XCTAssertFalse(support.accepts(2, forParameter: 0))
        XCTAssertTrue(support.accepts(16, forParameter: 1))
        XCTAssertFalse(support.accepts(1, forParameter: 3))
        assertParseFails(NetDeviceControlSupport.self, "+QNETDEVCTL: (0,1,3),(1-)", .notAnInteger(field: "parameter 2"))
        assertParseFails(NetDeviceControlSupport.self, "+QNETDEVCTL: (5-1)", .outOfRange(field: "parameter 1"))
        assertParseFails(NetDeviceControlSupport.self, "+QNETDEVCTL: (0,1", .unbalancedParentheses)
        assertParseFails(NetDeviceControlSupport.self, "+QNETDEVCTL: 0,1)", .unbalancedParentheses)
        assertParseFails(NetDeviceControlSupport.self, "+QNETDEVCTL: \"(0,1)\"", .wrongType(field: "parameter 1"))

        XCTAssertEqual(try NetDeviceStatus(parsing: "+QNETDEVSTATUS: 1"), NetDeviceStatus(isConnected: true))
        XCTAssertEqual(try NetDeviceStatus(parsing: "+QNETDEVSTATUS: 0"), NetDeviceStatus(isConnected: false))
        assertParseFails(NetDeviceStatus.self, "+QNETDEVSTATUS: 2", .outOfRange(field: "status"))
    }

    // MARK: +QPING

    func testPingSeedLines() throws {
        let seeds = [
            "+QPING: 0,\"8.8.8.8\",32,257,255", "+QPING: 0,\"8.8.8.8\",32,77,255", "+QPING: 0,\"8.8.8.8\",32,101,255",
            "+QPING: 0,\"8.8.8.8\",32,150,255", "+QPING: 0,5,5,0,77,257,149",
        ]
        XCTAssertEqual(try PingEvent(parsing: seeds[0]), .reply(PingReply(host: "8.8.8.8", bytes: 32, milliseconds: 257, ttl: 255)))
        XCTAssertEqual(try PingEvent(parsing: seeds[1]), .reply(PingReply(host: "8.8.8.8", bytes: 32, milliseconds: 77, ttl: 255)))
        XCTAssertEqual(try PingEvent(parsing: seeds[4]), .summary(PingSummary(
            sent: 5, received: 5, lost: 0, minimumMilliseconds: 77, maximumMilliseconds: 257, averageMilliseconds: 149)))
        for seed in seeds { XCTAssertEqual(URC.parse(seed), .ping(try PingEvent(parsing: seed))) }
        XCTAssertEqual(try PingEvent(parsing: "+QPING: 569"), .failed(code: 569))
        assertParseFails(PingEvent.self, "+QPING: 0", .missingField("IP"))
        assertParseFails(PingEvent.self, "+QPING: 0,\"8.8.8.8\",32,257", .missingField("ttl"))
        assertParseFails(PingEvent.self, "+QPING: 0,5,5,0,77,257", .missingField("avg"))
        assertParseFails(PingEvent.self, "+QPING: 0,5,5,0,77,257,149,1", .extraFields(expected: 7, found: 8))
        assertParseFails(PingEvent.self, "+QPING: 0,\"8.8.8.8\",32,99999999999999999999,255", .numberTooLong(field: "time"))
        assertParseFails(PingEvent.self, "+QPING: 0,8.8.8.8,32,257,255", .wrongType(field: "IP"))
        assertParseFails(PingEvent.self, "+QPING: 0,\"8.8.8.8\",5,0,77,257,149", .wrongType(field: "sent"))
        assertParseFails(PingEvent.self, "+QPING: 0,\"8.8.8.8\",32,257,256", .outOfRange(field: "ttl"))
    }

    // MARK: +QGMR / ATI, +QURCCFG, +CFUN

    func testFirmwareRevision() throws {
        let revision = try FirmwareRevision(parsing: "BG95M3LAR02A03_01.202.01.202")
        XCTAssertTrue(revision.isBG95)
        XCTAssertEqual(revision.baseRevision, "BG95M3LAR02A03")
        XCTAssertEqual(revision.subRevision, "01.202.01.202")
        XCTAssertEqual(try FirmwareRevision(parsing: "BG95M3LAR02A03").subRevision, nil)
        XCTAssertFalse(try FirmwareRevision(parsing: "BG96MAR02A07M1G").isBG95)
        assertParseFails(FirmwareRevision.self, "BG95 M3", .invalidText(field: "revision"))
        assertParseFails(FirmwareRevision.self, "BG95\u{1B}M3", .invalidText(field: "revision"))
        assertParseFails(FirmwareRevision.self, String(repeating: "B", count: 65), .invalidText(field: "revision"))
        assertParseFails(FirmwareRevision.self, "+QGMR:x", .unexpectedPrefix(expected: "revision text"))
    }

    func testModuleIdentity() throws {
        XCTAssertEqual(try ModuleIdentity(parsing: ["Quectel", "BG95-M3", "Revision: BG95M3LAR02A03"]),
                       ModuleIdentity(manufacturer: "Quectel", model: "BG95-M3", revision: "BG95M3LAR02A03"))
        XCTAssertThrowsError(try ModuleIdentity(parsing: ["Quectel", "BG95-M3"]))
        XCTAssertThrowsError(try ModuleIdentity(parsing: ["Quectel", "BG95-M3", "Revision: X", "extra"]))
        XCTAssertThrowsError(try ModuleIdentity(parsing: ["Quectel", "BG95-M3", "BG95M3LAR02A03"]))
        XCTAssertThrowsError(try ModuleIdentity(parsing: ["Quectel", "BG95-M3", "Revision: "]))
    }

    func testURCPort() throws {
        XCTAssertEqual(try URCPort(parsing: "+QURCCFG: \"urcport\",\"usbat\""), .usbAT)
        XCTAssertEqual(try URCPort(parsing: "+QURCCFG: \"urcport\",\"uart1\""), .uart1)
        XCTAssertEqual(try URCPort(parsing: "+QURCCFG: \"urcport\",\"usbmodem\""), .usbModem)
        assertParseFails(URCPort.self, "+QURCCFG: \"urcport\",\"uart9\"", .unknownValue(field: "port"))
        assertParseFails(URCPort.self, "+QURCCFG: \"other\",\"usbat\"", .unknownValue(field: "name"))
        assertParseFails(URCPort.self, "+QURCCFG: \"urcport\"", .missingField("port"))
    }

    func testFunctionality() throws {
        XCTAssertEqual(try Functionality(parsing: "+CFUN: 1"), .full)
        XCTAssertEqual(try Functionality(parsing: "+CFUN: 0"), .minimum)
        XCTAssertEqual(try Functionality(parsing: "+CFUN: 4"), .radioOff)
        assertParseFails(Functionality.self, "+CFUN: 7", .unknownValue(field: "fun"))
    }

    // MARK: Information line splitting

    func testInformationLineSplitting() throws {
        let info = try ATInformationLine("+X: 1, \"a,b\" ,,(1,2),\"\"")
        XCTAssertEqual(info.prefix, "+X")
        XCTAssertEqual(info.fields, [.bare("1"), .quoted("a,b"), .bare(""), .bare("(1,2)"), .quoted("")])
        XCTAssertEqual(try ATInformationLine("+X:").fields, [])
        XCTAssertEqual(try ATInformationLine("+X: 1,").fields, [.bare("1"), .bare("")])
        XCTAssertThrowsError(try ATInformationLine("+X: \"a\"b")) { error in
            XCTAssertEqual((error as? ATParseError)?.reason, .wrongType(field: "field 1"))
        }
        XCTAssertThrowsError(try ATInformationLine("+X: a\"b\""))
        XCTAssertThrowsError(try ATInformationLine("no prefix"))
        XCTAssertNil(ATInformationLine.prefix(of: "+CME ERROR: 10"))
        XCTAssertEqual(ATInformationLine.prefix(of: "+cereg: 1"), "+CEREG")
        // Errors quote at most 160 characters of a hostile line.
        XCTAssertThrowsError(try SIMState(parsing: "+CPIN: " + String(repeating: "Z", count: 5000))) { error in
            XCTAssertEqual((error as? ATParseError)?.line.count, 160)
        }
    }
}
