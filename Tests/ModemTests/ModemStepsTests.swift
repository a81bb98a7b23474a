import ATProtocol
import Modem
import XCTest

/// Recovery steps, `down` and the empty APN as states of the modem machine, with scripted
/// exchanges (issue 10, behaviours 3-5).
final class ModemStepsTests: XCTestCase {
    private func upModule(_ configure: (inout ModemConfiguration) -> Void = { _ in }) throws -> ScriptedModule {
        var configuration = ModemConfiguration(apn: "internet")
        configure(&configuration)
        var m = try ScriptedModule(configuration)
        m.open()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        m.finished = nil
        return m
    }

    // MARK: Behaviour 5: a data call is only "up" when it is

    func testTheSupervisorsDataCallQuestionAsksTheContextThenTheNetDevice() throws {
        // QNETDEVCTL call: an active context is not enough, the net device must be connected.
        var m = try upModule()
        m.event(.checkDataCall)
        m.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        XCTAssertEqual(m.dataCallChecked, [false], "context active but the ECM binding gone: down")
        m.event(.checkDataCall)
        m.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.event(.checkDataCall)
        m.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        XCTAssertEqual(m.dataCallChecked, [false, true, false], "an inactive context needs no second question")
        // A firmware that answers no QNETDEVCTL now: the context decides.
        m.event(.checkDataCall)
        m.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        m.expect("AT+QNETDEVCTL?", "ERROR")
        // No answer is no answer, not "down".
        m.event(.checkDataCall)
        m.timeOut()
        XCTAssertEqual(m.dataCallChecked, [false, true, false, true, nil])
        XCTAssertEqual(m.machine.state, .up(try XCTUnwrap(m.machine.module.dataCall.flatMap {
            if case .up(let call) = $0.value { call } else { nil }
        })), "the question never moves the machine")
        // The port gone: answered at once.
        m.portGone()
        m.event(.checkDataCall)
        XCTAssertEqual(m.dataCallChecked.count, 6)
        XCTAssertEqual(m.dataCallChecked.last, .some(nil))
    }

