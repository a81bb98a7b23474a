import DHCPProtocol
import Dispatch
import Foundation
import Netconfig
import NetlinkIO
import TestSupport
import XCTest
import BG95Core

/// NetlinkMonitor against the kernel: events arrive on the given queue for changes made by
/// someone else (`ip` commands standing in for an admin or another daemon).
final class NetlinkMonitorTests: XCTestCase {
    private var topology: NetlinkTopology!

    override func setUpWithError() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["ip", "ping", "sysctl"])
        topology = try NetlinkTopology()
    }

    override func tearDown() {
        topology?.close()
    }

    /// Collects events delivered on the monitor's queue and waits for one matching a predicate.
    private final class Recorder: @unchecked Sendable {
        let queue = DispatchQueue(label: "netlink-monitor-test")
        private var events: [NetlinkEvent] = []
        private let condition = NSCondition()

        func record(_ event: NetlinkEvent) {
            dispatchPrecondition(condition: .onQueue(queue))
            condition.lock()
            events.append(event)
            condition.broadcast()
            condition.unlock()
        }

        /// Waits up to `timeout` seconds for an event after position `from` matching `predicate`,
        /// returns its position.
        @discardableResult
        func wait(for what: String, from: Int = 0, timeout: TimeInterval = 5, _ predicate: (NetlinkEvent) -> Bool,
                  file: StaticString = #filePath, line: UInt = #line) -> Int? {
            let deadline = Date(timeIntervalSinceNow: timeout)
            condition.lock()
            defer { condition.unlock() }
            while true {
                if let index = events.indices.dropFirst(from).first(where: { predicate(events[$0]) }) { return index + 1 }
                if !condition.wait(until: deadline) {
                    XCTFail("no \(what) within \(timeout) s; events: \(events)", file: file, line: line)
                    return nil
                }
            }
        }
    }

    func testLinkAndAddressEventsArriveOnTheQueue() throws {
        let recorder = Recorder()
        let cellular = topology.cellular
        let (monitor, socket, index) = try NetlinkNamespace.run(in: topology.a) { () throws -> (NetlinkMonitor, NetlinkSocket, Int32) in
            let monitor = try NetlinkMonitor(queue: recorder.queue) { recorder.record($0) }
            let socket = try NetlinkSocket()
            return (monitor, socket, try LinkController(socket: socket).index(of: cellular))
        }
        recorder.queue.sync { monitor.start() }
        defer { recorder.queue.sync { monitor.cancel() } }

        // Existing links are reported first.
        var mark = recorder.wait(for: "cellular link appeared") {
            if case .link(.appeared(let s)) = $0 { return s.name == cellular && s.isUp && s.hasCarrier } else { return false }
        } ?? 0

        // Our own address, tagged, then deleted by someone else.
        let installer = RouteInstaller(socket: socket, settings: RoutingSettings())
        let config = InterfaceConfig(address: IPv4Address(192, 168, 225, 20), prefixLength: 24, gateway: IPv4Address(192, 168, 225, 1))
        let desired = try DesiredState(interfaceIndex: index, config: config, settings: installer.settings)
        try installer.apply(desired)
        mark = recorder.wait(for: "address added", from: mark) {
            $0 == .addressAdded(desired.address, protocolTag: RoutingSettings.defaultProtocolTag)
        } ?? mark
        try Command.check(["ip", "-n", topology.a, "addr", "del", "192.168.225.20/24", "dev", cellular])
        mark = recorder.wait(for: "address removed by someone else", from: mark) {
            $0 == .addressRemoved(desired.address, protocolTag: RoutingSettings.defaultProtocolTag)
        } ?? mark

        // Carrier loss: the peer end goes down (like the module's side of the link).
        try Command.check(["ip", "-n", topology.b, "link", "set", "\(topology.scope.prefix)b0", "down"])
        mark = recorder.wait(for: "carrier off", from: mark) {
            if case .link(.carrierChanged(let s)) = $0 { return s.index == index && !s.hasCarrier } else { return false }
        } ?? mark
        mark = recorder.wait(for: "operstate no longer up", from: mark) {
            if case .link(.operStateChanged(let s)) = $0 { return s.index == index && s.operState != .up } else { return false }
        } ?? mark
        try Command.check(["ip", "-n", topology.b, "link", "set", "\(topology.scope.prefix)b0", "up"])
        mark = recorder.wait(for: "carrier on", from: mark) {
            if case .link(.carrierChanged(let s)) = $0 { return s.index == index && s.hasCarrier } else { return false }
        } ?? mark

        // Admin down, rename, removal.
        try Command.check(["ip", "-n", topology.a, "link", "set", cellular, "down"])
        mark = recorder.wait(for: "admin down", from: mark) {
            if case .link(.adminStateChanged(let s)) = $0 { return s.index == index && !s.isUp } else { return false }
        } ?? mark
        let renamed = "\(topology.scope.prefix)rn"
        try Command.check(["ip", "-n", topology.a, "link", "set", cellular, "name", renamed])
        mark = recorder.wait(for: "rename", from: mark) {
            $0 == .link(.renamed(index: index, from: cellular, to: renamed))
        } ?? mark
        try Command.check(["ip", "-n", topology.a, "link", "del", renamed])
        recorder.wait(for: "link removed", from: mark) {
            if case .link(.removed(let s)) = $0 { return s.index == index && s.name == renamed } else { return false }
        }

        // The rule outlived the interface; cleanup still finds and removes it.
        XCTAssertTrue(try topology.rules().contains("1095: from 192.168.225.20 lookup 1095 proto 149"))
        try installer.removeAll(interfaceIndex: nil)
        XCTAssertFalse(try topology.rules().contains { $0.contains("proto 149") })
    }

    func testOverrunIsReportedAndLinksAreReRead() throws {
        let recorder = Recorder()
        let monitor = try NetlinkNamespace.run(in: topology.a) { () throws -> NetlinkMonitor in
            try NetlinkMonitor(queue: recorder.queue, receiveBufferSize: 1024) { recorder.record($0) }
        }
        recorder.queue.sync { monitor.start() }
        defer { recorder.queue.sync { monitor.cancel() } }
        let mark = recorder.wait(for: "links reported") {
            if case .link(.appeared(let s)) = $0 { return s.name == topology.lan } else { return false }
        } ?? 0

        // Hold the queue while a burst of address changes overflows the tiny socket buffer,
        // and take a link away meanwhile: its removal must still be reported after the overrun.
        let gate = DispatchSemaphore(value: 0)
        recorder.queue.async { gate.wait() }
        let batch = (1...60).map { "addr add 10.77.\($0).1/24 dev \(topology.lan)" }.joined(separator: "\n") + "\n"
        let batchFile = NSTemporaryDirectory() + "bg95-\(topology.scope.prefix)-batch"
        try batch.write(toFile: batchFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: batchFile) }
        try Command.check(["ip", "-n", topology.a, "-batch", batchFile])
        try Command.check(["ip", "-n", topology.a, "link", "del", topology.cellular])
        gate.signal()

        let overrun = recorder.wait(for: "overrun", from: mark) { $0 == .overrun } ?? mark
        recorder.wait(for: "removal found by re-reading", from: mark, timeout: 1) {
            if case .link(.removed(let s)) = $0 { return s.name == topology.cellular } else { return false }
        }
        XCTAssertGreaterThan(overrun, mark)
    }
}
