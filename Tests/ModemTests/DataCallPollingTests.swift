import ATProtocol
import Modem
import XCTest

/// Data-call detection: a URC (`+QNETDEVSTATUS: 1`, `+CGEV: ME PDN ACT`) ends the wait at once;
/// the fallback poll starts at 100 ms and backs off to 1 s, bounded as before (15 s for the net
/// device, 10 s for the address). The tests read the timers' delays; they time nothing.
final class DataCallPollingTests: XCTestCase {
    private func module(_ configure: (inout ModemConfiguration) -> Void = { _ in }) throws -> ScriptedModule {
        var configuration = ModemConfiguration(apn: "internet")
        configure(&configuration)
        var module = try ScriptedModule(configuration)
        module.open()
        return module
    }

    private func retryDelays(_ m: ScriptedModule) -> [Duration] {
        m.timerStarts.filter { $0.timer == .retry }.map(\.after)
    }

    func testPollScheduleStartsAt100msAndCapsAt1s() {
        XCTAssertEqual((1...7).map(BringUpPolling.delay(beforeAttempt:)),
                       [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                        .seconds(1), .seconds(1), .seconds(1)])
        // 0.1 + 0.2 + 0.4 + 0.8 = 1.5 s, then 1 s each: 17 polls fit into 15 s, 12 into 10 s.
        XCTAssertEqual(BringUpPolling.attempts(within: .seconds(15)), 17)
        XCTAssertEqual(BringUpPolling.attempts(within: .seconds(10)), 12)
        XCTAssertEqual(BringUpPolling.attempts(within: .milliseconds(50)), 1)
    }

    func testNetDeviceIsPolledFastThenSlowerAndGivesUpAfter15s() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.expect("AT+QNETDEVCTL=1,1,1", "OK")
        XCTAssertNil(m.pending, "the connect takes the module a while: wait before asking")
        while m.failed == nil {
            m.fire(.retry, after: retryDelays(m).last ?? .zero)
            m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        }
        let delays = retryDelays(m)
        XCTAssertEqual(Array(delays.prefix(6)),
                       [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                        .seconds(1), .seconds(1)])
        XCTAssertEqual(delays.count, 17)
        XCTAssertEqual(delays.reduce(.zero, +), .milliseconds(14_500), "the same ~15 s bound as the old 1 s poll")
        guard case .commandFailed(_, _, let result)? = m.failed else { return XCTFail("expected a failure") }
        XCTAssertTrue(result.contains("still not connected 15 s"), result)
    }

    func testNetDeviceURCEndsTheWaitAtOnce() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.expect("AT+QNETDEVCTL=1,1,1", "OK")
        m.fire(.retry, after: .milliseconds(100))
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        XCTAssertEqual(retryDelays(m).last, .milliseconds(200))
        m.module("+QNETDEVSTATUS: 1")
        XCTAssertFalse(m.timers.contains(.retry), "the URC cancels the wait")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertEqual(m.finished?.addresses, ["10.64.11.124"])
    }

    func testNetDeviceURCDuringAPollIsNotLostToTheOlderAnswer() throws {
        var m = try module()
        m.identifyAndECM()
        m.simToRegistered()
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        m.expect("AT+QNETDEVCTL=1,1,1", "OK")
        m.fire(.retry, after: .milliseconds(100))
        // The URC comes between the query and its answer, which the module made before it.
        XCTAssertEqual(m.pending, "AT+QNETDEVCTL?")
        m.module("+QNETDEVSTATUS: 1")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,0", "OK")
        XCTAssertFalse(m.timers.contains(.retry), "no waiting out a poll after the URC said connected")
        m.expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.124", "OK")
        XCTAssertNotNil(m.finished)
    }

    func testAddressIsPolledFastAndThePDNActivationURCEndsTheWait() throws {
        var m = try module()
        m.identifyAndECM(profileFirmware: "BG95M3LAR02A03_01.200.01.200", qnetdevctlTest: ["ERROR"])
        m.simToRegistered()
        m.expect("AT+CGACT?", "+CGACT: 1,0", "OK")
        m.expect("AT+CGACT=1,1", "OK")
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,0.0.0.0", "OK")
        XCTAssertEqual(retryDelays(m), [.milliseconds(100)])
        m.fire(.retry, after: .milliseconds(100))
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
        XCTAssertEqual(retryDelays(m), [.milliseconds(100), .milliseconds(200)])
        m.module("+CGEV: ME PDN ACT 1")
        XCTAssertFalse(m.timers.contains(.retry))
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1,10.64.11.125", "OK")
        XCTAssertEqual(m.finished?.addresses, ["10.64.11.125"])
    }

    /// The call is up once confirmed (the probe decides whether it carries traffic); an address
    /// that never comes is asked for about 10 s, then said once, and the call stays up.
    func testAddressThatNeverComesIsAskedForAbout10sAndTheCallStaysUp() throws {
        var m = try module()
        m.identifyAndECM(profileFirmware: "BG95M3LAR02A03_01.200.01.200", qnetdevctlTest: ["ERROR"])
        m.simToRegistered()
        m.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        XCTAssertEqual(m.reportedUp?.addresses, [], "up before the address is read")
        let upAt = try XCTUnwrap(m.machine.module.dataCall?.at)
        m.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
        while m.timers.contains(.retry) {
            m.fire(.retry, after: retryDelays(m).last ?? .zero)
            m.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
        }
        XCTAssertNil(m.failed)
        guard case .up(let call) = m.machine.state else { return XCTFail("\(m.machine.state)") }
        XCTAssertEqual(call.addresses, [])
        XCTAssertEqual(m.finished?.addresses, [], "the address step ended without one")
        XCTAssertEqual(m.machine.module.dataCall?.at, upAt, "the call's instant stays the one it came up at")
        XCTAssertTrue(m.logs.contains("data call: +CGPADDR still has no address after 10 s"), "\(m.logs)")
        XCTAssertNil(m.pending)
        XCTAssertEqual(retryDelays(m).count, 12)
        XCTAssertEqual(retryDelays(m).reduce(.zero, +), .milliseconds(9_500))
        // A URC for another context does not end the wait.
        var other = try module()
        other.identifyAndECM(profileFirmware: "BG95M3LAR02A03_01.200.01.200", qnetdevctlTest: ["ERROR"])
        other.simToRegistered()
        other.expect("AT+CGACT?", "+CGACT: 1,1", "OK")
        other.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
        other.module("+CGEV: ME PDN ACT 2")
        XCTAssertTrue(other.timers.contains(.retry))
        XCTAssertNil(other.pending)
    }
}
