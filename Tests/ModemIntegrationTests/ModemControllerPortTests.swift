import ATProtocol
import Dispatch
import Foundation
import Modem
@testable import ModemIO
import Supervisor
import XCTest

/// The AT port as `ModemController` carries it out for `ModemMachine`'s link, over a real
/// pseudo-terminal: synchronisation, timeouts and resync, stall detection and recovery,
/// garbage, URCs, hang-up and the port lock. No root needed.
final class ModemControllerPortTests: PseudoTerminalTestCase {
    private func makeController(cap: Duration = .milliseconds(400)) -> ControllerOnPseudoTerminal {
        ControllerOnPseudoTerminal(lockDirectory: lockDirectory) { link in
            link.maximumCommandTimeout = cap
            link.probeTimeout = .milliseconds(200)
            link.stalledProbeInterval = .milliseconds(200)
        }
    }

    func testOpenSynchronisesWithEchoOffBeforeTheFirstCommand() throws {
        let module = try PseudoTerminalModule()
        module.respond = { line in line == "AT+CPIN?" ? ["+CPIN: READY", "OK"] : ["OK"] }
        let m = makeController()
        m.attach(module)
        let response = try XCTUnwrap(m.send(.simStatusQuery))
        XCTAssertEqual(response.result, .ok)
        XCTAssertEqual(try response.reply(SIMState.self), .ready)
        XCTAssertEqual(Array(module.written.prefix(2)), ["ATE0", "AT+CPIN?"])
        XCTAssertEqual(m.health, .ready)
        XCTAssertTrue(m.reports.contains("AT port: ready"), "\(m.reports)")
        XCTAssertEqual(m.queue.sync { m.controller.module?.sim?.value }, .ready, "an operator's answer fills the module model")
        m.stop()
    }

    func testTimeoutResynchronisesBeforeTheNextCommand() throws {
        let module = try PseudoTerminalModule()
        let silent = Flag(true)
        module.respond = { line in
            if line == "AT+CGATT?" { return silent.value ? nil : ["+CGATT: 1", "OK"] }
            return ["OK"]
        }
        let m = makeController()
        m.attach(module)
        let first = try XCTUnwrap(m.send(.attachQuery))
        XCTAssertEqual(first.result, .timedOut)
        silent.value = false
        let second = try XCTUnwrap(m.send(.attachQuery))
        XCTAssertEqual(second.result, .ok)
        XCTAssertEqual(try second.reply(AttachState.self).isAttached, true)
        // After the timeout the link probed (AT, ATE0) before writing the next command.
        let lines = module.written
        let timedOut = try XCTUnwrap(lines.firstIndex(of: "AT+CGATT?"))
        XCTAssertEqual(Array(lines[(timedOut + 1)...].prefix(2)), ["ATE0", "AT+CGATT?"])
        m.stop()
    }

    func testStalledPortIsReportedAndRecoversWithoutLosingQueuedCommands() throws {
        let module = try PseudoTerminalModule()
        let stalled = Flag(true)
        module.respond = { line in
            if stalled.value { return nil }
            return line == "AT+CGATT?" ? ["+CGATT: 1", "OK"] : ["OK"]
        }
        let m = makeController()
        m.attach(module)
        let answered = expectation(description: "queued command answered")
        nonisolated(unsafe) var response: ATResponse?
        m.queue.async {
            m.controller.submit(.attachQuery) { response = $0; answered.fulfill() }
        }
        XCTAssertTrue(m.await { m.reports.contains("AT port: stalled") }, "\(m.reports)")
        XCTAssertNil(m.queue.sync { response }, "a queued command waits while the port is stalled")
        XCTAssertFalse(module.written.contains("AT+CGATT?"))
        stalled.value = false
        wait(for: [answered], timeout: 10)
        XCTAssertEqual(response?.result, .ok)
        let reports = m.reports.filter { $0.hasPrefix("AT port: ") }
        XCTAssertEqual(reports.first, "AT port: synchronising")
        XCTAssertEqual(reports.last, "AT port: ready")
        // Silent from the start: the port was reopened (twice) before it was called stalled.
        XCTAssertEqual(m.log.lines.filter { $0.contains("has not answered since it was opened; reopening it") }.count, 2)
        XCTAssertEqual(m.log.lines.filter { $0.contains("port stalled") }.count, 1)
        m.stop()
    }

