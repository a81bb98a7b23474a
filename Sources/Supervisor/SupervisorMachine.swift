import ATProtocol
import Modem
import BG95Core

/// The supervisor: one state machine that takes the link from "no device" to a proven online
/// connection and keeps it there, climbing the recovery ladder when something breaks.
///
/// A pure value: `handle(_:now:)` consumes one event and returns the actions for the daemon to
/// carry out; it does no I/O and reads no clock (time is passed in). Where it is lives in one
/// `SupervisorPhase` whose cases carry their data (the rung and its backoff, the registration
/// wait and its reject cause, ...); beside it only facts about the world are kept (device,
/// interface, carrier, lease, what the daemon has configured). Events that make no sense in
/// the current phase (a late probe result, a stale timer) are ignored with a debug log line,
/// never trapped on.
public struct SupervisorMachine: Sendable {
    public private(set) var phase: SupervisorPhase = .waitingForDevice
    public private(set) var stateSince: ContinuousClock.Instant
    public let settings: SupervisorSettings
    public private(set) var ladder: RecoveryLadder

    /// The public name of the phase.
    public var state: SupervisorState { phase.state }

    // Facts about the world (not where the supervisor is).
    private var devicePresent = false
    /// The modem layer reported the data call up since its last bring-up began.
    private var bringUpComplete = false
    private var interface: String?
    private var carrier: Bool?
    private var registration: RegistrationStatus?
    private var lease: LeaseSummary?
    // What the daemon runs or has configured on the supervisor's behalf.
    private var dhcpRunning = false
    private var networkApplied = false
    private var readyNotified = false
    private var reason: String?
    private var lastProbe: ProbeOutcome?
    private var lastProbeAt: ContinuousClock.Instant?
    private var armed: [TimerKind: UInt64] = [:]
    private var timerSerial: UInt64 = 0

    /// Actions collected while handling one event.
    private var actions: [SupervisorAction] = []
    private var now: ContinuousClock.Instant

    public init(settings: SupervisorSettings, now: ContinuousClock.Instant) {
        self.settings = settings
        self.ladder = RecoveryLadder(attemptsPerRung: settings.attemptsPerRung)
        self.stateSince = now
        self.now = now
    }

    /// What `bg95ctl status` shows.
    public var status: SupervisorStatus {
        var rung = ladder.rung
        if rung != nil && !devicePresent { rung = .waitForDevice }
        var hardError: String?
        var nextAttemptAt: ContinuousClock.Instant?
        var onlineSince: ContinuousClock.Instant?
        switch phase {
        case .failed(let why): hardError = why
        case .recovering(_, .backoff(let until)): nextAttemptAt = until
        case .registering(.rejected(_, let next)): nextAttemptAt = next
        case .online(let since, _): onlineSince = since
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .degraded, .recovering,
             .down, .stopping:
            break
        }
        return SupervisorStatus(
            state: state, since: stateSince, reason: state == .online ? nil : reason,
            hardError: hardError, devicePresent: devicePresent, interface: interface, carrier: carrier,
            registration: registration, lease: lease, recoveryRung: rung,
            attemptsOnRung: ladder.attemptsOnRung, recoveryAttempts: ladder.totalAttempts,
            nextAttemptAt: nextAttemptAt, lastProbe: lastProbe, lastProbeAt: lastProbeAt,
            onlineSince: onlineSince
        )
    }

    /// Consumes one event and returns what the daemon must do, in order.
    public mutating func handle(_ event: SupervisorEvent, now: ContinuousClock.Instant) -> [SupervisorAction] {
        self.now = now
        actions = []
        if case .stopping = phase {
            // Shutting down: the only thing left is to exit, which was already asked for.
            return []
        }
        switch event {
        case .start: onStart()
        case .deviceAppeared(let description): onDeviceAppeared(description)
        case .deviceVanished: onDeviceVanished()
        case .netInterfaceAppeared(let name): onNetInterfaceAppeared(name)
        case .bringUpProgress(let stage): onBringUpProgress(stage)
        case .bringUpFinished(let interface): onBringUpFinished(interface)
        case .bringUpFailed(let failure): onBringUpFailed(failure)
        case .registrationChanged(let registration, let cause): onRegistrationURC(registration, cause: cause)
        case .registrationQueried(let registration, let cause): onRegistrationQueried(registration, cause: cause)
        case .pdpDeactivated(let indication): onDataCallLossURC("PDP context deactivated (\(indication))")
        case .networkDetached: onDataCallLossURC("packet service detached (+CGEV DETACH)")
        case .dataCallQueried(let active, let question): onDataCallQueried(active, question)
        case .netDeviceStatus(let connected):
            if connected {
                log(.debug, "data call bound to the network device (+QNETDEVSTATUS: 1)")
            } else {
                onDataCallLossURC("data call unbound from the network device (+QNETDEVSTATUS: 0)")
            }
        case .moduleRestarted: onModuleRestarted()
        case .simReady: onSIMReady()
        case .carrierChanged(let up): onCarrierChanged(up)
        case .leaseAcquired(let lease): onLeaseAcquired(lease)
        case .leaseLost(let why): onLeaseLost(why)
        case .networkConfigured: onNetworkConfigured()
        case .networkConfigFailed(let why): onNetworkConfigFailed(why)
        case .probeFinished(let outcome): onProbeFinished(outcome)
        case .diagnosisFinished(let diagnosis): onDiagnosis(diagnosis)
        case .recoveryStepFinished(let rung, let succeeded, let detail): onRecoveryStep(rung, succeeded, detail)
        case .adminUp: onAdminUp()
        case .adminDown: onAdminDown()
        case .adminReset: onAdminReset()
        case .timerFired(let id): onTimer(id)
        case .terminate: onTerminate()
        }
        return actions
    }

