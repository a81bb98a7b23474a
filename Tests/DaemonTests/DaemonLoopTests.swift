import ATProtocol
import BG95Config
import BG95Control
import BG95Core
@testable import BG95Daemon
import BG95System
import DHCPProtocol
import Dispatch
import Foundation
import Modem
import ModemIO
import Netconfig
import NetlinkIO
import Supervisor
import XCTest

/// The daemon's event loop with scripted fakes behind its adapter protocols (modem, network,
/// DHCP client, probe): no root, no namespaces, no module. Every wait is for a call a fake
/// reports, never a sleep. The real adapters are covered by DaemonIntegrationTests.
final class DaemonLoopTests: XCTestCase {
    private var folder = ""
    private var queue: DispatchQueue!
    private var modem: FakeModem!
    private var network: FakeNetwork!
    private var prober: FakeProber!
    private var leases: FakeLeaseClient?
    private var leaseClientMade: XCTestExpectation?
    private var daemon: Daemon!
    /// Every line the daemon logged, at any level (appended on the daemon's queue).
    private var logged: [(LogPriority, String)] = []

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "bg95d-loop-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        queue = DispatchQueue(label: "daemon-loop-test")
        modem = FakeModem()
        network = FakeNetwork()
        prober = FakeProber()
        var configuration = DaemonConfiguration()
        configuration.controlSocket = folder + "/control.sock"
        configuration.stateDir = folder + "/state"
        configuration.probeTarget = .icmp("198.51.100.7")
        let adapters = DaemonAdapters(
            makeNetwork: { [network] _, _ in network! },
            makeProbe: { [prober] _ in prober! },
            makeLeaseClient: { [weak self] _, _ in
                let client = FakeLeaseClient()
                self?.leases = client
                self?.leaseClientMade?.fulfill()
                return client
            },
            watchLinks: false, handleSignals: false)
        let logger = DaemonLogger(level: .error)
        logger.observer = { [weak self] priority, line in self?.logged.append((priority, line)) }
        daemon = Daemon(configuration: configuration, log: logger, modem: modem, queue: queue,
                        adapters: adapters)
    }

    override func tearDown() {
        if let daemon { queue.sync { daemon.handle(.terminate) } }
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func onQueue<T>(_ body: () -> T) -> T { queue.sync(execute: body) }

    private var state: SupervisorState { onQueue { daemon.state } }

    private static let lease = DHCPLease(
        address: IPv4Address(192, 168, 225, 34), prefixLength: 24, gateway: IPv4Address(192, 168, 225, 1),
        dnsServers: [IPv4Address(192, 168, 225, 1)], domainName: nil, mtu: nil, leaseSeconds: 3600,
        serverIdentifier: IPv4Address(192, 168, 225, 1), acquiredAt: .seconds(1))

    /// start -> device -> bring-up -> carrier -> DHCP -> applied -> probe -> online.
    private func driveOnline() {
        let bringUp = expectation(description: "bring-up asked")
        modem.onBringUp = { bringUp.fulfill() }
        onQueue { daemon.start(onExit: { _ in }) }
        onQueue { modem.emit?(.supervisor(.deviceAppeared("1-1 (fake)"))) }
        wait(for: [bringUp], timeout: 5)

        leaseClientMade = expectation(description: "DHCP client made")
        onQueue {
            modem.emit?(.supervisor(.bringUpProgress(.registering)))
            modem.emit?(.supervisor(.bringUpFinished(interface: "eth9")))
        }
        wait(for: [leaseClientMade!], timeout: 5)
        XCTAssertEqual(network.linksBroughtUp, ["eth9"])

        let probed = expectation(description: "probe started")
        prober.onStart = { probed.fulfill() }
        onQueue { leases?.onLeaseAcquired?(Self.lease) }
        wait(for: [probed], timeout: 5)
        XCTAssertEqual(network.applied, ["192.168.225.34 on eth9"])
        onQueue { prober.completion?(.reachable(milliseconds: 12)) }
        XCTAssertEqual(state, .online)
    }

    func testColdStartGoesOnlineThroughTheLoop() {
        driveOnline()
        let snapshot = onQueue { daemon.snapshot() }
        XCTAssertEqual(snapshot.state, "online")
        XCTAssertEqual(snapshot.address, "192.168.225.34/24")
        XCTAssertEqual(snapshot.lastProbe?.ok, true)
    }

    /// Issue 11: a clean start and a status request are normal events: nothing at warning or
    /// worse, and no per-request line above debug (a busy `bg95ctl status` loop must not fill
    /// the journal).
    func testACleanStartAndAStatusRequestLogNothingAboveNoticeAndNoRequestLine() throws {
        driveOnline()
        let client = try ControlClient(path: folder + "/control.sock")
        guard case .success(.status) = try client.request(.status).outcome else { return XCTFail("status expected") }
        let lines = onQueue { logged }
        XCTAssertEqual(lines.filter { $0.0 <= .warning }.map(\.1), [])
        XCTAssertEqual(lines.filter { $0.0 <= .info && $0.1.hasPrefix("control:") }.map(\.1), [])
        XCTAssertTrue(lines.contains { $0.0 == .debug && $0.1.hasPrefix("control: status from") },
                      "the request is still visible at debug")
    }

    func testPortHealthIsAWarningOnlyWhenThePortMisbehaves() {
        XCTAssertEqual(ATLinkMachine.Health.closed.logPriority, .info)
        XCTAssertEqual(ATLinkMachine.Health.synchronising.logPriority, .info)
        XCTAssertEqual(ATLinkMachine.Health.ready.logPriority, .info)
        XCTAssertEqual(ATLinkMachine.Health.resynchronising.logPriority, .warning)
        XCTAssertEqual(ATLinkMachine.Health.stalled.logPriority, .warning)
    }

    func testControlServerRefusalsAreNoticesAndRoutineLinesDebug() {
        XCTAssertEqual(Daemon.priority(ofControlLine: "refusing uid 1000 pid 7: not allowed"), .notice)
        XCTAssertEqual(Daemon.priority(ofControlLine: "refused a request from uid 0 pid 1: bad json"), .notice)
        XCTAssertEqual(Daemon.priority(ofControlLine: "permission denied for up from uid 1000 pid 7"), .notice)
        XCTAssertEqual(Daemon.priority(ofControlLine: "control clients: 5 more lines suppressed in the last 10 s (at most 20 per 10 s)"), .notice)
        XCTAssertEqual(Daemon.priority(ofControlLine: "closed connection of uid 0 pid 1: peer hung up"), .debug)
    }

    /// Behaviour 1 through the loop: the URC makes the daemon ask the modem, nothing else.
    func testASpuriousRegistrationURCIsCheckedWithTheModuleAndChangesNothing() {
        driveOnline()
        let asked = expectation(description: "AT+CEREG? asked")
        modem.onQueryRegistration = { completion in
            asked.fulfill()
            completion(.home, nil)
        }
        onQueue { modem.emit?(.supervisor(.registrationChanged(.searching))) }
        wait(for: [asked], timeout: 5)
        XCTAssertEqual(state, .online)
        XCTAssertEqual(network.removals, 0, "a working data path is not torn down")
        XCTAssertFalse(leases?.stopped ?? true)
    }

    /// Behaviour 4 through the loop: `down` ends the data call on the module.
    func testDownEndsTheDataCallAndRemovesTheConfiguration() {
        driveOnline()
        onQueue { daemon.handle(.adminDown) }
        XCTAssertEqual(state, .down)
        XCTAssertEqual(modem.endDataCalls, 1)
        XCTAssertEqual(network.removals, 1)
        XCTAssertTrue(leases?.stopped ?? false)
        let bringUp = expectation(description: "bring-up asked again")
        modem.onBringUp = { bringUp.fulfill() }
        onQueue { daemon.handle(.adminUp) }
        wait(for: [bringUp], timeout: 5)
    }
}

