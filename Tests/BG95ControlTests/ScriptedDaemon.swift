import BG95Control
import Dispatch
import Foundation
import XCTest

/// A real `ControlServer` on a temporary socket, answered by a scripted handler instead of the
/// supervisor: the socket, framing, limits, credentials and policy are the real ones.
///
/// Scripted behaviour: `up` walks the states of `bringUp` (broadcasting each) and ends online,
/// or in a fatal error when `failBringUp` is set; `down` goes to `down`; `at` answers from
/// `atAnswers`.
final class ScriptedDaemon: @unchecked Sendable {
    let queue = DispatchQueue(label: "scripted-daemon")
    let directory: String
    let path: String
    private(set) var server: ControlServer!
    /// Mutated on `queue` only.
    var state = "down"
    var snapshot = ScriptedDaemon.onlineSnapshot
    var failBringUp: String?
    var bringUp = ["waiting-for-device", "configuring-module", "registering", "starting-data-call", "link-up", "dhcp", "verifying", "online"]
    var atAnswers: [String: ATPassthroughResult] = [
        "AT+QCSQ": ATPassthroughResult(command: "AT+QCSQ", lines: [#"+QCSQ: "eMTC",-65,-95,120,-10"#], final: "OK"),
        "AT+BOGUS": ATPassthroughResult(command: "AT+BOGUS", lines: [], final: "ERROR"),
    ]
    private(set) var received: [ControlRequest] = []
    /// Every line the server logged (appended on `queue`).
    private(set) var logLines: [String] = []

    init(configure: (inout ControlServerConfiguration) -> Void = { _ in }) throws {
        var template = Array("/tmp/bg95ctl-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        directory = String(cString: made)
        chmod(directory, 0o755)  // so a test can connect as another uid
        var configuration = ControlServerConfiguration(path: directory + "/control.sock")
        configure(&configuration)
        path = configuration.path
        let server = ControlServer(configuration: configuration, queue: queue, log: { [weak self] in self?.logLines.append($0) }) { [unowned self] request, peer, reply in
            self.handle(request, reply: reply)
        }
        self.server = server
        queue.setSpecific(key: ScriptedDaemon.onQueueKey, value: true)
        var startError: SystemErrorBox?
        queue.sync {
            do { try server.start() } catch { startError = SystemErrorBox(error: error) }
        }
        if let startError { throw startError }
    }

    deinit {
        // The last reference may go away in a block running on `queue` itself.
        if DispatchQueue.getSpecific(key: ScriptedDaemon.onQueueKey) == true {
            server?.stop()
        } else {
            let server = self.server
            queue.sync { server?.stop() }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let onQueueKey = DispatchSpecificKey<Bool>()

    /// Runs `body` on the daemon's queue and returns its result.
    func onQueue<T>(_ body: () -> T) -> T { queue.sync(execute: body) }

    private func handle(_ request: ControlRequest, reply: ControlServer.Reply) {
        received.append(request)
        switch request.command {
        case .status:
            var snapshot = self.snapshot
            snapshot.state = state
            reply(.success(.status(snapshot)))
        case .up:
            reply(.success(.accepted(state: state)))
            queue.async { [weak self] in self.map { $0.walk($0.bringUp) } }
        case .reset:
            reply(.success(.accepted(state: state)))
            queue.async { [weak self] in self.map { $0.walk($0.bringUp) } }
        case .down:
            reply(.success(.accepted(state: state)))
            queue.async { [weak self] in self?.walk(["down"]) }
        case .at(let command, _):
            if let answer = atAnswers[command] {
                reply(.success(.at(answer)))
            } else if command.hasPrefix("AT+REFUSED") {
                // What bg95d relays when ATCommand.raw refuses a line.
                reply(.failure(ControlFailure(.invalidArgument, "rawCommand: containsBackslash")))
            } else {
                reply(.failure(ControlFailure(.notAvailable, "no module")))
            }
        case .watch:
            reply(.success(.accepted(state: state)))
        }
    }

    private func walk(_ states: [String]) {
        for next in states {
            if next == "online", let failure = failBringUp {
                server.broadcast(.error(message: failure, fatal: true))
                enter("failed", reason: failure)
                return
            }
            server.broadcast(.urc(line: "+CEREG: 1"))
            enter(next, reason: nil)
        }
    }

    /// Enters `next` and tells the subscribers (call on `queue`).
    func enter(_ next: String, reason: String?) {
        let previous = state
        state = next
        server.broadcast(.state(state: next, previous: previous, reason: reason))
    }

    static var onlineSnapshot: StatusSnapshot {
        var s = StatusSnapshot(state: "online")
        s.stateAge = 75
        s.daemonVersion = bg95SoftwareVersion
        s.module = .init(model: "BG95-M3", firmware: "BG95M3LAR02A03_01.202.01.202", imei: "866123456789012", iccidMasked: StatusSnapshot.maskICCID("89490200001234567890"), usbnet: "ecm", atPort: "/dev/ttyUSB2")
        s.sim = "ready"
        s.operator = "Telekom.de"
        s.plmn = "26201"
        s.rat = "Cat-M1"
        s.band = "LTE BAND 20"
        s.signal = .init(rsrp: -95, rsrq: -10, sinr: 12.4, rssi: -65)
        s.registration = "home"
        s.dataCall = .init(state: "active", cid: 1, apn: "internet", pdnAddress: "10.64.11.124")
        s.interface = "eth2"
        s.carrier = true
        s.address = "192.168.225.20/24"
        s.gateway = "192.168.225.1"
        s.dns = ["192.168.225.1"]
        s.leaseRemaining = 3500
        s.routes = ["default via 192.168.225.1 dev eth2 table 225 metric 700", "from 192.168.225.20 lookup 225"]
        s.lastProbe = .init(method: "icmp", target: "198.51.100.7", ok: true, age: 8, rttMs: 12.5)
        s.onlineSince = 1_790_000_000
        s.uptime = 75
        s.counters = .init(recoveries: ["renew-dhcp": 1, "restart-data-call": 0, "radio-cycle": 0, "module-reboot": 0, "wait-device": 0], rxBytes: 12_345, txBytes: 6_789)
        s.recoveryRung = nil
        return s
    }
}

struct SystemErrorBox: Error {
    let error: any Error
}