    // MARK: - The one way into a phase

    private mutating func enter(_ new: SupervisorPhase, because why: String? = nil) {
        let old = phase
        phase = new
        guard new.state != old.state else {
            if let why { reason = why }
            return
        }
        // The reason belongs to this change; a stale one would explain the wrong state.
        reason = why
        stateSince = now
        var line = "state: \(old.state) -> \(new.state)"
        if let why { line += " (\(why))" }
        log(new.state == .failed ? .error : .notice, line)
        actions.append(.notifyStatus(statusLine))
    }

    private var statusLine: String {
        switch phase {
        case .online:
            if let lease { return "online: \(lease.address) on \(interface ?? "?")" }
            return "online"
        case .failed(let why): return "failed: \(why)"
        case .degraded, .recovering, .registering(.rejected):
            if let reason { return "\(state): \(reason)" }
            return state.description
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .down, .stopping:
            return state.description
        }
    }

    // MARK: - Device and bring-up

    private mutating func onStart() {
        log(.info, "supervisor starting")
        actions.append(.watchForDevice)
        actions.append(.notifyStatus(statusLine))
    }

    private mutating func onDeviceAppeared(_ description: String) {
        let wasPresent = devicePresent
        devicePresent = true
        log(.info, "device appeared: \(description)")
        switch phase {
        case .waitingForDevice:
            startBringUp(because: wasPresent ? "module restarted" : "device appeared")
        case .failed:
            // A replugged module may carry a different SIM: one fresh try.
            startBringUp(because: "device appeared")
        case .recovering, .registering(.rejected):
            // The module is (back) there: whatever was pending, a bring-up comes first.
            if !wasPresent {
                cancelTimer(.backoff)
                cancelTimer(.recheck)
                startBringUp(because: "device appeared")
            }
        case .down, .stopping:
            break
        case .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded:
            log(.debug, "device appeared while \(state): already handled")
        }
    }

    private mutating func onDeviceVanished() {
        devicePresent = false
        bringUpComplete = false
        carrier = nil
        // After a reboot we asked for (ladder or `bg95ctl reset`) or while down, the module
        // re-enumerating is expected: a notice. Anywhere else it is unplugged or crashed.
        let expected: Bool
        switch phase {
        case .recovering(let rung, _): expected = rung == .rebootModule
        case .down, .stopping: expected = true
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded, .failed:
            expected = false
        }
        log(expected ? .notice : .warning, "device vanished")
        switch phase {
        case .down, .stopping, .failed:
            interface = nil
            return
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering:
            break
        }
        // The interface went with the device; what we configured on it must still be undone
        // (the policy rule outlives the interface).
        tearDownNetwork(release: false)
        interface = nil
        // Vanishing may be exactly what a reboot step was waiting for; either way the device
        // must come back before anything else can happen, and there is no timeout on that.
        cancelAllTimers()
        enter(.waitingForDevice, because: "device vanished")
    }

    /// Pipelining: the ECM interface exists while the module still configures or registers.
    /// The module's DHCP server answers on it without a data call, so the link goes up now and
    /// (on carrier) DHCP runs alongside the bring-up; the lease is held, not applied, until
    /// the data call is up: no default route into a PDN that does not exist yet.
    private mutating func onNetInterfaceAppeared(_ name: String) {
        guard case .bringingUp = phase else {
            log(.debug, "ECM interface \(name) appeared while \(state)")
            return
        }
        guard interface != name else { return }
        if dhcpRunning { tearDownNetwork(release: false) }
        interface = name
        carrier = nil
        log(.info, "ECM interface \(name) is there before the data call: link up and DHCP alongside the bring-up")
        actions.append(.bringLinkUp(interface: name))
    }

    private mutating func onBringUpProgress(_ stage: BringUpStage) {
        guard case .bringingUp(_, let refusal) = phase else {
            log(.debug, "bring-up progress \(stage) ignored while \(state)")
            return
        }
        enter(.bringingUp(stage, after: refusal))
    }