// MARK: - Fakes (all called on the daemon's queue)

final class FakeModem: ModemDriver {
    var emit: ((ModemDriverEvent) -> Void)?
    var onBringUp: (() -> Void)?
    var onQueryRegistration: (((RegistrationStatus?, Int?) -> Void) -> Void)?
    var endDataCalls = 0

    func start(emit: @escaping (ModemDriverEvent) -> Void) throws(ModemStartError) { self.emit = emit }
    func stop() { emit = nil }
    func bringUp() { onBringUp?() }
    func endDataCall() { endDataCalls += 1 }
    var module: ModuleModel? { ModuleModel() }
    var device: ModemDevice? { nil }
    func queryRegistration(completion: @escaping (RegistrationStatus?, Int?) -> Void) {
        onQueryRegistration?(completion)
    }
    func queryDataCall(completion: @escaping (Bool?) -> Void) { completion(true) }
    var refreshes = 0
    func refreshModuleFacts() { refreshes += 1 }
    func perform(_ rung: RecoveryRung, completion: @escaping (Result<String, ModemCommandError>) -> Void) {}
    func diagnose(pingTarget: String?, completion: @escaping (Diagnosis) -> Void) {}
    func passthrough(_ line: String, completion: @escaping (Result<ATResponse, ModemCommandError>) -> Void) {}
}

final class FakeNetwork: NetworkApplier {
    var linksBroughtUp: [String] = []
    var applied: [String] = []
    var removals = 0

    func bringUp(_ interface: String) throws(NetlinkError) -> LinkStatus {
        linksBroughtUp.append(interface)
        return LinkStatus(index: 9, name: interface, isUp: true, hasCarrier: true, operState: .up, mtu: 1500)
    }
    func removeLeftovers() -> [String] { [] }
    func apply(_ lease: DHCPLease, on interface: String) throws(DaemonError) -> [NetconfigChange] {
        applied.append("\(lease.address) on \(interface)")
        return []
    }
    func remove() -> [NetconfigChange] {
        removals += 1
        return []
    }
    var installedRoutes: [String] { applied.isEmpty ? [] : ["default via 192.168.225.1"] }
}

final class FakeProber: Prober {
    var onStart: (() -> Void)?
    var completion: ((ProbeOutcome) -> Void)?

    func start(target: ProbeTarget, interface: String, source: String, dnsServer: String?,
               timeout: Duration, completion: @escaping (ProbeOutcome) -> Void) {
        self.completion = completion
        onStart?()
    }
    func cancel() {}
}

final class FakeLeaseClient: LeaseClient {
    var onLeaseAcquired: ((DHCPLease) -> Void)?
    var onLeaseRenewed: ((DHCPLease) -> Void)?
    var onLeaseLost: ((DHCPLease, DHCPLossReason) -> Void)?
    var onFailed: ((SystemError) -> Void)?
    var onLog: ((String) -> Void)?
    var stopped = false

    func start(previousAddress: IPv4Address?) {}
    func stop() { stopped = true }
}
