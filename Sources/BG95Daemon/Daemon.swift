#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import BG95Control
import Modem
import ModemIO
import ATProtocol
import BG95System
import DHCPIO
import DHCPProtocol
import Netconfig
import NetlinkIO
import Supervisor
import BG95Core
import BG95Config

/// The daemon: one serial queue that owns the supervisor and every adapter.
///
/// Sources (udev and the AT port through the modem driver, rtnetlink, the DHCP sockets, the
/// probe socket, the control socket, timers, signals) all deliver on `queue`; each event goes
/// through `SupervisorMachine.handle`, and the actions it returns are carried out here. Results
/// of actions come back as new events posted with `queue.async`, so `handle` is never re-entered.
/// Nothing on the queue blocks for long: netlink requests are answered by the kernel at once,
/// and everything slow (AT commands, DHCP, probes) is asynchronous.
public final class Daemon: @unchecked Sendable {
    public let configuration: DaemonConfiguration
    public let queue: DispatchQueue
    private let log: DaemonLogger
    private var machine: SupervisorMachine
    private let modem: ModemDriver
    private let adapters: DaemonAdapters
    private var network: NetworkApplier?
    private var monitor: NetlinkMonitor?
    private var control: ControlServer?
    private let notifier = SystemdNotifier()
    private let probe: Prober
    private var dhcp: LeaseClient?
    private var lease: DHCPLease?
    private let timers: OneShotTimers<TimerKind>
    private var signalSources: [DispatchSourceSignal] = []
    /// ECM byte counters for `status` (StatusSnapshot+Operator.swift).
    private let traffic = TrafficCounters()
    /// The node_exporter textfile (`metrics_file`), nil when off.
    private var metrics: MetricsExporter?
    private var modemStarted = false
    private var recoveryCounters: [String: Int] = [:]
    private var onExit: ((Int32) -> Void)?

    /// `queue` is the one serial queue everything runs on; `modem` must use it too.
    public init(configuration: DaemonConfiguration, log: DaemonLogger, modem: ModemDriver, queue: DispatchQueue,
                adapters: DaemonAdapters = .system) {
        self.adapters = adapters
        self.queue = queue
        self.configuration = configuration
        self.log = log
        self.modem = modem
        machine = SupervisorMachine(settings: configuration.supervisor, now: .now)
        timers = OneShotTimers(queue: queue)
        probe = adapters.makeProbe(queue)
    }

    /// Everything known about the module, each fact with when it was last confirmed (nil while
    /// the modem layer is stopped). Call on `queue`.
    public var module: ModuleModel? {
        dispatchPrecondition(condition: .onQueue(queue))
        return modem.module
    }

    /// The supervisor's state (for tests and tools on the queue).
    public var state: SupervisorState {
        dispatchPrecondition(condition: .onQueue(queue))
        return machine.state
    }

    /// Starts everything on the queue and never returns (exits the process on SIGTERM).
    public func runForever() -> Never {
        queue.async { self.start(onExit: { status in exit(status) }) }
        dispatchMain()
    }

    /// Starts the daemon; call on `queue`. `onExit` runs once shutdown is complete.
    public func start(onExit: @escaping (Int32) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        self.onExit = onExit
        if adapters.handleSignals { installSignalHandlers() }
        log.notice("bg95d \(BG95Version.string) starting (apn \(configuration.apn.isEmpty ? "unchanged" : configuration.apn), probe \(configuration.probeTarget), interval \(configuration.supervisor.probeInterval))")
        do {
            let network = try adapters.makeNetwork(configuration, log)
            self.network = network
            let removed = network.removeLeftovers()
            if !removed.isEmpty {
                log.notice("removed \(removed.count) leftovers of an earlier run: \(removed.joined(separator: "; "))")
            }
        } catch {
            log.error("rtnetlink unavailable: \(error)")
            return shutDown(status: 1)
        }
        if adapters.watchLinks {
            do {
                let monitor = try NetlinkMonitor(queue: queue) { [weak self] event in self?.onNetlink(event) }
                self.monitor = monitor
                monitor.start()
            } catch {
                log.warning("link monitor unavailable (carrier changes will only be seen by the probe): \(error)")
            }
        }
        // READY=1 promises systemd (and bg95ctl) a working control socket: without one an
        // operator could neither see nor steer the daemon, so fail and let systemd restart us.
        guard startControlServer() else { return shutDown(status: 1) }
        if !configuration.metricsFile.isEmpty {
            let seconds = configuration.metricsInterval.components
            metrics = MetricsExporter(path: configuration.metricsFile,
                                      interval: Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18, queue: queue,
                                      snapshot: { [unowned self] in snapshot() }, log: { [log] in log.warning($0) })
        }
        do { try notifier.ready(status: "starting") } catch { log.debug("sd_notify: \(error)") }
        notifier.startWatchdog(on: queue) { [log] error in log.debug("sd_notify watchdog: \(error)") }
        handle(.start)
    }