    private mutating func onBringUpFinished(_ interface: String) {
        guard case .bringingUp = phase else {
            log(.debug, "bring-up finished ignored while \(state)")
            return
        }
        cancelTimer(.step)
        bringUpComplete = true
        if self.interface != interface {
            // A new interface (first bring-up or after re-enumeration): nothing of ours is on it.
            self.interface = interface
            carrier = nil
        }
        waitForCarrier(because: "data call up on \(interface)")
    }

    private mutating func onBringUpFailed(_ failure: BringUpFailure) {
        switch failure {
        case .hard(let why):
            if case .failed = phase { return }
            cancelAllTimers()
            // Nothing will pass through the module until an operator acts: take our routes
            // away so other interfaces carry the traffic meanwhile.
            tearDownNetwork(release: false)
            bringUpComplete = false
            enter(.failed(why), because: why)
            actions.append(.reportHardError(why))
        case .rejected(let code):
            switch phase {
            case .bringingUp, .recovering(_, .inFlight):
                // Also when a recovery step's bring-up is refused: the cause, not the ladder,
                // decides what happens next (the step's own failure report is then ignored).
                rejected(code.map(EMMCause.init))
            case .waitingForDevice, .registering, .linkUp, .dhcp, .verifying, .online, .degraded, .recovering,
                 .failed, .down, .stopping:
                log(.debug, "registration refusal ignored while \(state)")
            }
        case .retryable(let why):
            guard case .bringingUp = phase else {
                log(.debug, "bring-up failure ignored while \(state): \(why)")
                return
            }
            fault("bring-up failed: \(why)", suggested: .restartDataCall)
        }
    }

    // MARK: - Registration

    /// A `+CEREG` URC: a hint, not proof. While the data path is up it is confirmed with
    /// `AT+CEREG?` before anything changes (a spurious `+CEREG: 2` must not take a working link
    /// down); while waiting for registration it is news.
    private mutating func onRegistrationURC(_ new: RegistrationStatus, cause: Int?) {
        note(new)
        switch phase {
        case .linkUp, .dhcp, .verifying, .online, .degraded:
            guard !new.isRegistered else { return }
            log(.info, "+CEREG says \(new); asking the module (AT+CEREG?) before acting")
            actions.append(.queryRegistration)
        case .registering(.lost), .registering(.rejected):
            registrationEvidence(new, cause: cause, source: "+CEREG")
        case .waitingForDevice, .bringingUp, .recovering, .failed, .down, .stopping:
            break
        }
    }

    /// The answer to `.queryRegistration` (`AT+CEREG?`); nil when the module did not answer.
    private mutating func onRegistrationQueried(_ new: RegistrationStatus?, cause: Int?) {
        guard let new else {
            log(.info, "AT+CEREG? unanswered; the probe and the step timers decide")
            return
        }
        note(new)
        switch phase {
        case .linkUp, .dhcp, .verifying, .online, .degraded:
            if new.isRegistered {
                log(.notice, "AT+CEREG? says \(new): the registration URC was spurious; nothing to do")
            } else if new == .denied {
                rejected(cause.map(EMMCause.init))
            } else {
                registrationLost(because: "registration lost (AT+CEREG?: \(new))", dataCallLost: false)
            }
        case .registering(.lost), .registering(.rejected):
            registrationEvidence(new, cause: cause, source: "AT+CEREG?")
        case .waitingForDevice, .bringingUp, .recovering, .failed, .down, .stopping:
            log(.debug, "AT+CEREG? answer ignored while \(state)")
        }
    }

    /// Registration news while waiting for it.
    private mutating func registrationEvidence(_ new: RegistrationStatus, cause: Int?, source: String) {
        switch phase {
        case .registering(.lost(_, let dataCallLost, _)):
            if new.isRegistered {
                cancelTimer(.step)
                cancelTimer(.recheck)
                if dataCallLost || !bringUpComplete {
                    fault("registered again; the data call must be restored", suggested: .restartDataCall)
                } else {
                    verify(because: "registered again (\(new), \(source))")
                }
            } else if new == .denied {
                rejected(cause.map(EMMCause.init))
            }
        case .registering(.rejected(let refusal, _)):
            let old = refusal.cause
            if new.isRegistered {
                // Accepted: go straight on (no waiting out the backoff, no radio cycle).
                cancelTimer(.step)
                cancelTimer(.recheck)
                log(.notice, "the network accepts the module again (\(source): \(new))")
                startBringUp(because: "registered again after \(old.map { "\($0)" } ?? "a refusal")")
            } else if new == .denied, let cause, EMMCause(cause) != old {
                rejected(EMMCause(cause))
            }
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering, .failed, .down, .stopping:
            break
        }
    }

    /// Registration lost (confirmed): give the module time to find the network, asking again on
    /// a short, growing interval; the data path stays configured.
    private mutating func registrationLost(because why: String, dataCallLost: Bool) {
        cancelTimer(.health)
        cancelTimer(.recheck)
        armTimer(.step, after: settings.registrationTimeout)
        armTimer(.recheck, after: settings.registrationRecheck)
        enter(.registering(.lost(since: now, dataCallLost: dataCallLost, recheck: settings.registrationRecheck)),
              because: why)
    }

