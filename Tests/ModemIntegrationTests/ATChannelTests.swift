import ATProtocol
import Dispatch
import Foundation
import ModemIO
import XCTest

/// The AT channel over a real pseudo-terminal: synchronisation, timeouts and resync, stall
/// detection and recovery, garbage, URCs, hang-up and the port lock. No root needed.
final class ATChannelTests: XCTestCase {
    private var lockDirectory = ""
    private let queue = DispatchQueue(label: "channel-test")

    override func setUpWithError() throws {
        lockDirectory = NSTemporaryDirectory() + "bg95-lock-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: lockDirectory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: lockDirectory)
    }

    private func makeChannel(cap: Duration = .milliseconds(400), log: @escaping @Sendable (String) -> Void = { _ in }) -> ATChannel {
        var options = ATChannel.Options()
        options.lockDirectory = lockDirectory
        options.maximumCommandTimeout = cap
        options.probeTimeout = .milliseconds(200)
        options.stalledProbeInterval = .milliseconds(200)
        return ATChannel(queue: queue, options: options, log: log)
    }

    /// Sends on the queue and waits for the response.
    private func send(_ channel: ATChannel, _ command: ATCommand, timeout: TimeInterval = 10) -> ATResponse? {
        let done = expectation(description: "\(command)")
        nonisolated(unsafe) var result: ATResponse?
        queue.async {
            channel.send(command) { response in
                result = response
                done.fulfill()
            }
        }
        wait(for: [done], timeout: timeout)
        return result
    }

