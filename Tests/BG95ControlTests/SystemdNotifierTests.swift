import BG95Control
import Dispatch
import Foundation
import Glibc
import XCTest

/// A datagram socket standing in for systemd's notification socket.
final class NotifyListener {
    let fd: Int32
    /// The value for `$NOTIFY_SOCKET`.
    let name: String
    private let path: String?

    /// Binds a path socket in a temp folder, or an abstract one (`@name`).
    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let unique = "bg95-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let bytes: [UInt8]
        if abstract {
            name = "@" + unique
            path = nil
            bytes = [0] + Array(unique.utf8)
        } else {
            let file = NSTemporaryDirectory() + "/" + unique + ".sock"
            name = file
            path = file
            bytes = Array(file.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// The next datagram, or nil after `timeout` seconds.
    func receive(timeout: Double) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count >= 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }
}

final class SystemdNotifierTests: XCTestCase {
    func testReadyAndStatusReachAPathSocket() throws {
        let listener = try NotifyListener(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.name], pid: getpid())
        XCTAssertTrue(notifier.isEnabled)
        XCTAssertNil(notifier.watchdogMicroseconds)
        try notifier.ready(status: "control socket up\nwaiting for device")
        XCTAssertEqual(listener.receive(timeout: 5), "READY=1\nSTATUS=control socket up waiting for device")
        try notifier.status("online: eth2 192.168.225.20/24")
        XCTAssertEqual(listener.receive(timeout: 5), "STATUS=online: eth2 192.168.225.20/24")
        try notifier.stopping()
        XCTAssertEqual(listener.receive(timeout: 5), "STOPPING=1")
    }

    func testAbstractSocket() throws {
        let listener = try NotifyListener(abstract: true)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.name], pid: getpid())
        try notifier.ready()
        XCTAssertEqual(listener.receive(timeout: 5), "READY=1")
    }

    func testDisabledWithoutNotifySocketAndErrorsWhenSocketIsGone() throws {
        let off = SystemdNotifier(environment: ["WATCHDOG_USEC": "1000000"], pid: getpid())
        XCTAssertFalse(off.isEnabled)
        XCTAssertNil(off.watchdogMicroseconds)
        XCTAssertNoThrow(try off.ready())
        let gone = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"], pid: getpid())
        XCTAssertThrowsError(try gone.ready())
    }

    func testWatchdogSettings() {
        let pid = getpid()
        XCTAssertEqual(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000"], pid: pid).watchdogPingIntervalMicroseconds, 15_000_000)
        XCTAssertEqual(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(pid)"], pid: pid).watchdogMicroseconds, 30_000_000)
        XCTAssertNil(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(pid + 1)"], pid: pid).watchdogMicroseconds)
        XCTAssertNil(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "0"], pid: pid).watchdogMicroseconds)
        XCTAssertNil(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "soon"], pid: pid).watchdogMicroseconds)
    }

    /// WATCHDOG=1 every WATCHDOG_USEC/2, sent from the given queue: when that queue is
    /// blocked, the pings stop (so systemd notices a hung event loop).
    func testWatchdogPingsAtHalfTheIntervalFromTheLoop() throws {
        let listener = try NotifyListener(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.name, "WATCHDOG_USEC": "200000"], pid: getpid())
        let queue = DispatchQueue(label: "loop")
        queue.sync { notifier.startWatchdog(on: queue) }
        var stamps: [Double] = []
        let start = ControlClient.now()
        while ControlClient.now() - start < 1.0 {
            if let message = listener.receive(timeout: 1) {
                XCTAssertEqual(message, "WATCHDOG=1")
                stamps.append(ControlClient.now())
            }
        }
        // Expected 100 ms apart: about 10-11 pings in one second (the first is immediate).
        XCTAssertTrue((9...12).contains(stamps.count), "got \(stamps.count) pings in 1 s: \(stamps.map { $0 - start })")
        let gaps = zip(stamps.dropFirst(), stamps).map { $0 - $1 }.sorted()
        let median = gaps[gaps.count / 2]
        XCTAssertEqual(median, 0.1, accuracy: 0.03, "median gap \(median)")

        // Block the loop for 500 ms: no ping may arrive during it.
        let blocked = DispatchSemaphore(value: 0)
        queue.async { blocked.signal(); usleep(500_000) }
        blocked.wait()
        while listener.receive(timeout: 0) != nil {}  // a ping sent just before the block
        let blockStart = ControlClient.now()
        _ = listener.receive(timeout: 2)
        XCTAssertGreaterThan(ControlClient.now() - blockStart, 0.4, "a ping arrived while the loop was blocked")
        queue.sync { notifier.stopWatchdog() }
        while listener.receive(timeout: 0) != nil {}
        XCTAssertNil(listener.receive(timeout: 0.3), "pings continued after stopWatchdog")
    }
}

extension SystemdNotifierTests {
    /// A manager that stops reading must not block the daemon: sends fail fast with EAGAIN.
    func testNeverBlocksWhenTheListenerDoesNotRead() throws {
        let listener = try NotifyListener(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.name], pid: getpid())
        let start = ControlClient.now()
        var refused = 0
        for _ in 0..<5000 {
            do { try notifier.watchdog() } catch { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 0, "the receive queue never filled")
        XCTAssertLessThan(ControlClient.now() - start, 2.0)
    }
}