    /// The network refused registration. The cause decides: permanent causes are reported once
    /// and tried again only after a long fixed interval (or `up`, or a SIM change); temporary
    /// ones back off. Neither climbs the recovery ladder: no radio cycle or reboot changes the
    /// network's mind.
    private mutating func rejected(_ cause: EMMCause?) {
        cancelTimer(.step)
        cancelTimer(.health)
        cancelTimer(.backoff)
        cancelTimer(.recheck)
        var attempt = 1
        switch phase {
        case .registering(.rejected(let previous, _)), .bringingUp(_, .some(let previous)):
            if previous.cause == cause { attempt = previous.attempt + 1 }
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering, .failed, .down, .stopping:
            break
        }
        let permanent = cause?.isPermanent ?? false
        let delay = permanent
            ? settings.permanentRejectRetry
            : Self.doubling(settings.registrationRecheck, times: attempt - 1, cap: settings.backoff.maximum)
        let what = cause.map { "\($0)" } ?? "no cause given"
        if permanent {
            if attempt == 1 {
                log(.error, "registration refused by the network: \(what); this does not heal by retrying "
                    + "(check the subscription); trying again in \(delay), on `bg95ctl up` or when the SIM changes")
            }
        } else {
            log(.warning, "registration refused by the network: \(what); trying again in \(delay) (refusal \(attempt))")
        }
        armTimer(.recheck, after: delay)
        enter(.registering(.rejected(RegistrationRefusal(cause: cause, attempt: attempt), next: now + delay)),
              because: "registration refused: \(what)" + (permanent ? " (permanent)" : ""))
    }

    /// `base * 2^times`, capped.
    static func doubling(_ base: Duration, times: Int, cap: Duration) -> Duration {
        var delay = base
        for _ in 0..<max(0, times) where delay < cap { delay = delay * 2 }
        return min(delay, cap)
    }

    private mutating func note(_ new: RegistrationStatus) {
        let old = registration
        registration = new
        if old != new { log(.info, "registration: \(old.map { "\($0)" } ?? "unknown") -> \(new)") }
    }

    // MARK: - Data call and module events

    /// A URC saying the data call dropped: a hint, not proof (like `+CEREG`). While online
    /// (the data path was proven by a probe) it is confirmed with `AT+CGACT?` (and
    /// `AT+QNETDEVCTL?` where the data call was made with it) before the data call is restarted,
    /// so a spurious `+QIURC: "pdpdeact"`, `+CGEV` or `+QNETDEVSTATUS: 0` does not take a working
    /// link down; a real drop is acted on as soon as the answer says so. Before the data path
    /// is proven there is nothing to protect: act at once.
    private mutating func onDataCallLossURC(_ why: String) {
        switch phase {
        case .online:
            log(.info, "\(why); asking the module (AT+CGACT?) before acting")
            actions.append(.queryDataCall(.dropIndicated(why)))
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .degraded, .recovering,
             .failed, .down, .stopping:
            onDataCallLost(why)
        }
    }

    /// The answer to `.queryDataCall`: active means the URC was spurious; inactive or no
    /// answer confirms it (a lost data call, or a restarted module).
    private mutating func onDataCallQueried(_ active: Bool?, _ question: DataCallQuestion) {
        let answer = active == nil ? "AT+CGACT? unanswered" : "confirmed by AT+CGACT?"
        switch phase {
        case .online, .linkUp, .dhcp, .verifying, .degraded, .registering:
            switch (active, question) {
            case (true?, .dropIndicated):
                log(.notice, "AT+CGACT? says the context is active: the data-call URC was spurious; nothing to do")
            case (true?, .restartIndicated):
                log(.notice, "AT+CGACT? says the context is active: the module did not restart, the RDY was spurious; nothing to do")
            case (_, .dropIndicated):
                onDataCallLost("data call lost (\(answer))")
            case (_, .restartIndicated):
                moduleRestarted(because: "module restarted (RDY, \(answer))")
            }
        case .waitingForDevice, .bringingUp, .recovering, .failed, .down, .stopping:
            log(.debug, "AT+CGACT? answer ignored while \(state)")
        }
    }

    private mutating func onDataCallLost(_ why: String) {
        switch phase {
        case .linkUp, .dhcp, .verifying, .online, .degraded:
            if let registration, !registration.isRegistered {
                // Lost with the registration (`+CGEV: NW DETACH`, `+CEREG: 2`): no data call
                // comes up before the module is registered again, so wait for that once (as
                // for a registration loss) instead of restarting the call into the wait twice.
                registrationLost(because: "\(why); not registered (\(registration))", dataCallLost: true)
            } else {
                fault(why, suggested: .restartDataCall)
            }
        case .registering(.lost(let since, _, let recheck)):
            phase = .registering(.lost(since: since, dataCallLost: true, recheck: recheck))
            log(.info, why)
        case .waitingForDevice, .bringingUp, .registering, .recovering, .failed, .down, .stopping:
            log(.debug, "\(why) (ignored while \(state))")
        }
    }

