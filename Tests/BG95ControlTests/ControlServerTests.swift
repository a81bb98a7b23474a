import BG95Control
import BG95System
import Foundation
import Glibc
import TestSupport
import XCTest

final class ControlServerTests: XCTestCase {
    func testStatusOverTheSocket() throws {
        let daemon = try ScriptedDaemon()
        let client = try ControlClient(path: daemon.path)
        let response = try client.request(.status)
        XCTAssertEqual(response.id, 1)
        XCTAssertEqual(response.command, .status)
        guard case .success(.status(let snapshot)) = response.outcome else { return XCTFail("\(response)") }
        XCTAssertEqual(snapshot.state, "down")
        XCTAssertEqual(snapshot.module?.iccidMasked, "894902**********7890")
        // The socket is created with the configured mode.
        var info = stat()
        XCTAssertEqual(lstat(daemon.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660)
    }

    func testMalformedRequestGetsAnErrorAndTheConnectionStaysUsable() throws {
        let daemon = try ScriptedDaemon()
        let client = try ControlClient(path: daemon.path)
        try client.sendRaw(Array("this is not json\n".utf8))
        guard case .response(let bad) = try client.readMessage(deadline: ControlClient.now() + 5) else { return XCTFail() }
        XCTAssertEqual(bad.id, nil)
        XCTAssertEqual(bad.outcome, .failure(ControlFailure(.invalidRequest, "request is not valid JSON: unexpected 't', expected a value at byte 0")))
        try client.sendRaw(Array(#"{"v":1,"id":41,"cmd":"format-disk"}"#.utf8) + [10])
        guard case .response(let unknown) = try client.readMessage(deadline: ControlClient.now() + 5),
              case .failure(let failure) = unknown.outcome else { return XCTFail() }
        XCTAssertEqual(unknown.id, 41)
        XCTAssertEqual(failure.code, .unknownCommand)
        // Blank lines are ignored; CRLF is accepted.
        try client.sendRaw(Array("\n  \n".utf8) + Array(#"{"v":1,"id":42,"cmd":"status"}"#.utf8) + [13, 10])
        guard case .response(let good) = try client.readMessage(deadline: ControlClient.now() + 5) else { return XCTFail() }
        XCTAssertEqual(good.id, 42)
        XCTAssertEqual(try client.request(.watch(urcs: false)).outcome, .success(.accepted(state: "down")))
        XCTAssertEqual(daemon.onQueue { daemon.received.count }, 2, "only well-formed requests reach the handler")
    }

    func testOversizedRequestIsRefusedWithoutAffectingOtherClients() throws {
        let daemon = try ScriptedDaemon()
        let watcher = try ControlClient(path: daemon.path)
        XCTAssertEqual(try watcher.request(.watch(urcs: true)).outcome, .success(.accepted(state: "down")))

        // Without a newline: refused once the buffer reaches the limit.
        let flooder = try ControlClient(path: daemon.path)
        try? flooder.sendRaw([UInt8](repeating: UInt8(ascii: "x"), count: controlMaxRequestBytes + 100))
        try assertRefused(flooder, code: .requestTooLarge)

        // With a newline, in one write.
        let big = try ControlClient(path: daemon.path)
        let padding = String(repeating: "A", count: controlMaxRequestBytes)
        try? big.sendRaw(Array(#"{"v":1,"id":1,"cmd":"at","command":"AT\#(padding)"}"#.utf8) + [10])
        try assertRefused(big, code: .requestTooLarge)

        // A request of exactly the limit (newline included) is fine.
        let exact = try ControlClient(path: daemon.path)
        let prefix = #"{"v":1,"id":5,"cmd":"status"}"#
        try exact.sendRaw(Array(prefix.utf8) + [UInt8](repeating: 32, count: controlMaxRequestBytes - prefix.utf8.count - 1) + [10])
        guard case .response(let response) = try exact.readMessage(deadline: ControlClient.now() + 5) else { return XCTFail() }
        XCTAssertEqual(response.id, 5)

        // The watcher still gets events and answers.
        daemon.queue.async { daemon.enter("registering", reason: "test") }
        XCTAssertEqual(try watcher.nextEvent(timeout: 5), .state(state: "registering", previous: "down", reason: "test"))
        guard case .success(.status) = try watcher.request(.status).outcome else { return XCTFail() }
    }

    func testSlowRequestTimesOutWithoutAffectingOtherClients() throws {
        let daemon = try ScriptedDaemon { $0.requestTimeoutMilliseconds = 300 }
        let slow = try ControlClient(path: daemon.path)
        let started = ControlClient.now()
        try slow.sendRaw(Array(#"{"v":1,"id":1,"#.utf8))
        // Meanwhile a normal client is served at once.
        let fast = try ControlClient(path: daemon.path)
        guard case .success(.status) = try fast.request(.status, timeout: 2).outcome else { return XCTFail() }
        try assertRefused(slow, code: .timeout)
        let elapsed = ControlClient.now() - started
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 3)
        guard case .success(.status) = try fast.request(.status, timeout: 2).outcome else { return XCTFail() }
    }

    func testIdleConnectionIsClosedButSubscribersAreKept() throws {
        let daemon = try ScriptedDaemon { $0.idleTimeoutMilliseconds = 200 }
        let idle = try ControlClient(path: daemon.path)
        let watcher = try ControlClient(path: daemon.path)
        _ = try watcher.request(.watch(urcs: false))
        XCTAssertThrowsError(try idle.readLine(deadline: ControlClient.now() + 5)) { error in
            XCTAssertEqual(error as? ControlClientError, .closed)
        }
        daemon.queue.async { daemon.enter("dhcp", reason: nil) }
        XCTAssertEqual(try watcher.nextEvent(timeout: 5), .state(state: "dhcp", previous: "down", reason: nil))
    }

    func testStuckSubscriberIsDroppedAndBroadcastNeverBlocks() throws {
        let daemon = try ScriptedDaemon { $0.maxQueuedBytes = 64 * 1024 }
        let stuck = try ControlClient(path: daemon.path)
        _ = try stuck.request(.watch(urcs: true))
        XCTAssertEqual(daemon.onQueue { daemon.server.subscriberCount }, 1)
        // 4 MB of URCs to a client that never reads: the queue must not block on it.
        let line = "+QIND: " + String(repeating: "x", count: 400)
        let elapsed = daemon.onQueue { () -> Double in
            let start = ControlClient.now()
            for _ in 0..<10_000 { daemon.server.broadcast(.urc(line: line)) }
            return ControlClient.now() - start
        }
        XCTAssertLessThan(elapsed, 2.0, "broadcast to a stuck subscriber took \(elapsed) s")
        XCTAssertEqual(daemon.onQueue { daemon.server.subscriberCount }, 0, "the stuck subscriber was not dropped")
        let other = try ControlClient(path: daemon.path)
        guard case .success(.status) = try other.request(.status).outcome else { return XCTFail() }
    }

    func testURCsOnlyGoToSubscribersThatAskedForThem() throws {
        let daemon = try ScriptedDaemon()
        let states = try ControlClient(path: daemon.path)
        _ = try states.request(.watch(urcs: false))
        let all = try ControlClient(path: daemon.path)
        _ = try all.request(.watch(urcs: true))
        let bystander = try ControlClient(path: daemon.path)
        _ = try bystander.request(.status)
        daemon.queue.async {
            daemon.server.broadcast(.urc(line: "+CEREG: 5"))
            daemon.enter("online", reason: nil)
        }
        XCTAssertEqual(try all.nextEvent(timeout: 5), .urc(line: "+CEREG: 5"))
        XCTAssertEqual(try all.nextEvent(timeout: 5), .state(state: "online", previous: "down", reason: nil))
        XCTAssertEqual(try states.nextEvent(timeout: 5), .state(state: "online", previous: "down", reason: nil))
        XCTAssertThrowsError(try bystander.nextEvent(timeout: 0.3)) { XCTAssertEqual($0 as? ControlClientError, .timeout) }
    }

    func testUpWithFollowStreamsProgressOnTheSameConnection() throws {
        let daemon = try ScriptedDaemon()
        let client = try ControlClient(path: daemon.path)
        XCTAssertEqual(try client.request(.up(follow: true)).outcome, .success(.accepted(state: "down")))
        var seen: [String] = []
        while seen.last != "online" {
            if case .state(let state, _, _) = try client.nextEvent(timeout: 5) { seen.append(state) }
        }
        XCTAssertEqual(seen, daemon.bringUp)
    }

    func testTooManyClientsAreToldBusy() throws {
        let daemon = try ScriptedDaemon { $0.maxClients = 2 }
        let first = try ControlClient(path: daemon.path)
        let second = try ControlClient(path: daemon.path)
        _ = try first.request(.status)
        _ = try second.request(.status)
        let third = try ControlClient(path: daemon.path)
        let refused = try third.readMessage(deadline: ControlClient.now() + 5)
        guard case .response(let response) = refused, case .failure(let failure) = response.outcome else { return XCTFail("\(refused)") }
        XCTAssertEqual(failure.code, .busy)
        _ = try first.request(.status)
    }

    func testStaleSocketIsReplacedButALiveOneIsNotStolen() throws {
        let daemon = try ScriptedDaemon()
        XCTAssertThrowsError(try ScriptedDaemon { $0.path = daemon.path }) { error in
            XCTAssertEqual(((error as? SystemErrorBox)?.error as? SystemError)?.code, EADDRINUSE, "\(error)")
        }
        // A socket file nobody listens on (a daemon killed with SIGKILL) is replaced.
        let stale = daemon.directory + "/stale.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stale.utf8)) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        let replacement = try ScriptedDaemon { $0.path = stale }
        _ = try ControlClient(path: replacement.path).request(.status)
    }

    /// Every way a connection ends (client close, refusal, drop) releases its descriptor.
    func testConnectionsDoNotLeakDescriptors() throws {
        let daemon = try ScriptedDaemon { $0.maxQueuedBytes = 16 * 1024 }
        func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        _ = try ControlClient(path: daemon.path).request(.status)  // warm up lazily created descriptors
        daemon.onQueue {}
        let before = openDescriptors()
        for round in 0..<30 {
            let client = try ControlClient(path: daemon.path)
            switch round % 3 {
            case 0: _ = try client.request(.status)
            case 1: try? client.sendRaw([UInt8](repeating: 65, count: controlMaxRequestBytes + 1)); _ = try? client.readLine(deadline: ControlClient.now() + 5)
            default:
                _ = try client.request(.watch(urcs: true))
                daemon.onQueue { for _ in 0..<200 { daemon.server.broadcast(.urc(line: String(repeating: "x", count: 200))) } }
            }
        }
        // Clients are gone (deinit closed them); wait until the server saw every hang-up.
        let deadline = ControlClient.now() + 10
        while daemon.onQueue({ daemon.server.connectionCount }) > 0 && ControlClient.now() < deadline { usleep(10_000) }
        XCTAssertEqual(daemon.onQueue { daemon.server.connectionCount }, 0)
        daemon.onQueue {}  // cancel handlers queued behind the last close
        daemon.onQueue {}
        // 30 connections went through; other tests' descriptors may close meanwhile, so allow
        // a little noise but not one descriptor per connection (10 of each kind).
        let after = openDescriptors()
        XCTAssertLessThan(after - before, 5, "descriptors leaked: \(before) before, \(after) after 30 connections")
    }

    func testClientErrorsAreClassified() throws {
        XCTAssertThrowsError(try ControlClient(path: "/nonexistent/bg95d.sock")) { error in
            guard case .notRunning = error as? ControlClientError else { return XCTFail("\(error)") }
        }
    }

    private func assertRefused(_ client: ControlClient, code: ControlFailure.Code, file: StaticString = #filePath, line: UInt = #line) throws {
        let message = try client.readMessage(deadline: ControlClient.now() + 5)
        guard case .response(let response) = message, case .failure(let failure) = response.outcome else {
            return XCTFail("expected \(code), got \(message)", file: file, line: line)
        }
        XCTAssertEqual(failure.code, code, file: file, line: line)
        XCTAssertThrowsError(try client.readLine(deadline: ControlClient.now() + 5), "connection not closed", file: file, line: line) { error in
            XCTAssertEqual(error as? ControlClientError, .closed, file: file, line: line)
        }
    }
}