    // MARK: - The loop

    /// Feeds one event to the supervisor and carries out its actions.
    ///
    /// Adapters may report events synchronously while an action is being carried out (the
    /// modem driver enumerates inside `start`); those wait in `pending` and are handled, in
    /// order, after the current event's actions, so the machine never sees events interleaved.
    func handle(_ event: SupervisorEvent) {
        dispatchPrecondition(condition: .onQueue(queue))
        pending.append(event)
        guard !handling else { return }
        handling = true
        while !pending.isEmpty { process(pending.removeFirst()) }
        handling = false
        traffic.observe(interface: machine.status.interface, model: modem.module)
        metrics?.changed()
    }

    private var handling = false
    private var pending: [SupervisorEvent] = []

    private func process(_ event: SupervisorEvent) {
        let before = machine.state
        let actions = machine.handle(event, now: .now)
        for action in actions { perform(action) }
        let after = machine.state
        if after != before {
            control?.broadcast(.state(state: after.rawValue, previous: before.rawValue, reason: machine.status.reason))
        }
    }

    /// Posts an event for the next turn of the loop (results of actions, adapter callbacks).
    func post(_ event: SupervisorEvent) {
        queue.async { [weak self] in self?.handle(event) }
    }

    private func perform(_ action: SupervisorAction) {
        switch action {
        case .log(let priority, let message):
            log.log(priority, message)
        case .watchForDevice:
            startModem()
        case .startBringUp:
            log.info("action: bring-up")
            startModem()
            modem.bringUp()
        case .stopModem:
            modem.stop()
            modemStarted = false
        case .endDataCall:
            log.info("action: ending the data call")
            modem.endDataCall()
        case .bringLinkUp(let interface):
            bringLinkUp(interface)
        case .startDHCP(let interface):
            startDHCP(on: interface)
        case .stopDHCP(let release):
            stopDHCP(release: release)
        case .applyNetwork:
            applyNetwork()
        case .removeNetwork:
            network?.remove()
            log.info("action: removed addresses, routes, rule and DNS")
        case .probe:
            startProbe()
        case .refreshModuleFacts:
            modem.refreshModuleFacts()
        case .diagnose:
            log.info("action: asking the module (CEREG?, CGACT?, QNETDEVCTL?, QPING)")
            let target: String? = if case .icmp(let address) = configuration.probeTarget { address } else { nil }
            modem.diagnose(pingTarget: target) { [weak self] diagnosis in self?.post(.diagnosisFinished(diagnosis)) }
        case .queryRegistration:
            modem.queryRegistration { [weak self] state, cause in
                self?.post(.registrationQueried(state, rejectCause: cause))
            }
        case .queryDataCall(let question):
            modem.queryDataCall { [weak self] active in self?.post(.dataCallQueried(active: active, question: question)) }
        case .perform(let rung):
            recoveryCounters[rung.description, default: 0] += 1
            modem.perform(rung) { [weak self] result in
                switch result {
                case .success(let detail): self?.post(.recoveryStepFinished(rung, succeeded: true, detail: detail))
                case .failure(let error): self?.post(.recoveryStepFinished(rung, succeeded: false, detail: error.description))
                }
            }
        case .startTimer(let id, let delay):
            arm(id, after: delay)
        case .cancelTimer(let kind):
            timers.cancel(kind)
        case .notifyReady:
            // READY=1 went out at start (the daemon is ready to serve); this is the first online.
            do { try notifier.status("online") } catch { log.debug("sd_notify: \(error)") }
        case .notifyStatus(let text):
            do { try notifier.status(text) } catch { log.debug("sd_notify: \(error)") }
        case .reportHardError(let message):
            log.error("not retrying: \(message)")
            control?.broadcast(.error(message: message, fatal: true))
        case .exit:
            shutDown(status: 0)
        }
    }

