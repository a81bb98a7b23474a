import Foundation
import Glibc
import TestSupport
import XCTest

/// The real bg95d under a stand-in for systemd's notification socket (as root, on bg95sim):
/// READY=1 once the control socket answers, STATUS= as the link comes up, WATCHDOG=1 at
/// WATCHDOG_USEC/2 from the event loop, STOPPING=1 on SIGTERM.
final class BG95ctlSystemdNotifyTests: XCTestCase {
    func testDaemonNotifiesReadyStatusWatchdogAndStopping() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl")
        defer { setup.close() }
        let listener = try DatagramListener(path: setup.folder + "/notify.sock")
        let configuration = try setup.writeConfiguration()

        // As SimulatedSetup.startDaemon, plus the variables systemd sets for Type=notify.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.which("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", setup.hostNamespace, "env",
                             "LD_PRELOAD=\(setup.environment["LD_PRELOAD"] ?? "libumockdev-preload.so.0")",
                             "UMOCKDEV_DIR=\(setup.environment["UMOCKDEV_DIR"] ?? "")",
                             "NOTIFY_SOCKET=\(listener.path)", "WATCHDOG_USEC=400000",
                             setup.bg95d, "run", "--config", configuration]
        FileManager.default.createFile(atPath: setup.logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: setup.logPath))
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        setup.daemon = process

        // 1. READY=1 first, and by then the control socket answers.
        let start = ControlClientClock.now()
        guard let first = listener.receive(timeout: 20) else { return XCTFail("no notification at all\n\(setup.tail())") }
        let readyAfter = ControlClientClock.now() - start
        XCTAssertTrue(first.split(separator: "\n").contains("READY=1"), "first message: \(first)")
        let status = try Command.run([setup.bg95ctl, "status", "--socket", setup.socketPath])
        XCTAssertTrue([0, 1].contains(status.status), "control socket not answering at READY: \(status.stderr)")

        // 2. From now on a thread reads every notification as it arrives (like systemd).
        let collector = listener.collect()
        let online = try Command.run([setup.bg95ctl, "watch", "--until", "online", "--no-urcs", "--timeout", "120", "--socket", setup.socketPath])
        XCTAssertEqual(online.status, 0, online.stderr + setup.tail())
        // 3. Then 2 s of steady state: watchdog pings every 200 ms.
        let steady = ControlClientClock.now()
        usleep(2_000_000)  // the measurement window itself, not synchronisation
        let messages = collector.snapshot()
        let statuses = messages.map(\.1).filter { $0.hasPrefix("STATUS=") }
        let pings = messages.filter { $0.1 == "WATCHDOG=1" && $0.0 >= steady && $0.0 < steady + 2.0 }.map(\.0)
        print("sd_notify: \(first.debugDescription) after \(Int(readyAfter * 1000)) ms; \(pings.count) WATCHDOG=1 in 2 s; \(statuses)")
        XCTAssertTrue((9...11).contains(pings.count), "expected ~10 pings in 2 s at WATCHDOG_USEC=400000, got \(pings.count)")
        if pings.count >= 3 {
            let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }.sorted()
            XCTAssertEqual(gaps[gaps.count / 2], 0.2, accuracy: 0.05, "median ping gap")
        }
        XCTAssertTrue(statuses.contains { $0.hasPrefix("STATUS=registering") }, "\(statuses)")
        XCTAssertTrue(statuses.contains { $0.hasPrefix("STATUS=online") }, "\(statuses)")

        // 4. STOPPING=1 on SIGTERM.
        XCTAssertEqual(try setup.stopDaemon(), 0)
        collector.stop()
        XCTAssertTrue(collector.snapshot().contains { $0.1.split(separator: "\n").contains("STOPPING=1") }, "no STOPPING=1 on SIGTERM")
    }
}

/// Monotonic seconds.
enum ControlClientClock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket.
final class DatagramListener: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8) + [0]
        guard bytes.count <= MemoryLayout.size(ofValue: address.sun_path) else { throw POSIXError(.ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Starts a thread that receives every datagram with its arrival time.
    func collect() -> Collector {
        let collector = Collector()
        let thread = Thread { [self] in
            while true {
                if let message = self.receive(timeout: 0.1) {
                    collector.append((ControlClientClock.now(), message))
                } else if collector.stopped {
                    break
                }
            }
            collector.finished.signal()
        }
        thread.start()
        return collector
    }

    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [(Double, String)] = []
        private var stopFlag = false
        let finished = DispatchSemaphore(value: 0)
        var stopped: Bool { lock.lock(); defer { lock.unlock() }; return stopFlag }
        func append(_ message: (Double, String)) { lock.lock(); messages.append(message); lock.unlock() }
        func snapshot() -> [(Double, String)] { lock.lock(); defer { lock.unlock() }; return messages }
        /// Stops after draining what is queued (the thread reads until a 100 ms silence after the flag).
        func stop() {
            lock.lock(); stopFlag = true; lock.unlock()
            finished.wait()
        }
    }

    func receive(timeout: Double) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count >= 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }
}
