import ATProtocol
import Modem
import XCTest

final class ModemMachineTests: XCTestCase {
    private func module(_ configure: (inout ModemConfiguration) -> Void = { _ in }) throws -> ScriptedModule {
        var configuration = ModemConfiguration(apn: "internet")
        configure(&configuration)
        var module = try ScriptedModule(configuration)
        module.open()
        return module
    }

    // MARK: Happy paths, both firmware profiles

    func testAlreadyECMQNETDEVCTLProfileReachesDataCall() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        let call = try XCTUnwrap(m.finished)
        XCTAssertNil(m.failed)
        XCTAssertEqual(call.method, .qnetdevctl)
        XCTAssertEqual(call.addresses, ["10.64.11.124"])
        XCTAssertEqual(call.firmware, "BG95M3LAR02A03_01.202.01.202")
        XCTAssertEqual(call.model, "BG95-M3")
        XCTAssertEqual(call.registration, .home)
        XCTAssertEqual(m.machine.state, .up(call))
        XCTAssertFalse(m.written.contains("AT+QCFGEXT=\"usbnet\",\"ecm\""), "ECM must not be rewritten")
        XCTAssertFalse(m.written.contains("AT+CFUN=1,1"))
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+CGDCONT=") }, "context already right")
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+CGATT") }, "EPS registration is the attach")
        XCTAssertTrue(m.logs.contains("usbnet: ecm already"))
        XCTAssertTrue(m.logs.contains("urcport: usbat already"))
        XCTAssertTrue(m.logs.contains { $0.hasPrefix("identify: Quectel BG95-M3, firmware BG95M3LAR02A03") })
        XCTAssertTrue(m.logs.contains { $0.hasPrefix("registration: registered, home") })
        XCTAssertEqual(m.timers, [], "no timer left running")
        XCTAssertEqual(m.states.map(\.description),
                       ["checking-usbnet", "identifying", "configuring-urc-port", "unlocking-sim",
                        "configuring-context", "registering", "activating", "up"])
    }

    func testAutoconnectProfileUsesCGACTWhenQNETDEVCTLIsMissing() throws {
        var m = try module()
        m.identifyAndECM(profileFirmware: "BG95M3LAR02A03_01.200.01.200", qnetdevctlTest: ["ERROR"])
        m.simToRegistered()
        m.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        m.expect("AT+CGACT=1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,\"10.64.11.125\"", "OK")
        let call = try XCTUnwrap(m.finished)
        XCTAssertEqual(call.method, .autoconnect)
        XCTAssertEqual(call.addresses, ["10.64.11.125"])
        XCTAssertEqual(call.firmware, "BG95M3LAR02A03_01.200.01.200")
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+QNETDEVCTL=1") })
        XCTAssertTrue(m.logs.contains { $0.contains("no QNETDEVCTL on this firmware") })
    }

    func testActiveContextAndConnectedNetDeviceAreNotTouchedAgain() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertNotNil(m.finished)
        XCTAssertFalse(m.written.contains("AT+QNETDEVCTL=1,1,1"))

        var a = try module()
        a.identifyAndECM(qnetdevctlTest: ["+CME ERROR: 4"])
        a.simToRegistered()
        a.expect("AT+CGACT?", "+CGACT: 1,1", "+CGACT: 2,0", "OK")
        a.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertEqual(a.finished?.method, .autoconnect)
        XCTAssertFalse(a.written.contains("AT+CGACT=1,1"))
    }

    func testAddressNotYetAssignedIsAskedAgainBounded() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.expect("AT+QNETDEVCTL=1,1,1", "OK")
        // Connecting is asynchronous: the machine waits until the net device says connected.
        XCTAssertNil(m.pending)
        m.fire(.retry, after: .milliseconds(100))
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        XCTAssertNil(m.pending)
        XCTAssertTrue(m.timers.contains(.retry))
        m.fire(.retry)
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        m.module("+QNETDEVSTATUS: 1")  // the net device came up: ask at once, not after the retry
        XCTAssertFalse(m.timers.contains(.retry))
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,0.0.0.0", "OK")
        XCTAssertEqual(m.finished?.addresses, [], "up (connected), the address not read yet")
        m.fire(.retry)
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertEqual(m.finished?.addresses, ["10.64.11.124"])

        var never = try module()
        never.identifyAndECM(qnetdevctlTest: ["ERROR"])
        never.simToRegistered()
        never.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        for _ in 0...12 {
            never.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
            if !never.timers.contains(.retry) { break }
            never.fire(.retry)
        }
        XCTAssertNil(never.failed, "the call is up; the probe decides whether it carries traffic")
        XCTAssertNil(never.pending)
    }

    func testNetDeviceThatNeverConnectsFailsBounded() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.expect("AT+QNETDEVCTL=1,1,1", "OK")
        for _ in 0...17 {
            m.fire(.retry)
            m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
            if m.failed != nil { break }
        }
        guard case .commandFailed(let step, _, let result)? = m.failed else { return XCTFail("expected a failure") }
        XCTAssertEqual(step, "data call")
        XCTAssertTrue(result.contains("still not connected"), result)
        XCTAssertEqual(m.written.filter { $0 == "AT+QNETDEVCTL?" }.count, 18, "one before AT+QNETDEVCTL=1, 17 polls after")
    }

    // MARK: usbnet switch and reboot

    func testSwitchToECMRebootsAndStartsOverWhenTheModuleIsBack() throws {
        var m = try module()
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        m.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "OK")
        XCTAssertEqual(m.pending, "AT+CFUN=1,1")
        XCTAssertTrue(m.logs.contains("usbnet: was modem, set ecm (takes effect after a reboot)"))
        m.module("OK")
        XCTAssertTrue(m.waitedForModule)
        XCTAssertEqual(m.machine.state, .rebooting)
        XCTAssertTrue(m.timers.contains(.reboot))
        m.portGone()
        XCTAssertEqual(m.machine.state, .rebooting, "a vanish during the reboot is expected")
        XCTAssertNil(m.failed)
        m.open()
        XCTAssertFalse(m.timers.contains(.reboot))
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        XCTAssertEqual(m.written.filter { $0 == "AT+CFUN=1,1" }.count, 1)
    }

    /// The USB interfaces show the mode in effect (bg95-reference.md, "USB"): in modem mode
    /// the switch goes out without asking first, also when the configured mode already reads
    /// ecm; a module that comes back still showing modem mode is a failed switch, not a loop.
    func testUSBInterfacesShowingModemModeSwitchAtOnceAndOnlyOnce() throws {
        var m = try ScriptedModule(ModemConfiguration(apn: "internet"))
        m.event(.deviceChanged(atPort: "/dev/ttyUSB2", netInterface: nil, usbnetShown: .modem))
        m.open()
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\",\"ecm\"", "no AT+QCFGEXT=\"usbnet\" first")
        XCTAssertTrue(m.logs.contains { $0.hasPrefix("usbnet: the USB interfaces show modem mode") }, "\(m.logs)")
        m.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "OK")
        m.expect("AT+CFUN=1,1", "OK")
        m.portGone()
        // Back, and its interfaces show ECM: the configured mode is asked as usual.
        m.event(.deviceChanged(atPort: "/dev/ttyUSB6", netInterface: "eth2", usbnetShown: .ecm))
        m.open()
        m.identifyAndECM()
        XCTAssertNil(m.failed)
        XCTAssertEqual(m.machine.module.usbnetShown?.value, .ecm)

        var stuck = try ScriptedModule(ModemConfiguration(apn: "internet"))
        stuck.event(.deviceChanged(atPort: "/dev/ttyUSB2", netInterface: nil, usbnetShown: .modem))
        stuck.open()
        stuck.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "OK")
        stuck.expect("AT+CFUN=1,1", "OK")
        stuck.portGone()
        stuck.event(.deviceChanged(atPort: "/dev/ttyUSB6", netInterface: nil, usbnetShown: .modem))
        stuck.open()
        guard case .rebootFailed(let detail)? = stuck.failed else { return XCTFail("\(String(describing: stuck.failed))") }
        XCTAssertTrue(detail.contains("came back in modem mode"), detail)
        XCTAssertEqual(stuck.written.filter { $0 == "AT+CFUN=1,1" }.count, 1, "never reboots twice for the same switch")
    }

    func testRebootThatNeverAnswersOKButReenumeratesIsFine() throws {
        var m = try module()
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        m.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "OK")
        XCTAssertEqual(m.pending, "AT+CFUN=1,1")
        m.portGone()  // the module dropped off USB before answering
        XCTAssertEqual(m.machine.state, .rebooting)
        m.open()
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"")
    }

    func testRebootTimeoutAndStillNotECMAfterRebootFail() throws {
        var m = try module()
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        m.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "OK")
        m.expect("AT+CFUN=1,1", "OK")
        m.portGone()
        m.fire(.reboot, after: .seconds(60))
        guard case .rebootFailed(let detail)? = m.failed else { return XCTFail("expected rebootFailed, got \(String(describing: m.failed))") }
        XCTAssertTrue(detail.contains("did not come back"), detail)

        var again = try module()
        again.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        again.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "OK")
        again.expect("AT+CFUN=1,1", "OK")
        again.portGone()
        again.open()
        again.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        guard case .rebootFailed? = again.failed else { return XCTFail("no reboot loop: expected rebootFailed") }
        XCTAssertEqual(again.written.filter { $0 == "AT+CFUN=1,1" }.count, 1, "never reboots twice for the same switch")
    }

    func testTheSwitchToECMIsNotPrecededByATestCommand() throws {
        var m = try module()
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\",\"ecm\"", "one round trip less on every first boot")
        XCTAssertFalse(m.written.contains("AT+QCFGEXT=?"))
    }

    func testFirmwareWithoutECMFails() throws {
        var m = try module()
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
        m.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "ERROR")
        m.expect("AT+QCFGEXT=?", "+QCFGEXT: \"usbnet\",(\"modem\",\"rmnet\")", "OK")
        XCTAssertEqual(m.failed, .ecmUnsupported(supported: "modem,rmnet"))
        XCTAssertFalse(m.written.contains("AT+CFUN=1,1"))
        XCTAssertTrue(m.failed?.needsOperator ?? false)
    }

    func testARefusedSwitchOnFirmwareThatListsECMReportsTheRefusal() throws {
        for listsECM in [true, false] {
            var m = try module()
            m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"modem\"", "OK")
            m.expect("AT+QCFGEXT=\"usbnet\",\"ecm\"", "+CME ERROR: 3")
            if listsECM {
                m.expect("AT+QCFGEXT=?", "+QCFGEXT: \"usbnet\",\"ecm,modem\"", "OK")
            } else {
                m.expect("AT+QCFGEXT=?", "ERROR")
            }
            guard case .commandFailed(let step, let command, let result)? = m.failed else {
                return XCTFail("expected commandFailed, got \(String(describing: m.failed))")
            }
            XCTAssertEqual(step, "usbnet")
            XCTAssertEqual(command, "AT+QCFGEXT=\"usbnet\",\"ecm\"")
            XCTAssertTrue(result.contains("3"), result)
            XCTAssertFalse(m.written.contains("AT+CFUN=1,1"))
        }
    }

    func testURCPortIsMovedToUSBAT() throws {
        var m = try module()
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"ecm\"", "OK")
        m.expect("ATI", "Quectel", "BG95-M3", "Revision: BG95M3LAR02A03", "OK")
        m.expect("AT+QGMR", "BG95M3LAR02A03_01.202.01.202", "OK")
        m.expect("AT+QURCCFG=\"urcport\"", "+QURCCFG: \"urcport\",\"uart1\"", "OK")
        m.expect("AT+QURCCFG=\"urcport\",\"usbat\"", "OK")
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL=?")
        XCTAssertTrue(m.logs.contains { $0.hasPrefix("urcport: was uart1, set usbat") })
    }

    // MARK: SIM

    func testSIMPINIsEnteredOnceAndNeverLogged() throws {
        var m = try module { $0.pin = "4711" }
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: SIM PIN", "OK")
        m.expect("AT+CPIN=\"4711\"", "OK")
        m.expect("AT+CPIN?", "+CPIN: READY", "OK")
        XCTAssertEqual(m.pending, "AT+CGDCONT?")
        XCTAssertTrue(m.logs.contains("SIM: ready (PIN accepted)"))
        XCTAssertFalse(m.logs.contains { $0.contains("4711") }, "the PIN must never be logged")
    }

    func testWrongPINStopsAndIsNeverSentAgain() throws {
        var m = try module { $0.pin = "0000" }
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: SIM PIN", "OK")
        m.expect("AT+CPIN=\"0000\"", "+CME ERROR: 16")
        XCTAssertEqual(m.failed, .wrongPIN)
        XCTAssertTrue(m.failed?.needsOperator ?? false)
        XCTAssertEqual(m.machine.state, .failed(.wrongPIN))
        // A replug (or a supervisor restart) runs the bring-up again: the PIN stays unsent.
        m.failed = nil
        m.portGone()
        m.open()
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: SIM PIN", "OK")
        XCTAssertEqual(m.failed, .wrongPIN)
        m.failed = nil
        m.event(.restart)
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: SIM PIN", "OK")
        XCTAssertEqual(m.failed, .wrongPIN)
        XCTAssertEqual(m.written.filter { $0.hasPrefix("AT+CPIN=") }.count, 1)
        XCTAssertFalse(m.logs.contains { $0.contains("0000") })
    }

    func testPINRequiredWithoutConfiguredPINFails() throws {
        var m = try module()
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CME ERROR: 11")
        XCTAssertEqual(m.failed, .pinRequired)
    }

    func testPUKAndNoSIMFailClearly() throws {
        var puk = try module { $0.pin = "1234" }
        puk.identifyAndECM()
        puk.expect("AT+CPIN?", "+CPIN: SIM PUK", "OK")
        XCTAssertEqual(puk.failed, .simLocked("SIM PUK"))
        XCTAssertFalse(puk.written.contains { $0.hasPrefix("AT+CPIN=") })

        var absent = try module()
        absent.identifyAndECM()
        absent.expect("AT+CPIN?", "+CME ERROR: 10")
        for _ in 0..<3 {
            XCTAssertNil(absent.failed, "a SIM may need a moment after boot")
            absent.fire(.retry)
            absent.expect("AT+CPIN?", "+CME ERROR: 10")
        }
        XCTAssertEqual(absent.failed, .simNotInserted)
        XCTAssertTrue(absent.failed?.needsOperator ?? false)
        XCTAssertEqual(absent.written.filter { $0 == "AT+CPIN?" }.count, 4)
    }

    func testSIMBusyThenReadyViaURC() throws {
        var m = try module()
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CME ERROR: 14")
        XCTAssertTrue(m.timers.contains(.retry))
        m.module("+CPIN: READY")  // the URC beats the retry timer
        XCTAssertFalse(m.timers.contains(.retry))
        m.expect("AT+CPIN?", "+CPIN: READY", "OK")
        XCTAssertEqual(m.pending, "AT+CGDCONT?")
    }

    // MARK: Radio and context

    func testRadioSettingsAreWrittenOnlyWhenDifferent() throws {
        var m = try module {
            $0.iotMode = .catM1
            $0.scanMode = .lteOnly
            $0.scanSequence = ScanSequence([.catM1, .nbIoT, .gsm])
        }
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: READY", "OK")
        m.expect("AT+QCFG=\"iotopmode\"", "+QCFG: \"iotopmode\",2", "OK")
        m.expect("AT+QCFG=\"iotopmode\",0,1", "OK")
        m.expect("AT+QCFG=\"nwscanmode\"", "+QCFG: \"nwscanmode\",3", "OK")
        m.expect("AT+QCFG=\"nwscanseq\"", "+QCFG: \"nwscanseq\",020301", "OK")
        XCTAssertEqual(m.pending, "AT+CGDCONT?")
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+QCFG=\"nwscanmode\",") })
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+QCFG=\"nwscanseq\",") }, "rewriting nwscanseq de-registers")
        XCTAssertTrue(m.logs.contains { $0.hasPrefix("iotopmode: was") })
        XCTAssertTrue(m.logs.contains { $0.hasPrefix("nwscanseq: 020301 already") })
    }

    func testContextIsDefinedAndCredentialsSetWithoutLoggingThePassword() throws {
        var m = try module {
            $0.apn = "corp.apn"
            $0.username = "alice"
            $0.password = "s3cret"
            $0.authentication = .chap
        }
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: READY", "OK")
        m.expect("AT+CGDCONT?", "+CGDCONT: 1,\"IPV4V6\",\"\",\"0.0.0.0\",0,0,0", "OK")
        m.expect("AT+CGDCONT=1,\"IP\",\"corp.apn\"", "OK")
        m.expect("AT+QICSGP=1,1,\"corp.apn\",\"alice\",\"s3cret\",2", "OK")
        XCTAssertEqual(m.pending, "AT+CEREG=2")
        XCTAssertFalse(m.logs.contains { $0.contains("s3cret") })
        XCTAssertTrue(m.logs.contains { $0.contains("was IPV4V6 \"\", set IP \"corp.apn\"") })
    }

    func testUnsafeConfigurationIsRefusedBeforeAnythingIsSent() {
        XCTAssertThrowsError(try ModemMachine(configuration: ModemConfiguration(apn: "inter\"net"))) { error in
            guard case BringUpError.invalidConfiguration(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(reason.field, .apn)
        }
        XCTAssertThrowsError(try ModemMachine(configuration: ModemConfiguration(apn: "a\r\nAT+CFUN=0")))
        XCTAssertThrowsError(try ModemMachine(configuration: ModemConfiguration(apn: "ok", pin: "12;4")))
        XCTAssertThrowsError(try ModemMachine(configuration: ModemConfiguration(apn: "ok", password: "x\"y")))
    }

    // MARK: Registration

    func testRegistrationWaitsForCEREGURC() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToSearching()
        // Not registered yet: meanwhile, whether the data call is up (once per attempt).
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        XCTAssertNil(m.pending)
        XCTAssertTrue(m.timers.contains(.registrationPoll))
        XCTAssertTrue(m.timers.contains(.registrationDeadline))
        m.module("+CEREG: 5,\"1A2B\",\"01A2D001\",9")
        // Registered: straight to the connect, neither AT+CGATT? nor the call asked again.
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL=1,1,1")
        XCTAssertEqual(m.timers, [])
        m.expect("AT+QNETDEVCTL=1,1,1", "OK", "+QNETDEVSTATUS: 1")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+CGATT") })
        XCTAssertEqual(m.finished?.registration, .roaming)
        XCTAssertTrue(m.logs.contains { $0.contains("registered, roaming, NB-IoT") })
    }

    /// While the module registers, the machine asks once whether the call is up: at
    /// registration it goes straight on (address if up, the connect or activation if not),
    /// unless a URC about the call came in between (then it asks again).
    func testTheDataCallAskedWhileRegisteringDecidesTheNextStepAtRegistration() throws {
        var up = try module()
        up.identifyAndECM()
        up.simToSearching()
        up.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        up.module("+CEREG: 1,\"1A2B\",\"01A2D001\",8")
        up.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertEqual(up.finished?.addresses, ["10.64.11.124"])
        XCTAssertFalse(up.written.contains("AT+QNETDEVCTL=1,1,1"), "connected already: not connected again")
        XCTAssertTrue(up.logs.contains("data call: up already (asked while registering)"))

        var autoconnect = try module()
        autoconnect.identifyAndECM(qnetdevctlTest: ["ERROR"])
        autoconnect.simToSearching()
        autoconnect.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        autoconnect.module("+CEREG: 1,\"1A2B\",\"01A2D001\",8")
        autoconnect.expect("AT+CGACT=1,1", "OK")
        autoconnect.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertEqual(autoconnect.finished?.method, .autoconnect)
        XCTAssertEqual(autoconnect.written.filter { $0 == "AT+CGACT?" }.count, 1)

        var changed = try module()
        changed.identifyAndECM()
        changed.simToSearching()
        changed.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        changed.module("+QNETDEVSTATUS: 1")
        changed.module("+CEREG: 1,\"1A2B\",\"01A2D001\",8")
        XCTAssertEqual(changed.pending, "AT+QNETDEVCTL?", "the earlier answer is out of date")
        changed.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        changed.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertNotNil(changed.finished)
        XCTAssertFalse(changed.written.contains("AT+QNETDEVCTL=1,1,1"))

        // An answer that cannot be read says nothing: the call is asked at registration.
        var unreadable = try module()
        unreadable.identifyAndECM()
        unreadable.simToSearching()
        unreadable.expect("AT+QNETDEVCTL?", "ERROR")
        unreadable.module("+CEREG: 1,\"1A2B\",\"01A2D001\",8")
        XCTAssertEqual(unreadable.pending, "AT+QNETDEVCTL?")
    }

    func testRegistrationFallsBackToPollingAndIsBounded() throws {
        var m = try module { $0.registrationTimeout = .seconds(30) }
        m.identifyAndECM()
        m.simToRegistering()
        m.expect("AT+CEREG?", "+CEREG: 2,0", "OK")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.fire(.registrationPoll, after: .seconds(5))
        m.expect("AT+CEREG?", "+CEREG: 2,2", "OK")
        m.fire(.registrationPoll, after: .seconds(5))
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL=1,1,1")

        var never = try module { $0.registrationTimeout = .seconds(30) }
        never.identifyAndECM()
        never.simToSearching()
        never.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        never.fire(.registrationDeadline, after: .seconds(30))
        XCTAssertEqual(never.failed, .registrationTimeout(lastStatus: "searching"))
        XCTAssertFalse(never.failed?.needsOperator ?? true)
        XCTAssertEqual(never.timers, [])
    }

    func testDeniedRegistrationReportsTheRejectCause() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistering()
        m.expect("AT+CEREG?", "+CEREG: 2,3", "OK")
        m.expect("AT+CEREG=3", "OK")
        m.expect("AT+CEREG?", "+CEREG: 3,3,\"1A2B\",\"01A2D001\",8,0,15", "OK")
        XCTAssertEqual(m.failed, .registrationDenied(cause: 15))
        XCTAssertTrue(m.failed?.description.contains("no suitable cells") ?? false)

        // A denial URC while waiting that already carries the cause.
        var urc = try module()
        urc.identifyAndECM()
        urc.simToSearching()
        urc.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        urc.module("+CEREG: 3,\"1A2B\",\"01A2D001\",8,0,11")
        XCTAssertEqual(urc.failed, .registrationDenied(cause: 11))
    }

    /// The cause is asked for once per attempt (`.registering` carries that it was): a module
    /// that still gives none is a refusal without a cause, not a loop of `AT+CEREG=3`.
    func testADenialWithoutACauseAsksForItOnceThenFails() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistering()
        m.expect("AT+CEREG?", "+CEREG: 2,3", "OK")
        m.expect("AT+CEREG=3", "OK")
        m.expect("AT+CEREG?", "+CEREG: 3,3", "OK")
        XCTAssertEqual(m.failed, .registrationDenied(cause: nil))
        XCTAssertEqual(m.written.filter { $0 == "AT+CEREG=3" }.count, 1)
    }

    // MARK: Framing: URCs inside responses, timeouts

    func testURCInTheMiddleOfAResponseIsDeliveredAndDoesNotBreakTheReply() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistering()
        // The module is still searching when asked, and its registration URC arrives between
        // the reply line and OK; the reply decides, then the URC-driven wait must not hang.
        m.expect("AT+CEREG?", "+CEREG: 2,2", "+CEREG: 1,\"1A2B\",\"01A2D001\",8", "OK")
        XCTAssertNil(m.failed)
        // The read reply said "searching"; the machine asks about the data call meanwhile. That
        // answer comes split at odd places with a URC about the call in between, which makes
        // the answer out of date.
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL?")
        let bytes = Array("\r\n+QNETDEVCTL: 0,1,0,0\r\n\r\n+QNETDEVSTATUS: 0\r\n\r\nOK\r\n".utf8)
        for chunk in stride(from: 0, to: bytes.count, by: 3) {
            m.bytes(Array(bytes[chunk..<min(chunk + 3, bytes.count)]))
        }
        // The machine waits, polls, and gets home; then asks about the call again.
        XCTAssertNil(m.pending)
        m.fire(.registrationPoll)
        m.expect("AT+CEREG?", "+QIND: SMS DONE", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "+CGEV: ME PDN ACT 1", "OK")
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL?", "the call is asked again, as it may have changed")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.expect("AT+QNETDEVCTL=1,1,1", "+CEREG: 1,\"1A2B\",\"01A2D002\",8", "OK")
        m.fire(.retry, after: .milliseconds(100))
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "+QNETDEVSTATUS: 1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "+QNETDEVSTATUS: 1", "OK")
        XCTAssertEqual(m.finished?.addresses, ["10.64.11.124"])
    }

    func testTimedOutCommandIsSentAgainAfterResyncAndBoundedAfterThat() throws {
        var m = try module()
        m.identifyAndECM()
        XCTAssertEqual(m.pending, "AT+CPIN?")
        m.timeOut()
        XCTAssertNil(m.failed)
        XCTAssertEqual(m.pending, "AT+CPIN?", "sent again")
        XCTAssertTrue(m.logs.contains { $0.contains("timed out; sending it again after resync") })
        m.module("OK")  // a late answer to something: still completes the resend as OK without +CPIN
        // OK without a +CPIN line is a reply it cannot use: the SIM step fails as unexpected.
        XCTAssertNotNil(m.failed)

        var dead = try module()
        dead.identifyAndECM()
        dead.timeOut()
        dead.timeOut()
        XCTAssertNil(dead.failed)
        dead.timeOut()
        XCTAssertEqual(dead.failed, .moduleNotResponding(command: "AT+CPIN?"))
        XCTAssertEqual(dead.written.filter { $0 == "AT+CPIN?" }.count, 3)

        var recovers = try module()
        recovers.identifyAndECM()
        recovers.timeOut()
        recovers.expect("AT+CPIN?", "+CPIN: READY", "OK")
        XCTAssertEqual(recovers.pending, "AT+CGDCONT?")
    }

    // MARK: Module presence

    func testVanishMidBringUpWaitsAndStartsOverCleanly() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToSearching()
        XCTAssertFalse(m.timers.isEmpty)
        m.portGone()
        XCTAssertEqual(m.machine.state, .waitingForModule)
        XCTAssertEqual(m.timers, [], "no timer of the old module survives")
        XCTAssertNil(m.failed)
        m.open()
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"")
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
    }

    func testRebootRequestedByRecoveryStartsOverWhenBack() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        m.finished = nil
        m.event(.rebootRequested)
        XCTAssertEqual(m.machine.state, .rebooting)
        m.portGone()
        XCTAssertEqual(m.machine.state, .rebooting)
        m.open()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
    }

    func testAFloodOfOperatorsCommandsCannotMakeTheLinkRefuseTheBringUpsNextStep() throws {
        var m = try module()
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"")
        let limit = m.machine.configuration.link.queueLimit
        for n in 1...limit + 10 { m.event(.submit(.attachQuery, CommandTicket(rawValue: UInt64(n)))) }
        let refused = m.completed.values.filter { $0.result == .cancelled }.count
        XCTAssertEqual(refused, 10 + ModemMachine.queueReserve, "the last places stay free for the machine")
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"ecm\"", "OK")
        // The operators' commands queued first run first, then the bring-up's ATI, which found room.
        var answered = 0
        while m.pending == "AT+CGATT?", answered < limit {
            m.module("+CGATT: 1", "OK")
            answered += 1
        }
        XCTAssertEqual(answered, limit - ModemMachine.queueReserve)
        XCTAssertEqual(m.pending, "ATI")
        XCTAssertNil(m.failed)
    }

    func testAnOperatorsCommandQueuesBehindTheStepAndDoesNotMoveTheBringUp() throws {
        var m = try module()
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"")
        let ticket = CommandTicket(rawValue: 7)
        m.event(.submit(.attachQuery, ticket))
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"", "one command in flight: the operator's waits")
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"ecm\"", "OK")
        // FIFO: the operator's command was queued before the bring-up's next one.
        m.expect("AT+CGATT?", "+CGATT: 1", "OK")
        XCTAssertEqual(m.completed[ticket]?.lines, ["+CGATT: 1"])
        XCTAssertEqual(m.completed[ticket]?.result, .ok)
        XCTAssertEqual(m.pending, "ATI", "the operator's answer did not move the bring-up")
        XCTAssertNil(m.failed)
        XCTAssertEqual(m.machine.module.attached?.value, true, "an operator's answer is a fact too")
    }
}