    private mutating func onModuleRestarted() {
        if case .bringingUp = phase {
            // Part of the bring-up (a usbnet switch reboots the module): the modem layer handles it.
            log(.debug, "module restart during bring-up")
            return
        }
        if case .online = phase {
            // A hint, like the other URCs: a restarted module has lost its data call.
            log(.info, "RDY while online; asking the module (AT+CGACT?) whether it restarted before acting")
            actions.append(.queryDataCall(.restartIndicated))
            return
        }
        moduleRestarted(because: "module restarted (RDY)")
    }

    /// The module restarted (confirmed, or nothing to protect): bring it up again.
    private mutating func moduleRestarted(because why: String) {
        bringUpComplete = false
        switch phase {
        case .waitingForDevice:
            if devicePresent { startBringUp(because: "module restarted") }
        case .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded, .recovering:
            tearDownNetwork(release: false)
            cancelTimer(.backoff)
            cancelTimer(.health)
            cancelTimer(.recheck)
            if devicePresent {
                startBringUp(because: why)
            } else {
                enter(.waitingForDevice, because: why)
            }
        case .failed, .down, .stopping:
            break
        }
    }

    /// A SIM error stopped everything, or the network refused this SIM: a SIM that reports
    /// READY is worth one fresh try (that is no retry loop: it takes a change on the module to
    /// get here again).
    private mutating func onSIMReady() {
        guard devicePresent else { return log(.debug, "SIM ready (\(state))") }
        switch phase {
        case .failed, .registering(.rejected):
            cancelTimer(.recheck)
            startBringUp(because: "SIM ready")
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering, .down, .stopping:
            log(.debug, "SIM ready (\(state))")
        }
    }

    // MARK: - Link, DHCP, probe

    private mutating func onCarrierChanged(_ up: Bool) {
        let old = carrier
        carrier = up
        if old != up { log(up ? .info : .warning, "carrier \(up ? "up" : "down") on \(interface ?? "?")") }
        switch phase {
        case .linkUp:
            guard up else { return }
            cancelTimer(.step)
            if let lease, dhcpRunning {
                if networkApplied {
                    verify(because: "carrier up")
                } else {
                    enter(.dhcp, because: "carrier up with lease \(lease.address)")
                    armTimer(.step, after: settings.dhcpTimeout)
                    actions.append(.applyNetwork)
                }
            } else if dhcpRunning {
                // Started alongside the bring-up and still asking: let it finish.
                enter(.dhcp, because: "carrier up; DHCP already running")
                armTimer(.step, after: settings.dhcpTimeout)
            } else {
                startDHCP(because: "carrier up")
            }
        case .bringingUp:
            guard up, !dhcpRunning, let interface else { return }
            // The pipelined lease (see onNetInterfaceAppeared): no phase change, no step timer;
            // the bring-up's own timer bounds this phase.
            log(.info, "DHCP on \(interface) while the bring-up runs")
            lease = nil
            dhcpRunning = true
            actions.append(.startDHCP(interface: interface))
        case .dhcp, .verifying, .online, .degraded:
            guard !up else { return }
            cancelTimer(.health)
            waitForCarrier(because: "carrier lost")
        case .waitingForDevice, .registering, .recovering, .failed, .down, .stopping:
            break
        }
    }

    private mutating func onLeaseAcquired(_ new: LeaseSummary) {
        let old = lease
        lease = new
        switch phase {
        case .dhcp:
            log(.info, "lease \(new.address) gateway \(new.gateway ?? "none") dns \(new.dns.joined(separator: ","))")
            actions.append(.applyNetwork)
        case .linkUp, .verifying, .online, .degraded, .registering, .recovering:
            guard dhcpRunning else { return }
            // Applying again is cheap and idempotent, and a renewal must refresh the address
            // lifetime in the kernel (it expires with the lease so a dead daemon leaves nothing).
            if let old, !new.differsInConfiguration(from: old), networkApplied {
                log(.debug, "lease \(new.address) renewed")
            } else {
                log(.info, "lease changed to \(new.address); applying")
            }
            actions.append(.applyNetwork)
        case .bringingUp:
            if dhcpRunning {
                log(.info, "lease \(new.address) gateway \(new.gateway ?? "none") held until the data call is up")
            }
        case .waitingForDevice, .failed, .down, .stopping:
            log(.debug, "lease \(new.address) ignored while \(state)")
        }
    }