    func testRestartRequestedWhileABringUpIsFinishingIsNotAnsweredByThatBringUp() throws {
        var m = try upModule()
        // A bring-up runs (e.g. started by the port reopening after a stall) and is at its
        // last command when the supervisor asks to restart the data call (the PDP dropped).
        m.event(.restart)
        m.identifyAndECM()
        m.simToRegistered()
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL?")
        m.event(.restartDataCall)
        // The old bring-up's last answer arrives: it must not report the data call up.
        m.module("+QNETDEVCTL: 1,1,1,1", "OK")
        XCTAssertNil(m.finished, "a bring-up that began before the request answered for it")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+QNETDEVCTL=0,1,0", "OK", "+QNETDEVSTATUS: 0")
        XCTAssertNil(m.finished)
        XCTAssertTrue(m.logs.contains("recovery: AT+QNETDEVCTL=0,1,0 -> OK"), "\(m.logs)")
        // The module kept its configuration: the restart resumes at registration.
        m.expect("AT+CEREG=2", "OK")
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished, "the bring-up after the disconnect reports the data call")
        XCTAssertEqual(m.machine.module.dataCall.map { "\($0.value)" }?.hasPrefix("up"), true)
    }

    /// The call is reported up before its address is read; a restart requested meanwhile
    /// stops that read: its late answer reports nothing.
    func testRestartRequestedWhileTheAddressIsReadIsNotAnsweredByThatRead() throws {
        var m = try upModule()
        m.event(.restart)
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        XCTAssertEqual(m.reportedUp?.addresses, [])
        XCTAssertEqual(m.pending, "AT+CGPADDR=1")
        m.finished = nil
        m.event(.restartDataCall)
        m.module("+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertNil(m.finished, "the read the request stopped reported an address")
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL?", "the restart's own check")
    }

    func testRestartOfADroppedDataCallSkipsTheDisconnectAndResumesAtRegistration() throws {
        var m = try upModule()
        m.module("+QNETDEVSTATUS: 0")
        m.event(.restartDataCall)
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        XCTAssertTrue(m.logs.contains("recovery: the data call is down already"), "\(m.logs)")
        m.expect("AT+CEREG=2", "OK")
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        XCTAssertFalse(m.written.contains("AT+QNETDEVCTL=0,1,0"), "nothing to end: the network ended it")
        XCTAssertEqual(m.written.filter { $0 == "ATI" }.count, 1, "no identify, usbnet, SIM, context again")

        var a = try ScriptedModule(ModemConfiguration(apn: "internet"))
        a.open()
        a.identifyAndECM(profileFirmware: "BG95M3LAR02A03_01.200.01.200", qnetdevctlTest: ["ERROR"])
        a.simToRegistered()
        a.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        a.expect("AT+CGACT=1,1", "OK")
        a.expect("AT+CGPADDR=1", "+CGPADDR: 1,\"10.64.11.125\"", "OK")
        a.finished = nil
        a.module("+CGEV: NW PDN DEACT 1")
        a.event(.restartDataCall)
        a.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        a.expect("AT+CEREG=2", "OK")
        a.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        a.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        a.expect("AT+CGACT=1,1", "OK")
        a.expect("AT+CGPADDR=1", "+CGPADDR: 1,\"10.64.11.125\"", "OK")
        XCTAssertNotNil(a.finished)
        XCTAssertFalse(a.written.contains("AT+CGACT=0,1"))

        // Still up (traffic did not pass for another reason): it is ended first.
        var up = try upModule()
        up.event(.restartDataCall)
        up.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        up.expect("AT+QNETDEVCTL=0,1,0", "OK")
        XCTAssertEqual(up.pending, "AT+CEREG=2")
    }

    func testRestartAfterTheSIMWentAwayStartsFromTheTop() throws {
        var m = try upModule()
        // SIM pulled: the module says so, the network goes, the data call with it.
        m.module("+CPIN: NOT READY", "+CGEV: ME DETACH", "+QNETDEVSTATUS: 0")
        m.event(.restartDataCall)
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        XCTAssertEqual(m.pending, "AT+QCFGEXT=\"usbnet\"", "the SIM step must run (and report the missing SIM)")
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CME ERROR: 10")
        XCTAssertTrue(m.logs.contains { $0.contains("no SIM") }, "\(m.logs)")
    }

    func testRadioCycleIsTwoCommandsThenABringUp() throws {
        var m = try upModule()
        m.event(.cycleRadio)
        m.expect("AT+CFUN=0", "OK")
        XCTAssertNil(m.finished)
        m.expect("AT+CFUN=1", "OK")
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
        XCTAssertTrue(m.logs.contains("recovery: AT+CFUN=0 -> OK"))
        XCTAssertTrue(m.logs.contains("recovery: AT+CFUN=1 -> OK"))
    }

    func testRebootWaitsForTheModuleEvenWhenItVanishesBeforeAnswering() throws {
        var m = try upModule()
        m.event(.reboot)
        XCTAssertEqual(m.pending, "AT+CFUN=1,1")
        XCTAssertTrue(m.waitedForModule)
        XCTAssertTrue(m.timers.contains(.reboot))
        m.portGone()
        XCTAssertEqual(m.machine.state, .rebooting, "a vanish is what a reboot is waiting for")
        m.open()
        XCTAssertFalse(m.timers.contains(.reboot))
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
    }

    // MARK: Behaviour 4: down ends the data call, up starts it again

    func testEndDataCallDisconnectsTheWayItWasMadeAndStaysStopped() throws {
        var m = try upModule()
        m.event(.endDataCall)
        m.expect("AT+QNETDEVCTL=0,1,0", "OK", "+QNETDEVSTATUS: 0")
        XCTAssertEqual(m.machine.state, .stopped)
        XCTAssertEqual(m.machine.module.dataCall?.value, .down)
        XCTAssertNil(m.pending)
        // The port reopening (or the module rebooting) does not bring it back up by itself.
        m.portGone()
        m.open()
        XCTAssertEqual(m.machine.state, .stopped)
        XCTAssertNil(m.pending)
        // `up`.
        m.event(.restart)
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
    }

    func testEndDataCallOnTheAutoconnectProfileDeactivatesTheContext() throws {
        var m = try ScriptedModule(ModemConfiguration(apn: "internet"))
        m.open()
        m.identifyAndECM(profileFirmware: "BG95M3LAR02A03_01.200.01.200", qnetdevctlTest: ["ERROR"])
        m.simToRegistered()
        m.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        m.expect("AT+CGACT=1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,\"10.64.11.125\"", "OK")
        XCTAssertNotNil(m.finished)
        m.event(.endDataCall)
        m.expect("AT+CGACT=0,1", "OK")
        XCTAssertEqual(m.machine.state, .stopped)
    }

    // MARK: Behaviour 3: an empty APN leaves the module's context alone

    func testEmptyAPNNeverRewritesTheContext() throws {
        var m = try ScriptedModule(ModemConfiguration(apn: ""))
        m.open()
        m.identifyAndECM()
        m.expect("AT+CPIN?", "+CPIN: READY", "OK")
        m.expect("AT+CGDCONT?", "+CGDCONT: 1,\"IP\",\"other\",\"0.0.0.0\",0,0,0", "OK")
        XCTAssertEqual(m.pending, "AT+CEREG=2", "no AT+CGDCONT=1,\"IP\",\"\" over the module's context")
        m.expect("AT+CEREG=2", "OK")
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        m.qnetdevctlDataCall()
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+CGDCONT=") }, "\(m.written)")
        XCTAssertEqual(m.finished?.apn, "other", "the APN in use is the module's")
        XCTAssertTrue(m.logs.contains { $0.contains("no APN configured; leaving it as it is (IP \"other\")") }, "\(m.logs)")
    }

    // MARK: The diagnosis as states of the machine

    func testDiagnosisAsksInOrderAndWaitsForThePingSummary() throws {
        var m = try upModule()
        m.event(.diagnose(pingHost: "198.51.100.7", pingCount: 2))
        m.expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        m.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+QPING=1,\"198.51.100.7\",4,2", "OK")
        XCTAssertNil(m.diagnosed, "the summary comes as a URC")
        XCTAssertTrue(m.timers.contains(.diagnosisPing))
        m.module("+QPING: 0,\"198.51.100.7\",32,60,255", "+QPING: 0,2,2,0,55,60,58")
        let found = try XCTUnwrap(m.diagnosed)
        XCTAssertEqual(found.registration?.status, .home)
        XCTAssertEqual(found.activeContexts, [1])
        XCTAssertEqual(found.netDeviceConnected, true)
        XCTAssertEqual(found.ping?.received, 2)
        XCTAssertFalse(m.timers.contains(.diagnosisPing))
        XCTAssertFalse(found.fromModel)
    }

    func testDiagnosisSkipsThePingWhenNotRegisteredAndCountsNoAnswerAsAnAnswer() throws {
        var m = try upModule()
        m.event(.diagnose(pingHost: "198.51.100.7", pingCount: 1))
        m.expect("AT+CEREG?", "+CEREG: 2,2", "OK")
        m.timeOut()  // AT+CGACT? unanswered: not retried, reported as unknown
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        let found = try XCTUnwrap(m.diagnosed)
        XCTAssertEqual(found.registration?.status, .searching)
        XCTAssertNil(found.activeContexts)
        XCTAssertEqual(found.netDeviceConnected, false)
        XCTAssertNil(found.ping, "no ping while not registered")
        XCTAssertFalse(m.written.contains { $0.hasPrefix("AT+QPING") })
    }

    func testDiagnosisDuringABringUpAnswersFromTheModelWithoutInterrupting() throws {
        var m = try upModule()
        m.event(.restart)
        m.expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"ecm\"", "OK")
        m.expect("ATI", "Quectel", "BG95-M3", "Revision: BG95M3LAR02A03", "OK")
        XCTAssertEqual(m.pending, "AT+QGMR")
        m.event(.diagnose(pingHost: nil, pingCount: 1))
        let found = try XCTUnwrap(m.diagnosed)
        XCTAssertTrue(found.fromModel)
        XCTAssertEqual(found.registration?.status, .home, "the last confirmed registration")
        m.expect("AT+QGMR", "BG95M3LAR02A03_01.202.01.202", "OK")
        XCTAssertEqual(m.pending, "AT+QURCCFG=\"urcport\"", "the bring-up goes on")
    }
}

extension ModemStepsTests {
    /// `down` while the module is away, then `up`: the module is brought up when it appears.
    func testUpAfterDownWithoutAModuleBringsItUpWhenItAppears() throws {
        var m = try ScriptedModule(ModemConfiguration(apn: "internet"))
        m.event(.endDataCall)
        XCTAssertEqual(m.machine.state, .stopped)
        m.portGone()  // the disconnect was never answered: the port is not there
        m.open()
        XCTAssertEqual(m.machine.state, .stopped, "down holds while the module comes and goes")
        m.portGone()
        m.event(.restart)  // `up`
        m.portGone()       // the identify it sent had no port either
        m.open()
        m.identifyAndECM()
        m.simToRegistered()
        m.qnetdevctlDataCall()
        XCTAssertNotNil(m.finished)
    }
}