    // MARK: - Actions

    private func startModem() {
        guard !modemStarted else { return }
        modemStarted = true
        do {
            try modem.start { [weak self] event in self?.onModem(event) }
        } catch {
            modemStarted = false
            log.error("cannot watch for the module: \(error)")
        }
    }

    private func bringLinkUp(_ interface: String) {
        guard let network else { return }
        do {
            let status = try network.bringUp(interface)
            log.info("action: \(interface) up (carrier \(status.hasCarrier ? "on" : "off"))")
            post(.carrierChanged(up: status.hasCarrier))
        } catch {
            // The interface may not exist yet (cdc_ether binding); the link monitor reports it.
            log.warning("setting \(interface) up failed: \(error)")
        }
    }

    private func startDHCP(on interface: String) {
        stopDHCP(release: false)
        let client: LeaseClient
        do {
            client = try adapters.makeLeaseClient(interface, queue)
        } catch {
            log.warning("DHCP client on \(interface) failed to start: \(error)")
            // The step timer turns this into a recovery attempt.
            return
        }
        client.onLog = { [log] line in log.debug("dhcp: \(line)") }
        client.onLeaseAcquired = { [weak self] lease in self?.onLease(lease, renewed: false) }
        client.onLeaseRenewed = { [weak self] lease in self?.onLease(lease, renewed: true) }
        client.onLeaseLost = { [weak self] lease, reason in self?.onLeaseLost(lease, reason) }
        client.onFailed = { [weak self] error in self?.log.warning("DHCP socket failed: \(error)") }
        dhcp = client
        log.info("action: DHCP on \(interface)")
        client.start(previousAddress: LeaseMemory.load(stateDirectory: configuration.stateDir))
    }

    private func stopDHCP(release: Bool) {
        guard let client = dhcp else { return }
        dhcp = nil
        // Callbacks off first: the loss `stop()` reports is ours, not news for the supervisor.
        client.onLeaseLost = nil
        client.onLeaseAcquired = nil
        client.onLeaseRenewed = nil
        if release {
            log.info("action: releasing the lease")
            client.stop()
            LeaseMemory.forget(stateDirectory: configuration.stateDir)
        }
        lease = nil
    }

    private func onLease(_ lease: DHCPLease, renewed: Bool) {
        self.lease = lease
        LeaseMemory.save(lease.address, stateDirectory: configuration.stateDir)
        handle(.leaseAcquired(LeaseSummary(
            address: "\(lease.address)/\(lease.prefixLength)", gateway: lease.gateway.map { "\($0)" },
            dns: lease.dnsServers.map { "\($0)" }, leaseSeconds: lease.leaseSeconds
        )))
    }

    private func onLeaseLost(_ lease: DHCPLease, _ reason: DHCPLossReason) {
        self.lease = nil
        handle(.leaseLost("\(reason.rawValue) (\(lease.address))"))
    }

    private func applyNetwork() {
        guard let network, let lease, let interface = machine.status.interface else {
            post(.networkConfigFailed("no lease or interface to apply"))
            return
        }
        do {
            try network.apply(lease, on: interface)
            log.info("action: applied \(lease.address)/\(lease.prefixLength) via \(lease.gateway.map { "\($0)" } ?? "no gateway") on \(interface)")
            post(.networkConfigured)
        } catch {
            post(.networkConfigFailed(error.description))
        }
    }