    private func open(_ channel: ATChannel, _ module: PseudoTerminalModule, onClosed: @escaping @Sendable (String) -> Void = { _ in }) throws {
        var failure: ModemIOError?
        queue.sync {
            do throws(ModemIOError) { try channel.open(module.slavePath, onClosed: onClosed) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func testOpenSynchronisesWithATAndEchoOffBeforeTheFirstCommand() throws {
        let module = try PseudoTerminalModule()
        module.respond = { line in line == "AT+CPIN?" ? ["+CPIN: READY", "OK"] : ["OK"] }
        let channel = makeChannel()
        try open(channel, module)
        let response = try XCTUnwrap(send(channel, .simStatusQuery))
        XCTAssertEqual(response.result, .ok)
        XCTAssertEqual(try response.reply(SIMState.self), .ready)
        XCTAssertEqual(Array(module.written.prefix(3)), ["AT", "ATE0", "AT+CPIN?"])
        XCTAssertEqual(queue.sync { channel.health }, .ready)
    }

    func testTimeoutResynchronisesBeforeTheNextCommand() throws {
        let module = try PseudoTerminalModule()
        let silent = Flag(true)
        module.respond = { line in
            if line == "AT+CGATT?" { return silent.value ? nil : ["+CGATT: 1", "OK"] }
            return ["OK"]
        }
        let channel = makeChannel()
        try open(channel, module)
        let first = try XCTUnwrap(send(channel, .attachQuery))
        XCTAssertEqual(first.result, .timedOut)
        silent.value = false
        let second = try XCTUnwrap(send(channel, .attachQuery))
        XCTAssertEqual(second.result, .ok)
        XCTAssertEqual(try second.reply(AttachState.self).isAttached, true)
        // After the timeout the channel probed (AT, ATE0) before writing the next command.
        let lines = module.written
        let timedOut = try XCTUnwrap(lines.firstIndex(of: "AT+CGATT?"))
        XCTAssertEqual(Array(lines[(timedOut + 1)...].prefix(3)), ["AT", "ATE0", "AT+CGATT?"])
    }

    func testStalledPortIsReportedAndRecoversWithoutLosingQueuedCommands() throws {
        let module = try PseudoTerminalModule()
        let stalled = Flag(true)
        module.respond = { line in
            if stalled.value { return nil }
            return line == "AT+CGATT?" ? ["+CGATT: 1", "OK"] : ["OK"]
        }
        let logLines = LogLines()
        let channel = makeChannel(log: { logLines.append($0) })
        let stalledSeen = expectation(description: "stalled")
        let readySeen = expectation(description: "ready again")
        nonisolated(unsafe) var healths: [ATChannel.Health] = []
        queue.sync {
            channel.onHealthChange = { health in
                healths.append(health)
                if health == .stalled { stalledSeen.fulfill() }
                if health == .ready, healths.contains(.stalled) { readySeen.fulfill() }
            }
        }
        try open(channel, module)
        let answered = expectation(description: "queued command answered")
        nonisolated(unsafe) var response: ATResponse?
        queue.async {
            channel.send(.attachQuery) { response = $0; answered.fulfill() }
        }
        wait(for: [stalledSeen], timeout: 10)
        XCTAssertNil(response, "a queued command waits while the port is stalled")
        XCTAssertFalse(module.written.contains("AT+CGATT?"))
        stalled.value = false
        wait(for: [readySeen, answered], timeout: 10)
        XCTAssertEqual(response?.result, .ok)
        XCTAssertEqual(healths.first, .synchronising)
        // Silent from the start: the port was reopened (twice) before it was called stalled.
        XCTAssertEqual(logLines.lines.filter { $0.contains("has not answered since it was opened; reopening it") }.count, 2)
        XCTAssertEqual(logLines.lines.filter { $0.contains("port stalled") }.count, 1)
    }

    func testGarbageOnThePortTriggersResync() throws {
        let module = try PseudoTerminalModule()
        let channel = makeChannel()
        try open(channel, module)
        XCTAssertEqual(send(channel, .attention)?.result, .ok)
        let before = module.written.count
        module.write([0x0D, 0x0A, 0xFF, 0xFE, 0x23, 0x40, 0x21, 0x7E, 0x0D, 0x0A])
        // The garbage arrives asynchronously; the probe it triggers is what we wait for.
        XCTAssertEqual(module.waitForCommand(before), "AT")
        XCTAssertEqual(module.waitForCommand(before + 1), "ATE0")
        XCTAssertEqual(send(channel, .functionalityQuery)?.result, .ok)
    }

    func testURCsAreDeliveredAlsoInTheMiddleOfAResponse() throws {
        let module = try PseudoTerminalModule()
        module.respond = { line in
            line == "AT+CEREG?" ? ["+CEREG: 2,2", "+QNETDEVSTATUS: 0", "+CGEV: NW DETACH", "OK"] : ["OK"]
        }
        let channel = makeChannel()
        nonisolated(unsafe) var urcs: [URC] = []
        queue.sync { channel.onURC = { urc, _ in urcs.append(urc) } }
        try open(channel, module)
        let response = try XCTUnwrap(send(channel, .registrationQuery))
        XCTAssertEqual(try response.reply(RegistrationReadReply.self).info.status, .searching)
        XCTAssertEqual(response.lines, ["+CEREG: 2,2"])
        queue.sync {}
        XCTAssertEqual(urcs, [.netDeviceStatus(NetDeviceStatus(isConnected: false)), .packetDomain(.networkDetach)])
        module.send(["+CEREG: 1,\"1A2B\",\"01A2D001\",8"])
        let deadline = Date().addingTimeInterval(5)
        while queue.sync(execute: { urcs.count }) < 3, Date() < deadline { usleep(10_000) }
        guard case .registration(let info)? = queue.sync(execute: { urcs.last }) else { return XCTFail("no +CEREG URC") }
        XCTAssertEqual(info.status, .home)
    }

    func testHangUpCancelsInFlightAndQueuedCommandsAndReportsTheClose() throws {
        let module = try PseudoTerminalModule()
        module.respond = { line in line.hasPrefix("AT+CGACT") ? nil : ["OK"] }
        let channel = makeChannel(cap: .seconds(30))
        let closed = expectation(description: "closed")
        try open(channel, module) { _ in closed.fulfill() }
        XCTAssertEqual(send(channel, .attention)?.result, .ok)
        let all = expectation(description: "all cancelled")
        all.expectedFulfillmentCount = 3
        nonisolated(unsafe) var results: [ATResult] = []
        let before = module.written.count
        queue.async {
            for command in [ATCommand.contextActivationQuery, .attachQuery, .simStatusQuery] {
                channel.send(command) { results.append($0.result); all.fulfill() }
            }
        }
        XCTAssertEqual(module.waitForCommand(before), "AT+CGACT?")
        module.hangUp()
        wait(for: [all, closed], timeout: 10)
        XCTAssertEqual(results, [.cancelled, .cancelled, .cancelled])
        XCTAssertEqual(queue.sync { channel.health }, .closed)
        // Sending on a closed channel completes at once.
        XCTAssertEqual(send(channel, .attention)?.result, .cancelled)
    }

    func testASecondChannelCannotOpenThePortWhileTheFirstHoldsIt() throws {
        let module = try PseudoTerminalModule()
        let first = makeChannel()
        try open(first, module)
        let second = makeChannel()
        XCTAssertThrowsError(try open(second, module)) { error in
            guard case ModemIOError.portBusy(let port, let lockFile, let holder) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(port, module.slavePath)
            XCTAssertTrue(lockFile.hasPrefix(self.lockDirectory))
            XCTAssertEqual(holder, String(getpid()))
        }
        queue.sync { first.close() }
        // The lock goes with the first channel's close (its release runs on the queue).
        let deadline = Date().addingTimeInterval(5)
        var reopened = false
        while !reopened, Date() < deadline {
            reopened = (try? open(second, module)) != nil
            if !reopened { usleep(20_000) }
        }
        XCTAssertTrue(reopened, "the port is free again after close")
        queue.sync { second.close() }
    }
}

/// Log lines collected from the channel's queue.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// A boolean shared between the test and the fake module's queue.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Bool
    init(_ value: Bool) { stored = value }
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