    private mutating func onLeaseLost(_ why: String) {
        lease = nil
        if networkApplied {
            networkApplied = false
            actions.append(.removeNetwork)
        }
        switch phase {
        case .dhcp, .verifying, .online, .degraded:
            fault("lease lost: \(why)", suggested: .renewDHCP)
        case .bringingUp where dhcpRunning:
            // The pipelined client gave up its lease: stopped, so that carrier after the data
            // call starts a fresh one.
            log(.info, "lease lost while the bring-up runs: \(why)")
            actions.append(.stopDHCP(release: false))
            dhcpRunning = false
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .recovering, .failed, .down, .stopping:
            log(.info, "lease lost: \(why)")
        }
    }

    private mutating func onNetworkConfigured() {
        networkApplied = true
        switch phase {
        case .dhcp:
            cancelTimer(.step)
            verify(because: "lease \(lease?.address ?? "?") applied")
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .verifying, .online, .degraded, .recovering,
             .failed, .down, .stopping:
            log(.info, "network configuration applied")
        }
    }

    private mutating func onNetworkConfigFailed(_ why: String) {
        switch phase {
        case .dhcp, .verifying, .online, .degraded:
            fault("applying the lease failed: \(why)", suggested: .renewDHCP)
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .recovering, .failed, .down, .stopping:
            log(.warning, "applying the lease failed: \(why)")
        }
    }

    private mutating func onProbeFinished(_ outcome: ProbeOutcome) {
        switch phase {
        case .verifying(let failed):
            record(outcome)
            switch outcome {
            case .reachable(let ms):
                ladder.reset()
                reason = nil
                enter(.online(since: now, probing: false), because: "probe answered in \(ms) ms")
                if !readyNotified {
                    readyNotified = true
                    actions.append(.notifyReady)
                }
                armTimer(.health, after: settings.probeInterval)
            case .unreachable(let why):
                let failures = failed + 1
                if failures < settings.verifyAttempts {
                    log(.info, "probe \(failures) of \(settings.verifyAttempts) failed: \(why)")
                    phase = .verifying(failedProbes: failures)
                    actions.append(.probe)
                } else {
                    diagnose(because: "probe failed \(failures) times: \(why)")
                }
            }
        case .online(let since, true):
            record(outcome)
            switch outcome {
            case .reachable(let ms):
                log(.debug, "health probe answered in \(ms) ms")
                phase = .online(since: since, probing: false)
                armTimer(.health, after: settings.probeInterval)
            case .unreachable(let why):
                diagnose(because: "health probe failed: \(why)")
            }
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .online, .degraded, .recovering,
             .failed, .down, .stopping:
            log(.debug, "probe result ignored while \(state)")
        }
    }

    private mutating func record(_ outcome: ProbeOutcome) {
        lastProbe = outcome
        lastProbeAt = now
    }

    private mutating func onDiagnosis(_ diagnosis: Diagnosis) {
        guard case .degraded = phase else {
            log(.debug, "diagnosis ignored while \(state)")
            return
        }
        cancelTimer(.step)
        if let registered = diagnosis.registration { note(registered) }
        let verdict = diagnosis.verdict
        log(.notice, "diagnosis: \(verdict)")
        switch verdict {
        case .notRegistered(let registration):
            registrationLost(because: "not registered (\(registration))", dataCallLost: true)
        case .pdnDown(let why):
            fault(why, suggested: .restartDataCall)
        case .ecmPathDown(let why):
            fault(why, suggested: .renewDHCP)
        case .moduleUnresponsive:
            fault("the module does not answer", suggested: .radioCycle)
        }
    }

    // MARK: - Recovery

    private mutating func onRecoveryStep(_ rung: RecoveryRung, _ succeeded: Bool, _ detail: String) {
        guard case .recovering(rung, .inFlight) = phase else {
            log(.debug, "result of \(rung) ignored while \(state)")
            return
        }
        cancelTimer(.step)
        guard succeeded else {
            fault("\(rung) failed: \(detail)", suggested: rung)
            return
        }
        log(.info, "\(rung) done\(detail.isEmpty ? "" : ": \(detail)")")
        switch rung {
        case .restartDataCall, .radioCycle:
            // The modem layer reports success only once the data call is up again.
            bringUpComplete = true
            if let interface {
                waitForCarrier(because: rung == .radioCycle
                    ? "radio cycled; data call up on \(interface)" : "data call restarted on \(interface)")
            } else {
                startBringUp(because: rung == .radioCycle ? "radio cycled" : "data call restarted")
            }
        case .rebootModule:
            // The module re-enumerates: wait for it to vanish and come back (or for RDY).
            bringUpComplete = false
            armTimer(.step, after: settings.deviceTimeout)
        case .renewDHCP, .waitForDevice:
            break
        }
    }

    // MARK: - Operator

