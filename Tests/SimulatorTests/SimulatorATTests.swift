import Foundation
import TestSupport
import XCTest

/// The simulated module's AT behaviour, driven by a plain serial client over the umockdev pty
/// (root, real namespaces).
final class SimulatorATTests: XCTestCase {
    func testBootEchoIdentityAndUnknownCommands() throws {
        let sim = try SimulatorHarness()
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATI", "cmd:AT+QGMR", "cmd:ATE0", "cmd:AT+CPIN?", "cmd:AT+FOO", "cmd:AT+CGDCONT=1,\"IP",
            "cmd:ATE1", "cmd:AT+CGMM",
        ])
        // Echo is on after boot: the command comes back first.
        XCTAssertEqual(t.response(to: "ATI"), ["ATI", "Quectel", "BG95-M3", "Revision: BG95M3LAR02A03", "OK"])
        XCTAssertEqual(t.response(to: "AT+QGMR"), ["AT+QGMR", "BG95M3LAR02A03_01.205.01.205", "OK"])
        XCTAssertEqual(t.response(to: "AT+CPIN?"), ["+CPIN: READY", "OK"], "ATE0 turns echo off")
        XCTAssertEqual(t.response(to: "AT+FOO"), ["ERROR"])
        XCTAssertEqual(t.response(to: "AT+CGDCONT=1,\"IP"), ["ERROR"], "an unterminated string is refused")
        XCTAssertEqual(t.response(to: "AT+CGMM"), ["AT+CGMM", "BG95-M3", "OK"])
    }

    func testRegistrationProgressesAndNetworkQueries() throws {
        let sim = try SimulatorHarness()
        defer { sim.stop() }
        let t = try sim.atOK([
            // Radio off and on again so the registration is observed from its start.
            "cmd:ATE0", "cmd:AT+CFUN=0", "cmd:AT+CEREG=2", "cmd:AT+CFUN=1", "expect:^\\+CEREG: 2$",
            "expect:^\\+CEREG: 1,", "cmd:AT+CEREG?",
            "cmd:AT+COPS?", "cmd:AT+QNWINFO", "cmd:AT+QCSQ", "cmd:AT+CSQ", "cmd:AT+CGATT?", "cmd:AT+QCFG=\"iotopmode\"",
            "cmd:AT+QCFG=\"nwscanseq\"", "cmd:AT+QCFG=\"band\"",
        ])
        XCTAssertEqual(t.response(to: "AT+CEREG?"), ["+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK"])
        XCTAssertEqual(t.response(to: "AT+COPS?"), ["+COPS: 0,0,\"Telekom.de\",8", "OK"])
        XCTAssertEqual(t.response(to: "AT+QNWINFO"), ["+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300", "OK"])
        XCTAssertEqual(t.response(to: "AT+QCSQ"), ["+QCSQ: \"eMTC\",-65,-95,150,-10", "OK"])
        XCTAssertEqual(t.response(to: "AT+CSQ"), ["+CSQ: 24,99", "OK"])
        XCTAssertEqual(t.response(to: "AT+CGATT?"), ["+CGATT: 1", "OK"])
        XCTAssertEqual(t.response(to: "AT+QCFG=\"iotopmode\""), ["+QCFG: \"iotopmode\",2", "OK"])
        XCTAssertEqual(t.response(to: "AT+QCFG=\"nwscanseq\""), ["+QCFG: \"nwscanseq\",020301", "OK"])
        XCTAssertEqual(t.response(to: "AT+QCFG=\"band\""), ["+QCFG: \"band\",0xf,0x100002000000000f0e189f,0x10004200000000090e189f", "OK"])
    }

    func testRoamingOnNBIoTAndRATPreferenceThatExcludesIt() throws {
        let sim = try SimulatorHarness(["--registration", "roaming", "--iot", "nbiot"])
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATE0", "cmd:AT+CFUN=0", "cmd:AT+CEREG=2", "cmd:AT+CFUN=1", "expect:^\\+CEREG: 5,",
            "cmd:AT+COPS?", "cmd:AT+QNWINFO",
            // eMTC only: the NB-IoT network is never found.
            "cmd:AT+QCFG=\"iotopmode\",0,1", "expect:^\\+CEREG: 2$", "timeout:1", "silent:^\\+CEREG: [15]", "cmd:AT+CEREG?",
        ])
        XCTAssertEqual(t.response(to: "AT+COPS?"), ["+COPS: 0,0,\"Vodafone.de\",9", "OK"])
        XCTAssertEqual(t.response(to: "AT+QNWINFO"), ["+QNWINFO: \"NBIoT\",\"26202\",\"LTE BAND 8\",3740", "OK"])
        XCTAssertEqual(t.response(to: "AT+CEREG?"), ["+CEREG: 2,2", "OK"])
    }

    func testRegistrationDeniedWithRejectCause() throws {
        let sim = try SimulatorHarness(["--registration", "denied:15"])
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATE0", "cmd:AT+CFUN=0", "cmd:AT+CEREG=3", "cmd:AT+CFUN=1", "expect:^\\+CEREG: 2$",
            "expect:^\\+CEREG: 3,", "cmd:AT+CGATT=1", "cmd:AT+CEREG?",
        ])
        XCTAssertTrue(t.received.contains("+CEREG: 3,\"1A2B\",\"01A2D001\",8,0,15"), "\(t)")
        XCTAssertEqual(t.response(to: "AT+CGATT=1"), ["+CME ERROR: 30"])
        XCTAssertEqual(t.response(to: "AT+CEREG?"), ["+CEREG: 3,3,\"1A2B\",\"01A2D001\",8,0,15", "OK"])
    }

    func testSIMPinWrongPinCountsDownToPuk() throws {
        let sim = try SimulatorHarness(["--sim", "pin=1234"])
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATE0", "cmd:AT+CPIN?", "cmd:AT+CGATT=1", "cmd:AT+QPINC=\"SC\"",
            "cmd:AT+CPIN=\"1111\"", "cmd:AT+CPIN=\"2222\"", "cmd:AT+CPIN=\"3333\"", "expect:^\\+CPIN: SIM PUK$", "cmd:AT+CPIN?",
            "cmd:AT+CPIN=\"12345678\",\"4321\"", "expect:^\\+CPIN: READY$", "cmd:AT+CPIN?",
        ])
        XCTAssertEqual(t.response(to: "AT+CPIN?"), ["+CPIN: SIM PIN", "OK"])
        XCTAssertEqual(t.response(to: "AT+CGATT=1"), ["+CME ERROR: 11"])
        XCTAssertEqual(t.response(to: "AT+QPINC=\"SC\""), ["+QPINC: \"SC\",3,10", "OK"])
        XCTAssertEqual(t.response(to: "AT+CPIN=\"1111\""), ["+CME ERROR: 16"])
        XCTAssertEqual(t.responses(to: "AT+CPIN?"), [["+CPIN: SIM PIN", "OK"], ["+CPIN: SIM PUK", "OK"], ["+CPIN: READY", "OK"]])
    }

    func testCorrectPinRegisters() throws {
        let sim = try SimulatorHarness(["--sim", "pin=1234"])
        defer { sim.stop() }
        try sim.atOK(["cmd:AT+CEREG=1", "cmd:AT+CPIN=\"1234\"", "expect:^\\+CPIN: READY$", "expect:^\\+CEREG: 1$"])
    }

    func testSIMAbsent() throws {
        let sim = try SimulatorHarness(["--sim", "absent"])
        defer { sim.stop() }
        let t = try sim.atOK(["cmd:ATE0", "cmd:AT+CPIN?", "cmd:AT+CIMI", "cmd:AT+CEREG?"])
        XCTAssertEqual(t.response(to: "AT+CPIN?"), ["+CME ERROR: 10"])
        XCTAssertEqual(t.response(to: "AT+CIMI"), ["+CME ERROR: 10"])
        XCTAssertEqual(t.response(to: "AT+CEREG?"), ["+CEREG: 0,0", "OK"])
    }

    func testURCsOnlyReachTheUSBPortWhenItIsTheURCPort() throws {
        let sim = try SimulatorHarness(["--urcport", "uart1"])
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATE0", "cmd:AT+CEREG=1", "cmd:AT+QURCCFG=\"urcport\"",
            "ctl:deregister 11", "timeout:1", "silent:^\\+CEREG", "timeout:20",
            "cmd:AT+QURCCFG=\"urcport\",\"usbat\"", "ctl:attach", "expect:^\\+CEREG: 1$",
        ])
        XCTAssertEqual(t.response(to: "AT+QURCCFG=\"urcport\""), ["+QURCCFG: \"urcport\",\"uart1\"", "OK"])
    }

    func testUsbnetQueryTestAndSetPersistsAcrossReboot() throws {
        let sim = try SimulatorHarness(["--profile", "autoconnect"])
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATE0", "cmd:AT+QCFGEXT=?", "cmd:AT+QCFGEXT=\"usbnet\"", "cmd:AT+QCFGEXT=\"usbnet\",\"rmnet\"",
            "cmd:AT+CGDCONT=1,\"IP\",\"iot.example\"", "cmd:AT+QCFGEXT=\"usbnet\",\"ecm\"", "cmd:AT+QNETDEVCTL=?",
            "cmd:AT+CFUN=1,1", "gone", "reopen", "sync", "cmd:AT+QCFGEXT=\"usbnet\"", "cmd:AT+CGDCONT?",
        ])
        XCTAssertEqual(t.response(to: "AT+QCFGEXT=?"), ["+QCFGEXT: \"usbnet\",\"ecm,modem\"", "OK"])
        XCTAssertEqual(t.response(to: "AT+QCFGEXT=\"usbnet\",\"rmnet\""), ["ERROR"])
        XCTAssertEqual(t.response(to: "AT+QNETDEVCTL=?"), ["ERROR"], "the autoconnect firmware has no QNETDEVCTL")
        let after = t.output.components(separatedBy: "@ port").last ?? ""
        XCTAssertTrue(after.contains("+QCFGEXT: \"usbnet\",\"ecm\""), "\(t)")
        XCTAssertTrue(after.contains("+CGDCONT: 1,\"IP\",\"iot.example\""), "\(t)")
    }
}