    private func startProbe() {
        guard let lease, let interface = machine.status.interface else {
            post(.probeFinished(.unreachable("no lease to probe from")))
            return
        }
        log.info("action: probe \(configuration.probeTarget) via \(interface) from \(lease.address)")
        probe.start(target: configuration.probeTarget, interface: interface, source: "\(lease.address)",
                    dnsServer: lease.dnsServers.first.map { "\($0)" }, timeout: configuration.probeTimeout)
        { [weak self] outcome in
            switch outcome {
            case .reachable(let ms): self?.log.info("probe: \(self?.configuration.probeTarget.description ?? "") answered in \(ms) ms")
            case .unreachable(let why): self?.log.warning("probe failed: \(why)")
            }
            self?.handle(.probeFinished(outcome))
        }
    }

    private func arm(_ id: TimerID, after delay: Duration) {
        timers.start(id.kind, after: delay, leeway: .milliseconds(50)) { [weak self] _ in self?.handle(.timerFired(id)) }
    }

    // MARK: - Sources

    private func onModem(_ event: ModemDriverEvent) {
        switch event {
        case .supervisor(let event): handle(event)
        case .urc(let line): control?.broadcast(.urc(line: line))
        case .log(let priority, let line): log.log(priority, line)
        case .discoveryReady: log.info("udev monitor ready")
        case .discoveryProblem(let problem): log.error(problem)
        case .addressRead: break  // status reads the call from the modem model
        }
    }

    private func onNetlink(_ event: NetlinkEvent) {
        guard let interface = machine.status.interface else { return }
        switch event {
        case .link(let change):
            switch change {
            case .carrierChanged(let status) where status.name == interface:
                handle(.carrierChanged(up: status.hasCarrier))
            case .appeared(let status) where status.name == interface:
                if machine.state == .linkUp { bringLinkUp(interface) }
            case .removed(let status) where status.name == interface:
                handle(.carrierChanged(up: false))
            case .appeared, .removed, .renamed, .adminStateChanged, .carrierChanged, .operStateChanged, .mtuChanged:
                break
            }
        case .addressRemoved(let address, let tag):
            if tag == RoutingSettings.defaultProtocolTag, machine.state == .online, let lease,
               address.address == lease.address {
                log.warning("our address \(address) was removed by someone else; applying again")
                applyNetwork()
            }
        case .addressAdded, .overrun:
            break
        }
    }