    private mutating func onAdminUp() {
        switch phase {
        case .down, .failed:
            ladder.reset()
            log(.notice, "admin up")
            if devicePresent {
                startBringUp(because: "admin up")
            } else {
                enter(.waitingForDevice, because: "admin up")
                actions.append(.watchForDevice)
            }
        case .registering(.rejected(let refusal, _)):
            let cause = refusal.cause
            // An operator who says `up` after a refusal (fixed the subscription) gets a try now.
            log(.notice, "admin up: trying registration again now")
            cancelTimer(.recheck)
            startBringUp(because: "admin up after \(cause.map { "\($0)" } ?? "a refusal")")
        case .recovering(let rung, .backoff):
            log(.notice, "admin up: retrying now")
            cancelTimer(.backoff)
            perform(rung)
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering, .stopping:
            log(.info, "admin up: already up (\(state))")
        }
    }

    private mutating func onAdminDown() {
        switch phase {
        case .down, .stopping:
            return
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering, .failed:
            break
        }
        log(.notice, "admin down")
        cancelAllTimers()
        tearDownNetwork(release: settings.releaseOnShutdown)
        // Status must not say "down" while the module keeps the PDN up: end the data call.
        actions.append(.endDataCall)
        bringUpComplete = false
        interface = nil
        carrier = nil
        ladder.reset()
        enter(.down, because: "stopped by an operator")
    }

    private mutating func onAdminReset() {
        log(.notice, "admin reset")
        ladder.reset()
        cancelAllTimers()
        guard devicePresent else {
            tearDownNetwork(release: false)
            interface = nil
            carrier = nil
            enter(.waitingForDevice, because: "admin reset without a device")
            actions.append(.watchForDevice)
            return
        }
        enter(.recovering(.rebootModule, .inFlight), because: "reset by an operator")
        perform(.rebootModule)
    }

    private mutating func onTerminate() {
        log(.notice, "terminating")
        cancelAllTimers()
        tearDownNetwork(release: settings.releaseOnShutdown && devicePresent)
        // Removing is idempotent and also covers what a previous run left behind.
        if !actions.contains(.removeNetwork) { actions.append(.removeNetwork) }
        actions.append(.stopModem)
        interface = nil
        carrier = nil
        enter(.stopping, because: "SIGTERM")
        actions.append(.exit)
    }

    // MARK: - Timers

    private mutating func onTimer(_ id: TimerID) {
        guard armed[id.kind] == id.serial else {
            log(.debug, "stale \(id.kind.rawValue) timer ignored")
            return
        }
        armed[id.kind] = nil
        switch id.kind {
        case .health:
            guard case .online(let since, _) = phase else { return }
            phase = .online(since: since, probing: true)
            actions.append(.probe)
            actions.append(.refreshModuleFacts)
        case .backoff:
            guard case .recovering(let rung, .backoff) = phase else { return }
            perform(rung)
        case .recheck:
            onRecheck()
        case .step:
            onStepTimeout()
        }
    }

    private mutating func onRecheck() {
        switch phase {
        case .registering(.lost(let since, let dataCallLost, let recheck)):
            // A lost `+CEREG: 1` must not cost the whole registration timeout: ask again.
            actions.append(.queryRegistration)
            let next = min(recheck * 2, settings.registrationRecheckMaximum)
            phase = .registering(.lost(since: since, dataCallLost: dataCallLost, recheck: next))
            armTimer(.recheck, after: next)
        case .registering(.rejected(let refusal, _)):
            startBringUp(because: "trying registration again after \(refusal.cause.map { "\($0)" } ?? "a refusal")",
                         after: refusal)
        case .waitingForDevice, .bringingUp, .registering, .linkUp, .dhcp, .verifying, .online, .degraded,
             .recovering, .failed, .down, .stopping:
            log(.debug, "recheck timer ignored while \(state)")
        }
    }

    private mutating func onStepTimeout() {
        switch phase {
        case .bringingUp:
            fault("bring-up did not finish within \(settings.bringUpTimeout)", suggested: .restartDataCall)
        case .registering(.lost):
            fault("not registered again within \(settings.registrationTimeout)", suggested: .radioCycle)
        case .linkUp:
            fault("no carrier on \(interface ?? "?") within \(settings.linkTimeout)", suggested: .restartDataCall)
        case .dhcp:
            fault("no lease within \(settings.dhcpTimeout)", suggested: .renewDHCP)
        case .degraded:
            fault("the module did not answer the diagnosis within \(settings.diagnosisTimeout)", suggested: .radioCycle)
        case .recovering(let rung, .inFlight):
            let why = rung == .rebootModule
                ? "the module did not re-enumerate within \(settings.deviceTimeout)"
                : "\(rung) took longer than \(settings.recoveryStepTimeout)"
            fault(why, suggested: rung)
        case .waitingForDevice, .registering, .verifying, .online, .recovering, .failed, .down, .stopping:
            log(.debug, "step timer ignored while \(state)")
        }
    }

    // MARK: - Steps

    private mutating func startBringUp(because why: String, after refusal: RegistrationRefusal? = nil) {
        cancelTimer(.step)
        cancelTimer(.health)
        bringUpComplete = false
        enter(.bringingUp(.configuring, after: refusal), because: why)
        armTimer(.step, after: settings.bringUpTimeout)
        actions.append(.startBringUp)
    }

