import ATProtocol
import Modem
import XCTest

/// The AT link's policy with scripted bytes and hand-fired timers (no port, no clock).
final class ATLinkMachineTests: XCTestCase {
    private struct Link {
        var machine: ATLinkMachine
        var now = ContinuousClock.now
        var written: [String] = []
        var timers: [ATLinkMachine.Timer: Duration] = [:]
        var completed: [UInt64: ATResponse] = [:]
        var urcs: [URC] = []
        var healths: [ATLinkMachine.Health] = []
        var logs: [String] = []
        var reopens = 0
        var synchronised = 0
        var nextTicket: UInt64 = 1

        init(_ configure: (inout ATLinkMachine.Options) -> Void = { _ in }) {
            var options = ATLinkMachine.Options()
            configure(&options)
            machine = ATLinkMachine(options: options)
        }

        mutating func event(_ event: ATLinkMachine.Event) {
            for action in machine.handle(event, now: now) {
                switch action {
                case .write(let bytes, _):
                    written.append(String(decoding: bytes.dropLast(), as: UTF8.self))
                case .startTimer(let timer, let after): timers[timer] = after
                case .cancelTimer(let timer): timers[timer] = nil
                case .complete(let ticket, let response): completed[ticket.rawValue] = response
                case .urc(let urc, _): urcs.append(urc)
                case .healthChanged(let health): healths.append(health)
                case .reopen: reopens += 1
                case .log(let line), .logPortInput(let line): logs.append(line)
                case .synchronised: synchronised += 1
                }
            }
        }

        @discardableResult
        mutating func submit(_ command: ATCommand) -> UInt64 {
            let ticket = nextTicket
            nextTicket += 1
            event(.submit(command, ATLinkMachine.Ticket(rawValue: ticket)))
            return ticket
        }

        mutating func module(_ lines: String...) {
            event(.received(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8)))
        }

        mutating func fire(_ timer: ATLinkMachine.Timer, file: StaticString = #filePath, line: UInt = #line) {
            guard let after = timers.removeValue(forKey: timer) else { return XCTFail("\(timer) not running", file: file, line: line) }
            now = now.advanced(by: after)
            event(.timerFired(timer))
        }