    private func installSignalHandlers() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                self?.log.notice("signal \(number == SIGTERM ? "SIGTERM" : "SIGINT"): shutting down")
                self?.handle(.terminate)
            }
            source.resume()
            signalSources.append(source)
        }
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
    }

    private func shutDown(status: Int32) {
        do { try notifier.stopping() } catch { log.debug("sd_notify: \(error)") }
        probe.cancel()
        timers.cancelAll()
        monitor?.cancel()
        metrics?.stop()
        control?.stop()
        log.notice("bg95d stopped")
        onExit?(status)
    }

    // MARK: - Control socket

    /// Starts the control socket; false (logged) when it cannot listen.
    private func startControlServer() -> Bool {
        var policy = ControlAccessPolicy()
        if !configuration.controlGroup.isEmpty {
            if let group = getgrnam(configuration.controlGroup) {
                policy.group = group.pointee.gr_gid
                policy.groupMayControl = configuration.controlGroupMayChange
            } else {
                log.warning("control group \(configuration.controlGroup) does not exist; root only")
            }
        }
        let serverConfiguration = ControlServerConfiguration(path: configuration.controlSocket, policy: policy)
        let directory = String(configuration.controlSocket.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/"))
        if !directory.isEmpty { mkdir(directory, 0o755) }
        let server = ControlServer(configuration: serverConfiguration, queue: queue, log: { [log] line in log.log(Self.priority(ofControlLine: line), "control: \(line)") }) {
            [weak self] request, peer, reply in
            self?.onControl(request, peer: peer, reply: reply)
        }
        do {
            try server.start()
            control = server
            log.info("control socket \(configuration.controlSocket)")
            return true
        } catch {
            log.error("control socket \(configuration.controlSocket) unavailable: \(error)")
            return false
        }
    }

    /// The control server's lines are about clients: a refusal (wrong peer, bad request, no
    /// permission) and the rate limit's summary of suppressed ones are worth a notice; dropped
    /// and closed connections are routine: debug.
    static func priority(ofControlLine line: String) -> LogPriority {
        line.hasPrefix("refus") || line.hasPrefix("permission denied") || line.hasPrefix("control clients:") ? .notice : .debug
    }

    private func onControl(_ request: ControlRequest, peer: PeerCredentials, reply: @escaping ControlServer.Reply) {
        log.debug("control: \(request.name.rawValue) from \(peer)")
        switch request.command {
        case .status:
            reply(.success(.status(snapshot())))
        case .up:
            handle(.adminUp)
            reply(.success(.accepted(state: machine.state.rawValue)))
        case .down:
            handle(.adminDown)
            reply(.success(.accepted(state: machine.state.rawValue)))
        case .reset:
            handle(.adminReset)
            reply(.success(.accepted(state: machine.state.rawValue)))
        case .watch:
            reply(.success(.accepted(state: machine.state.rawValue)))
        case .at(let command, _):
            // The request's timeout bounds the client's wait; the module's is the reference table's.
            modem.passthrough(command) { result in
                switch result {
                case .success(let response):
                    reply(.success(.at(ATPassthroughResult(command: command, lines: response.lines,
                                                           final: "\(response.result)"))))
                case .failure(.invalidCommand(let error)):
                    reply(.failure(ControlFailure(.invalidArgument, "\(error)")))
                case .failure(.noModule):
                    reply(.failure(ControlFailure(.notAvailable, "no module is connected")))
                case .failure(let error):
                    reply(.failure(ControlFailure(.failed, error.description)))
                }
            }
        }
    }

    /// What `bg95ctl status` shows.
    func snapshot() -> StatusSnapshot {
        let status = machine.status
        let now = ContinuousClock.now
        var snapshot = StatusSnapshot(state: status.state.rawValue)
        snapshot.stateAge = Int((now - status.since).components.seconds)
        snapshot.daemonVersion = BG95Version.string
        snapshot.interface = status.interface
        snapshot.carrier = status.carrier
        snapshot.registration = status.registration.map(\.name)
        if let lease {
            snapshot.address = "\(lease.address)/\(lease.prefixLength)"
            snapshot.gateway = lease.gateway.map { "\($0)" }
            snapshot.dns = lease.dnsServers.map { "\($0)" }
            if let expires = lease.expiresAt {
                // The DHCP client's instants are CLOCK_BOOTTIME milliseconds.
                var boot = timespec()
                clock_gettime(CLOCK_BOOTTIME, &boot)
                let now = Int64(boot.tv_sec) * 1000 + Int64(boot.tv_nsec) / 1_000_000
                snapshot.leaseRemaining = Int(max(0, expires.milliseconds - now) / 1000)
            }
        }
        snapshot.routes = network?.installedRoutes
        if let probe = status.lastProbe {
            let method: String = if case .dns = configuration.probeTarget { "dns" } else { "icmp" }
            var entry = StatusSnapshot.Probe(method: method, target: configuration.probeTarget.description, ok: probe.succeeded)
            if let at = status.lastProbeAt { entry.age = Int((now - at).components.seconds) }
            switch probe {
            case .reachable(let ms): entry.rttMs = Double(ms)
            case .unreachable(let why): entry.detail = why
            }
            snapshot.lastProbe = entry
        }
        if let since = status.onlineSince {
            let uptime = Int((now - since).components.seconds)
            snapshot.uptime = uptime
            var wall = timespec()
            clock_gettime(CLOCK_REALTIME, &wall)
            snapshot.onlineSince = Int(wall.tv_sec) - uptime
        }
        snapshot.counters = StatusSnapshot.Counters(recoveries: recoveryCounters)
        snapshot.lastError = status.hardError ?? status.reason
        snapshot.recoveryRung = status.recoveryRung?.description
        snapshot.addModuleFacts(from: modem.module, device: modem.device)
        if let model = modem.module { snapshot.addOperatorFacts(from: model, now: now) }
        traffic.fill(&snapshot, interface: status.interface, model: modem.module)
        return snapshot
    }
}