    private mutating func waitForCarrier(because why: String) {
        guard let interface else { return }
        enter(.linkUp, because: why)
        armTimer(.step, after: settings.linkTimeout)
        actions.append(.bringLinkUp(interface: interface))
    }

    private mutating func startDHCP(because why: String) {
        guard let interface else { return }
        if dhcpRunning { actions.append(.stopDHCP(release: false)) }
        if networkApplied {
            networkApplied = false
            actions.append(.removeNetwork)
        }
        lease = nil
        dhcpRunning = true
        enter(.dhcp, because: why)
        armTimer(.step, after: settings.dhcpTimeout)
        actions.append(.startDHCP(interface: interface))
    }

    private mutating func verify(because why: String) {
        enter(.verifying(failedProbes: 0), because: why)
        actions.append(.probe)
    }

    private mutating func diagnose(because why: String) {
        cancelTimer(.health)
        enter(.degraded, because: why)
        armTimer(.step, after: settings.diagnosisTimeout)
        actions.append(.diagnose)
    }

    /// Something is broken: climb the ladder and schedule the next attempt after the backoff.
    ///
    /// Restarting the data call cannot help while the module is known not to be registered
    /// (its bring-up would only wait for the registration again): the radio cycle is the rung
    /// that can. Whoever gets here unregistered has waited for the registration already (the
    /// bring-up's own wait, `registering(.lost)`'s timeout).
    private mutating func fault(_ why: String, suggested: RecoveryRung) {
        cancelTimer(.step)
        cancelTimer(.health)
        cancelTimer(.recheck)
        var suggested = suggested
        if suggested == .restartDataCall, let registration, !registration.isRegistered {
            log(.info, "not registered (\(registration)): restarting the data call cannot help; cycling the radio")
            suggested = .radioCycle
        }
        let rung = ladder.climb(suggested: suggested)
        let delay = settings.backoff.delay(beforeAttempt: ladder.totalAttempts)
        enter(.recovering(rung, .backoff(until: now + delay)), because: why)
        log(.notice, "recovery: \(rung) (attempt \(ladder.attemptsOnRung) on this rung, \(ladder.totalAttempts) since online) in \(delay)")
        if delay == .zero {
            perform(rung)
        } else {
            armTimer(.backoff, after: delay)
        }
    }

    /// Carries out a rung of the ladder.
    private mutating func perform(_ rung: RecoveryRung) {
        guard devicePresent else {
            enter(.waitingForDevice, because: "\(rung) needs the device")
            return
        }
        switch rung {
        case .renewDHCP:
            guard interface != nil, bringUpComplete else {
                startBringUp(because: "renew DHCP needs the data call first")
                return
            }
            log(.notice, "action: restart DHCP")
            startDHCP(because: "recovery: renew DHCP")
        case .restartDataCall:
            guard bringUpComplete else {
                startBringUp(because: "recovery: bring-up again")
                return
            }
            log(.notice, "action: restart the data call")
            enter(.recovering(.restartDataCall, .inFlight), because: "recovery: restart the data call")
            armTimer(.step, after: settings.recoveryStepTimeout)
            actions.append(.perform(.restartDataCall))
        case .radioCycle:
            log(.notice, "action: radio off/on (CFUN=0/1)")
            // The module's DHCP server keeps working, so the lease and its configuration stay;
            // only the health probe stops.
            cancelTimer(.health)
            enter(.recovering(.radioCycle, .inFlight))
            armTimer(.step, after: settings.recoveryStepTimeout)
            actions.append(.perform(.radioCycle))
        case .rebootModule, .waitForDevice:
            log(.notice, "action: reboot the module (CFUN=1,1)")
            tearDownNetwork(release: false)
            bringUpComplete = false
            enter(.recovering(.rebootModule, .inFlight))
            armTimer(.step, after: settings.recoveryStepTimeout)
            actions.append(.perform(.rebootModule))
        }
    }

    // MARK: - Helpers

    /// Stops DHCP and removes what was configured.
    private mutating func tearDownNetwork(release: Bool) {
        if dhcpRunning {
            actions.append(.stopDHCP(release: release && lease != nil))
            dhcpRunning = false
        }
        if networkApplied {
            networkApplied = false
            actions.append(.removeNetwork)
        }
        lease = nil
    }

    private mutating func armTimer(_ kind: TimerKind, after delay: Duration) {
        timerSerial += 1
        armed[kind] = timerSerial
        actions.append(.startTimer(TimerID(kind: kind, serial: timerSerial), after: delay))
    }

    private mutating func cancelTimer(_ kind: TimerKind) {
        guard armed[kind] != nil else { return }
        armed[kind] = nil
        actions.append(.cancelTimer(kind))
    }

    private mutating func cancelAllTimers() {
        for kind in TimerKind.allCases { cancelTimer(kind) }
    }

    private mutating func log(_ priority: LogPriority, _ message: String) {
        actions.append(.log(priority, message))
    }
}