    func testGarbageOnThePortTriggersResync() throws {
        let module = try PseudoTerminalModule()
        let m = makeController()
        m.attach(module)
        XCTAssertEqual(m.send(.attention)?.result, .ok)
        let before = module.written.count
        module.write([0x0D, 0x0A, 0xFF, 0xFE, 0x23, 0x40, 0x21, 0x7E, 0x0D, 0x0A])
        // The garbage arrives asynchronously; the probe it triggers is what we wait for.
        XCTAssertEqual(module.waitForCommand(before), "ATE0")
        XCTAssertEqual(m.send(.functionalityQuery)?.result, .ok)
        XCTAssertEqual(module.written.last, "AT+CFUN?", "one probe, then the command")
        m.stop()
    }

    func testURCsAreReportedAlsoInTheMiddleOfAResponse() throws {
        let module = try PseudoTerminalModule()
        module.respond = { line in
            line == "AT+CEREG?" ? ["+CEREG: 2,2", "+QNETDEVSTATUS: 0", "+CGEV: NW DETACH", "OK"] : ["OK"]
        }
        let m = makeController()
        m.attach(module)
        let response = try XCTUnwrap(m.send(.registrationQuery))
        XCTAssertEqual(try response.reply(RegistrationReadReply.self).info.status, .searching)
        XCTAssertEqual(response.lines, ["+CEREG: 2,2"])
        XCTAssertEqual(m.urcLines, ["+QNETDEVSTATUS: 0", "+CGEV: NW DETACH"])
        XCTAssertTrue(m.events.contains(.supervisor(.networkDetached)), "the supervisor hears what a URC means: \(m.events)")
        module.send(["+CEREG: 1,\"1A2B\",\"01A2D001\",8"])
        XCTAssertTrue(m.await { m.urcLines.count == 3 })
        XCTAssertEqual(m.urcLines.last, "+CEREG: 1,\"1A2B\",\"01A2D001\",8")
        XCTAssertEqual(m.queue.sync { m.controller.module?.registration?.value.status }, .home)
        m.stop()
    }

    func testHangUpCancelsInFlightAndQueuedCommands() throws {
        let module = try PseudoTerminalModule()
        module.respond = { line in line.hasPrefix("AT+CGACT") ? nil : ["OK"] }
        let m = makeController(cap: .seconds(30))
        m.attach(module)
        XCTAssertEqual(m.send(.attention)?.result, .ok)
        let all = expectation(description: "all cancelled")
        all.expectedFulfillmentCount = 3
        nonisolated(unsafe) var results: [ATResult] = []
        let before = module.written.count
        m.queue.async {
            for command in [ATCommand.contextActivationQuery, .attachQuery, .simStatusQuery] {
                m.controller.submit(command) { results.append($0.result); all.fulfill() }
            }
        }
        XCTAssertEqual(module.waitForCommand(before), "AT+CGACT?")
        module.hangUp()
        wait(for: [all], timeout: 10)
        XCTAssertEqual(results, [.cancelled, .cancelled, .cancelled])
        XCTAssertEqual(m.health, .closed)
        XCTAssertTrue(m.reports.contains("AT port: closed"), "\(m.reports)")
        // An operator's command on a closed port is refused at once.
        let refused = expectation(description: "refused")
        nonisolated(unsafe) var failure: ModemCommandError?
        m.queue.async {
            m.controller.passthrough("AT") { result in
                if case .failure(let error) = result { failure = error }
                refused.fulfill()
            }
        }
        wait(for: [refused], timeout: 5)
        XCTAssertEqual(failure, .noModule)
        m.stop()
    }

    func testASecondControllerCannotOpenThePortWhileTheFirstHoldsIt() throws {
        let module = try PseudoTerminalModule()
        let first = makeController()
        first.attach(module)
        XCTAssertTrue(first.await { first.controller.portHealth == .ready })
        let second = makeController()
        second.attach(module)
        XCTAssertEqual(second.health, .closed)
        let refusal = try XCTUnwrap(second.log.lines.first { $0.contains("cannot open AT port") }, "\(second.log.lines)")
        XCTAssertTrue(refusal.contains("is in use by another bg95d (pid \(getpid())) (lock \(lockDirectory)"), refusal)
        first.stop()
        // The lock file goes with the first controller's close at once, the tty descriptor
        // (held with TIOCEXCL) right after Dispatch stopped watching it: udev's next report
        // (here: the test's) finds the port free.
        let deadline = Date().addingTimeInterval(5)
        var reopened = false
        while !reopened, Date() < deadline {
            second.attach(module)
            reopened = second.await(0.2) { second.controller.portHealth == .ready }
        }
        XCTAssertTrue(reopened, "the port is free again after close: \(second.log.lines.suffix(12))")
        second.stop()
    }
}
