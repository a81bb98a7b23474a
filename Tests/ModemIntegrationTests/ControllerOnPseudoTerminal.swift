import ATProtocol
import Dispatch
import Foundation
import Modem
@testable import ModemIO
import XCTest

/// A `ModemController` whose "udev" is the test: it is prepared without a monitor, kept
/// stopped (`down`, so no bring-up runs), and handed a module whose AT port is the slave side
/// of a `PseudoTerminalModule`. What the controller carries out for the machine (the real
/// serial port, its lock, the link's timers, the rate-limited log) runs for real; commands go
/// through the machine's queue as an operator's do.
final class ControllerOnPseudoTerminal: @unchecked Sendable {
    let queue = DispatchQueue(label: "controller-test")
    let controller: ModemController
    let log = LogLines()
    private let lock = NSLock()
    private var emitted: [ModemDriverEvent] = []

    init(lockDirectory: String, trace: Bool = false, link: (inout ATLinkMachine.Options) -> Void = { _ in }) {
        var machine = ModemConfiguration(apn: "internet")
        link(&machine.link)
        var configuration = ModemController.Configuration(machine: machine)
        configuration.lockDirectory = lockDirectory
        configuration.trace = trace
        let log = self.log
        controller = ModemController(queue: queue, log: { log.append($0) }, configure: { configuration })
        queue.sync {
            _ = try? controller.prepare { [weak self] event in self?.record(event) }
            controller.endDataCall()  // stay stopped: these tests are about the port
        }
    }

    private func record(_ event: ModemDriverEvent) {
        lock.lock()
        emitted.append(event)
        lock.unlock()
    }

    /// Everything the controller reported so far.
    var events: [ModemDriverEvent] { lock.lock(); defer { lock.unlock() }; return emitted }
    /// The URC lines reported for `bg95ctl watch`.
    var urcLines: [String] { events.compactMap { if case .urc(let line) = $0 { line } else { nil } } }
    /// The operator-facing log lines (e.g. "AT port: stalled").
    var reports: [String] { events.compactMap { if case .log(_, let line) = $0 { line } else { nil } } }

    /// udev "reports" the module: the controller opens its AT port.
    func attach(_ module: PseudoTerminalModule) {
        let device = ModemDevice(
            syspath: "/sys/devices/test/1-1", usbPath: "1-1", vendorID: "2c7c", productID: "0700", serial: nil,
            atPort: module.slavePath, atPortSyspath: "/sys/devices/test/1-1/ttyUSB2", netInterface: nil)
        queue.sync { controller.discovery(.modemAppeared(device)) }
    }

    var health: ATLinkMachine.Health { queue.sync { controller.portHealth } }

    /// Sends `command` through the machine's queue and waits for its response.
    func send(_ command: ATCommand, timeout: TimeInterval = 10) -> ATResponse? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: ATResponse?
        queue.async {
            self.controller.submit(command) { response in
                result = response
                done.signal()
            }
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return result
    }

    /// Waits until `condition` holds (checked on the controller's queue), or `timeout`.
    func await(_ timeout: TimeInterval = 10, _ condition: @escaping () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if queue.sync(execute: condition) { return true }
            usleep(10_000)
        }
        return false
    }

    func stop() { queue.sync { controller.stop() } }
}

/// A test case with its own lock directory for the AT port (so tests never touch /run/lock).
class PseudoTerminalTestCase: XCTestCase {
    var lockDirectory = ""

    override func setUpWithError() throws {
        lockDirectory = NSTemporaryDirectory() + "bg95-lock-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: lockDirectory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: lockDirectory)
    }
}

/// Log lines collected from the controller's queue.
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