        /// Opened and synchronised (the ATE0 probe answered).
        mutating func ready() {
            event(.opened)
            module("OK")
        }
    }

    func testOpenSynchronisesBeforeTheFirstQueuedCommand() {
        var link = Link()
        link.event(.opened)
        let ticket = link.submit(.simStatusQuery)
        XCTAssertEqual(link.written, ["ATE0"], "nothing queued is written before the port answers")
        link.module("ATE0", "OK")  // echo still on after boot: the probe's OK also turns it off
        XCTAssertEqual(link.written, ["ATE0", "AT+CPIN?"])
        XCTAssertEqual(link.machine.health, .ready)
        XCTAssertEqual(link.timers[.response], .seconds(15), "the reference table's timeout")
        link.module("+CPIN: READY", "OK")
        XCTAssertEqual(link.completed[ticket]?.lines, ["+CPIN: READY"])
        XCTAssertEqual(link.healths, [.synchronising, .ready])
    }

    /// A first probe refused (a line mangled by bytes left in the module's input) is sent once
    /// more; any answer to that one means the module listens.
    func testARefusedProbeIsSentOnceMoreThenAnyAnswerCounts() {
        var link = Link()
        link.event(.opened)
        let ticket = link.submit(.simStatusQuery)
        link.module("ERROR")
        XCTAssertEqual(link.written, ["ATE0", "ATE0"])
        XCTAssertEqual(link.machine.health, .synchronising)
        link.module("ERROR")
        XCTAssertEqual(link.machine.health, .ready)
        XCTAssertEqual(link.written, ["ATE0", "ATE0", "AT+CPIN?"])
        XCTAssertNil(link.completed[ticket])
        // The next synchronisation may again send a refused probe once more.
        link.event(.opened)
        link.module("ERROR")
        XCTAssertEqual(link.written.suffix(1), ["ATE0"])
        link.module("OK")
        XCTAssertEqual(link.machine.health, .ready)
    }

    func testOneCommandInFlightTheRestQueuedInOrder() {
        var link = Link()
        link.ready()
        let first = link.submit(.attachQuery)
        let second = link.submit(.contextActivationQuery)
        let third = link.submit(.functionalityQuery)
        XCTAssertEqual(link.written.suffix(1), ["AT+CGATT?"])
        XCTAssertEqual(link.machine.queuedCount, 2)
        link.module("+CGATT: 1", "OK")
        XCTAssertEqual(link.written.suffix(1), ["AT+CGACT?"])
        link.module("+CGACT: 1,1", "+CEREG: 1,\"1A2B\",\"01A2D001\",8", "OK")
        XCTAssertEqual(link.written.suffix(1), ["AT+CFUN?"])
        link.module("+CFUN: 1", "OK")
        XCTAssertEqual(link.completed[first]?.lines, ["+CGATT: 1"])
        XCTAssertEqual(link.completed[second]?.lines, ["+CGACT: 1,1"], "the URC is not part of the response")
        XCTAssertEqual(link.completed[third]?.result, .ok)
        guard case .registration(let info)? = link.urcs.first else { return XCTFail("URC lost") }
        XCTAssertEqual(info.status, .home)
    }

    func testTimeoutResynchronisesBeforeTheNextCommandAndAbsorbsALateAnswer() {
        var link = Link()
        link.ready()
        let slow = link.submit(.attachQuery)
        let next = link.submit(.simStatusQuery)
        link.fire(.response)
        XCTAssertEqual(link.completed[slow]?.result, .timedOut)
        XCTAssertEqual(link.machine.health, .resynchronising)
        XCTAssertEqual(link.written.suffix(2), ["AT+CGATT?", "ATE0"], "a probe, not the next command")
        XCTAssertEqual(link.timers[.response], .seconds(2), "probes use the short timeout")
        link.module("+CGATT: 1", "OK")  // the late answer lands on the probe, not on AT+CPIN?
        XCTAssertEqual(link.written.suffix(1), ["AT+CPIN?"])
        XCTAssertNil(link.completed[next])
        link.module("+CPIN: READY", "OK")
        XCTAssertEqual(link.completed[next]?.lines, ["+CPIN: READY"])
        XCTAssertTrue(link.logs.contains("AT: AT+CGATT? timed out; resynchronising"))
        XCTAssertEqual(link.synchronised, 1, "ready again after a resync is not a new module")
        link.event(.opened)
        link.module("OK")
        XCTAssertEqual(link.machine.health, .ready)
        XCTAssertEqual(link.synchronised, 2, "ready after a (re)open is")
    }

    func testStalledPortIsReportedProbedSlowlyAndRecovers() {
        var link = Link()
        link.ready()
        let queued = link.submit(.attachQuery)
        link.fire(.response)  // AT+CGATT? times out
        XCTAssertEqual(link.completed[queued]?.result, .timedOut)
        let waiting = link.submit(.simStatusQuery)
        link.fire(.response)
        link.fire(.response)
        XCTAssertNotEqual(link.machine.health, .stalled)
        link.fire(.response)
        XCTAssertEqual(link.machine.health, .stalled, "three unanswered probes")
        XCTAssertEqual(link.reopens, 0, "the port answered before: no reopen")
        XCTAssertEqual(link.timers[.probeDelay], .seconds(3))
        let probes = link.written.filter { $0 == "ATE0" }.count
        link.fire(.probeDelay)
        XCTAssertEqual(link.written.filter { $0 == "ATE0" }.count, probes + 1)
        link.fire(.response)
        XCTAssertEqual(link.timers[.probeDelay], .seconds(3), "still probing, never giving up")
        link.fire(.probeDelay)
        link.module("OK")
        XCTAssertEqual(link.machine.health, .ready)
        XCTAssertEqual(link.written.last, "AT+CPIN?", "the queued command goes out after recovery")
        XCTAssertNil(link.completed[waiting])
        XCTAssertTrue(link.logs.contains { $0.hasPrefix("AT: port answers again") })
    }

    func testAPortThatNeverAnsweredIsReopenedBeforeItIsCalledStalled() {
        var link = Link()
        link.event(.opened)
        for _ in 0..<3 { link.fire(.response) }
        XCTAssertEqual(link.reopens, 1)
        XCTAssertEqual(link.machine.health, .synchronising)
        link.event(.opened)
        for _ in 0..<3 { link.fire(.response) }
        XCTAssertEqual(link.reopens, 2)
        link.event(.opened)
        for _ in 0..<3 { link.fire(.response) }
        XCTAssertEqual(link.reopens, 2, "bounded")
        XCTAssertEqual(link.machine.health, .stalled)
    }

    func testGarbageAndOverlongLinesTriggerAResync() {
        var link = Link()
        link.ready()
        let before = link.written.count
        link.event(.received([0x0D, 0x0A, 0xFF, 0xFE, 0x5B, 0x3F, 0x80, 0x0D, 0x0A]))
        XCTAssertEqual(link.written.count, before + 1)
        XCTAssertEqual(link.written.last, "ATE0")
        XCTAssertTrue(link.urcs.isEmpty, "garbage is not a URC")
        link.module("OK")
        XCTAssertEqual(link.machine.health, .ready)
        link.event(.received(Array(repeating: UInt8(ascii: "A"), count: 3000) + [0x0D]))
        XCTAssertEqual(link.written.last, "ATE0")
        XCTAssertFalse(ATLinkMachine.looksLikeGarbage("+QIND: SMS DONE"))
        XCTAssertFalse(ATLinkMachine.looksLikeGarbage("Quectel"))
        XCTAssertTrue(ATLinkMachine.looksLikeGarbage("~#@!%&*("))
    }

    func testCloseCancelsEverythingAtOnceAndLaterSendsComeBackCancelled() {
        var link = Link()
        link.ready()
        let tickets = [link.submit(.attachQuery), link.submit(.simStatusQuery), link.submit(.functionalityQuery)]
        link.event(.closed)
        XCTAssertEqual(tickets.map { link.completed[$0]?.result }, [.cancelled, .cancelled, .cancelled])
        XCTAssertEqual(link.machine.health, .closed)
        XCTAssertEqual(link.timers, [:])
        let late = link.submit(.attention)
        XCTAssertEqual(link.completed[late]?.result, .cancelled)
    }

    func testQueueLimitRefusesInsteadOfGrowing() {
        var link = Link { $0.queueLimit = 2 }
        link.ready()
        let inFlight = link.submit(.attachQuery)
        let a = link.submit(.attachQuery)
        let b = link.submit(.attachQuery)
        let refused = link.submit(.attachQuery)
        XCTAssertEqual(link.completed[refused]?.result, .cancelled)
        XCTAssertNil(link.completed[inFlight])
        XCTAssertNil(link.completed[a])
        XCTAssertNil(link.completed[b])
    }

    func testCommandTimeoutCap() {
        var link = Link { $0.maximumCommandTimeout = .seconds(3) }
        link.ready()
        link.submit(.attach)  // 140 s in the table
        XCTAssertEqual(link.timers[.response], .seconds(3))
    }
}
