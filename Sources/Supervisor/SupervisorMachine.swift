/// The supervisor: one state machine that takes the link from "no device" to a proven online
/// connection and keeps it there, climbing the recovery ladder when something breaks.
///
/// A pure value: `handle(_:now:)` consumes one event and returns the actions for the daemon to
/// carry out; it does no I/O and reads no clock (time is passed in). Events that make no sense
/// in the current state (a late probe result, a stale timer) are ignored with a debug log line,
/// never trapped on.
public struct SupervisorMachine: Sendable {
    public private(set) var state: SupervisorState = .waitingForDevice
    public private(set) var stateSince: ContinuousClock.Instant
    public let settings: SupervisorSettings
    public private(set) var ladder: RecoveryLadder

    // What the supervisor knows about the world.
    private var devicePresent = false
    private var bringUpComplete = false
    private var interface: String?
    private var carrier: Bool?
    private var registration: RegistrationState?
    private var lease: LeaseSummary?
    private var dhcpRunning = false
    private var networkApplied = false
    /// In `registering` after the registration was lost (the modem layer is not bringing up).
    private var awaitingRegistration = false
    /// The PDP context dropped while waiting for registration: restart it once registered.
    private var dataCallLost = false
    /// The recovery rung whose step is in flight or whose backoff is running.
    private var pendingRung: RecoveryRung?
    private var stepInFlight: RecoveryRung?
    private var nextAttemptAt: ContinuousClock.Instant?
    private var verifyAttempts = 0
    private var probeInFlight = false
    private var reason: String?
    private var hardError: String?
    private var lastProbe: ProbeOutcome?
    private var lastProbeAt: ContinuousClock.Instant?
    private var onlineSince: ContinuousClock.Instant?
    private var readyNotified = false
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
        return SupervisorStatus(
            state: state, since: stateSince, reason: state == .online ? nil : reason,
            hardError: hardError, devicePresent: devicePresent, interface: interface, carrier: carrier,
            registration: registration, lease: lease, recoveryRung: rung,
            attemptsOnRung: ladder.attemptsOnRung, recoveryAttempts: ladder.totalAttempts,
            nextAttemptAt: nextAttemptAt, lastProbe: lastProbe, lastProbeAt: lastProbeAt,
            onlineSince: state == .online ? onlineSince : nil
        )
    }

    /// Consumes one event and returns what the daemon must do, in order.
    public mutating func handle(_ event: SupervisorEvent, now: ContinuousClock.Instant) -> [SupervisorAction] {
        self.now = now
        actions = []
        if state == .stopping {
            // Shutting down: the only thing left is to exit, which was already asked for.
            return []
        }
        switch event {
        case .start: onStart()
        case .deviceAppeared(let description): onDeviceAppeared(description)
        case .deviceVanished: onDeviceVanished()
        case .bringUpProgress(let stage): onBringUpProgress(stage)
        case .bringUpFinished(let interface): onBringUpFinished(interface)
        case .bringUpFailed(let failure): onBringUpFailed(failure)
        case .registrationChanged(let registration): onRegistrationChanged(registration)
        case .pdpDeactivated(let indication): onDataCallLost("PDP context deactivated (\(indication))")
        case .networkDetached: onDataCallLost("packet service detached (+CGEV DETACH)")
        case .netDeviceStatus(let connected):
            if connected {
                log(.debug, "data call bound to the network device (+QNETDEVSTATUS: 1)")
            } else {
                onDataCallLost("data call unbound from the network device (+QNETDEVSTATUS: 0)")
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

    // MARK: - The one way into a state

    private mutating func enter(_ new: SupervisorState, because why: String? = nil) {
        guard new != state else {
            if let why { reason = why }
            return
        }
        // The reason belongs to this change; a stale one would explain the wrong state.
        reason = why
        let old = state
        state = new
        stateSince = now
        var line = "state: \(old) -> \(new)"
        if let why { line += " (\(why))" }
        log(new == .failed ? .error : .notice, line)
        actions.append(.notifyStatus(statusLine))
    }

    private var statusLine: String {
        switch state {
        case .online:
            if let lease { return "online: \(lease.address) on \(interface ?? "?")" }
            return "online"
        case .failed: return "failed: \(hardError ?? reason ?? "unknown")"
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp, .dhcp,
             .verifying, .degraded, .recovering, .down, .stopping:
            if let reason, state == .degraded || state == .recovering { return "\(state): \(reason)" }
            return state.description
        }
    }

    // MARK: - Events

    private mutating func onStart() {
        log(.info, "supervisor starting")
        actions.append(.watchForDevice)
        actions.append(.notifyStatus(statusLine))
    }

    private mutating func onDeviceAppeared(_ description: String) {
        let wasPresent = devicePresent
        devicePresent = true
        log(.info, "device appeared: \(description)")
        switch state {
        case .waitingForDevice:
            startBringUp(because: wasPresent ? "module restarted" : "device appeared")
        case .failed:
            // A replugged module may carry a different SIM: one fresh try.
            hardError = nil
            startBringUp(because: "device appeared")
        case .recovering:
            // The module is (back) there: whatever was pending, a bring-up comes first.
            if !wasPresent {
                cancelTimer(.backoff)
                pendingRung = nil
                nextAttemptAt = nil
                startBringUp(because: "device appeared")
            }
        case .down, .stopping:
            break
        case .configuringModule, .registering, .startingDataCall, .linkUp, .dhcp, .verifying,
             .online, .degraded:
            log(.debug, "device appeared while \(state): already handled")
        }
    }

    private mutating func onDeviceVanished() {
        devicePresent = false
        bringUpComplete = false
        carrier = nil
        log(.warning, "device vanished")
        switch state {
        case .down, .stopping:
            interface = nil
            return
        case .failed:
            interface = nil
            return
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp, .dhcp,
             .verifying, .online, .degraded, .recovering:
            break
        }
        // The interface went with the device; what we configured on it must still be undone
        // (the policy rule outlives the interface).
        tearDownNetwork(release: false)
        interface = nil
        stepInFlight = nil
        pendingRung = nil
        nextAttemptAt = nil
        awaitingRegistration = false
        probeInFlight = false
        // Vanishing may be exactly what a reboot step was waiting for; either way the device
        // must come back before anything else can happen, and there is no timeout on that.
        cancelAllTimers()
        enter(.waitingForDevice, because: "device vanished")
    }

    private mutating func onBringUpProgress(_ stage: BringUpStage) {
        guard isBringingUp else {
            log(.debug, "bring-up progress \(stage) ignored while \(state)")
            return
        }
        switch stage {
        case .configuring: enter(.configuringModule)
        case .registering: enter(.registering)
        case .startingDataCall: enter(.startingDataCall)
        }
    }

    private mutating func onBringUpFinished(_ interface: String) {
        guard isBringingUp else {
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
            guard state != .failed else { return }
            cancelAllTimers()
            // Nothing will pass through the module until an operator acts: take our routes
            // away so other interfaces carry the traffic meanwhile.
            tearDownNetwork(release: false)
            bringUpComplete = false
            hardError = why
            pendingRung = nil
            stepInFlight = nil
            nextAttemptAt = nil
            enter(.failed, because: why)
            actions.append(.reportHardError(why))
        case .retryable(let why):
            guard isBringingUp else {
                log(.debug, "bring-up failure ignored while \(state): \(why)")
                return
            }
            fault("bring-up failed: \(why)", suggested: .restartDataCall)
        }
    }

    private mutating func onRegistrationChanged(_ new: RegistrationState) {
        let old = registration
        registration = new
        if old != new { log(.info, "registration: \(old.map { "\($0)" } ?? "unknown") -> \(new)") }
        if new.isRegistered {
            guard state == .registering && awaitingRegistration else { return }
            awaitingRegistration = false
            cancelTimer(.step)
            if dataCallLost || !bringUpComplete {
                dataCallLost = false
                fault("registered again; the data call must be restored", suggested: .restartDataCall)
            } else {
                verify(because: "registered again (\(new))")
            }
            return
        }
        switch state {
        case .linkUp, .dhcp, .verifying, .online, .degraded:
            // The module searches on its own; give it time before doing anything drastic.
            awaitingRegistration = true
            probeInFlight = false
            cancelTimer(.health)
            armTimer(.step, after: settings.registrationTimeout)
            enter(.registering, because: "registration lost (\(new))")
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .recovering,
             .failed, .down, .stopping:
            break
        }
    }

    private mutating func onDataCallLost(_ why: String) {
        switch state {
        case .linkUp, .dhcp, .verifying, .online, .degraded:
            fault(why, suggested: .restartDataCall)
        case .registering where awaitingRegistration:
            dataCallLost = true
            log(.info, why)
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .recovering,
             .failed, .down, .stopping:
            log(.debug, "\(why) (ignored while \(state))")
        }
    }

    private mutating func onModuleRestarted() {
        if isBringingUp {
            // Part of the bring-up (a usbnet switch reboots the module): the modem layer handles it.
            log(.debug, "module restart during bring-up")
            return
        }
        bringUpComplete = false
        switch state {
        case .waitingForDevice:
            if devicePresent { startBringUp(because: "module restarted") }
        case .configuringModule, .registering, .startingDataCall, .linkUp, .dhcp, .verifying, .online,
             .degraded, .recovering:
            tearDownNetwork(release: false)
            cancelTimer(.backoff)
            cancelTimer(.health)
            stepInFlight = nil
            pendingRung = nil
            nextAttemptAt = nil
            awaitingRegistration = false
            if devicePresent {
                startBringUp(because: "module restarted (RDY)")
            } else {
                enter(.waitingForDevice, because: "module restarted (RDY)")
            }
        case .failed, .down, .stopping:
            break
        }
    }

    /// A SIM error stopped everything; a SIM that reports READY is worth one fresh try (that
    /// is no retry loop: it takes a change on the module to get here again).
    private mutating func onSIMReady() {
        guard state == .failed, devicePresent else {
            log(.debug, "SIM ready (\(state))")
            return
        }
        hardError = nil
        startBringUp(because: "SIM ready")
    }

    private mutating func onCarrierChanged(_ up: Bool) {
        let old = carrier
        carrier = up
        if old != up { log(up ? .info : .warning, "carrier \(up ? "up" : "down") on \(interface ?? "?")") }
        switch state {
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
            } else {
                startDHCP(because: "carrier up")
            }
        case .dhcp, .verifying, .online, .degraded:
            guard !up else { return }
            probeInFlight = false
            cancelTimer(.health)
            waitForCarrier(because: "carrier lost")
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .recovering,
             .failed, .down, .stopping:
            break
        }
    }

    private mutating func onLeaseAcquired(_ new: LeaseSummary) {
        let old = lease
        lease = new
        switch state {
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
        case .waitingForDevice, .configuringModule, .startingDataCall, .failed, .down, .stopping:
            log(.debug, "lease \(new.address) ignored while \(state)")
        }
    }

    private mutating func onLeaseLost(_ why: String) {
        lease = nil
        if networkApplied {
            networkApplied = false
            actions.append(.removeNetwork)
        }
        switch state {
        case .dhcp, .verifying, .online, .degraded:
            fault("lease lost: \(why)", suggested: .renewDHCP)
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp,
             .recovering, .failed, .down, .stopping:
            log(.info, "lease lost: \(why)")
        }
    }

    private mutating func onNetworkConfigured() {
        networkApplied = true
        switch state {
        case .dhcp:
            cancelTimer(.step)
            verify(because: "lease \(lease?.address ?? "?") applied")
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp, .verifying,
             .online, .degraded, .recovering, .failed, .down, .stopping:
            log(.info, "network configuration applied")
        }
    }

    private mutating func onNetworkConfigFailed(_ why: String) {
        switch state {
        case .dhcp, .verifying, .online, .degraded:
            fault("applying the lease failed: \(why)", suggested: .renewDHCP)
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp,
             .recovering, .failed, .down, .stopping:
            log(.warning, "applying the lease failed: \(why)")
        }
    }

    private mutating func onProbeFinished(_ outcome: ProbeOutcome) {
        guard probeInFlight else {
            log(.debug, "probe result ignored while \(state)")
            return
        }
        probeInFlight = false
        lastProbe = outcome
        lastProbeAt = now
        switch (state, outcome) {
        case (.verifying, .reachable(let ms)):
            ladder.reset()
            pendingRung = nil
            nextAttemptAt = nil
            onlineSince = now
            reason = nil
            enter(.online, because: "probe answered in \(ms) ms")
            if !readyNotified {
                readyNotified = true
                actions.append(.notifyReady)
            }
            armTimer(.health, after: settings.probeInterval)
        case (.verifying, .unreachable(let why)):
            verifyAttempts += 1
            if verifyAttempts < settings.verifyAttempts {
                log(.info, "probe \(verifyAttempts) of \(settings.verifyAttempts) failed: \(why)")
                startProbe()
            } else {
                diagnose(because: "probe failed \(verifyAttempts) times: \(why)")
            }
        case (.online, .reachable(let ms)):
            log(.debug, "health probe answered in \(ms) ms")
            armTimer(.health, after: settings.probeInterval)
        case (.online, .unreachable(let why)):
            diagnose(because: "health probe failed: \(why)")
        case (.waitingForDevice, _), (.configuringModule, _), (.registering, _), (.startingDataCall, _),
             (.linkUp, _), (.dhcp, _), (.degraded, _), (.recovering, _), (.failed, _), (.down, _),
             (.stopping, _):
            log(.debug, "probe result ignored while \(state)")
        }
    }

    private mutating func onDiagnosis(_ diagnosis: Diagnosis) {
        guard state == .degraded else {
            log(.debug, "diagnosis ignored while \(state)")
            return
        }
        cancelTimer(.step)
        if let registered = diagnosis.registration { registration = registered }
        let verdict = diagnosis.verdict
        log(.notice, "diagnosis: \(verdict)")
        switch verdict {
        case .notRegistered(let registration):
            awaitingRegistration = true
            dataCallLost = true
            armTimer(.step, after: settings.registrationTimeout)
            enter(.registering, because: "not registered (\(registration))")
        case .pdnDown(let why):
            fault(why, suggested: .restartDataCall)
        case .ecmPathDown(let why):
            fault(why, suggested: .renewDHCP)
        case .moduleUnresponsive:
            fault("the module does not answer", suggested: .radioCycle)
        }
    }

    private mutating func onRecoveryStep(_ rung: RecoveryRung, _ succeeded: Bool, _ detail: String) {
        guard state == .recovering || state == .startingDataCall, stepInFlight == rung else {
            log(.debug, "result of \(rung) ignored while \(state)")
            return
        }
        stepInFlight = nil
        cancelTimer(.step)
        guard succeeded else {
            fault("\(rung) failed: \(detail)", suggested: rung)
            return
        }
        log(.info, "\(rung) done\(detail.isEmpty ? "" : ": \(detail)")")
        switch rung {
        case .restartDataCall:
            bringUpComplete = true
            if let interface {
                waitForCarrier(because: "data call restarted on \(interface)")
            } else {
                startBringUp(because: "data call restarted")
            }
        case .radioCycle:
            // The modem layer runs the bring-up after CFUN=1 and reports success once the
            // data call is up again.
            bringUpComplete = true
            if let interface {
                waitForCarrier(because: "radio cycled; data call up on \(interface)")
            } else {
                startBringUp(because: "radio cycled")
            }
        case .rebootModule:
            // The module re-enumerates: wait for it to vanish and come back (or for RDY).
            bringUpComplete = false
            stepInFlight = .rebootModule
            armTimer(.step, after: settings.deviceTimeout)
        case .renewDHCP, .waitForDevice:
            break
        }
    }

    private mutating func onAdminUp() {
        switch state {
        case .down, .failed:
            hardError = nil
            ladder.reset()
            log(.notice, "admin up")
            if devicePresent {
                startBringUp(because: "admin up")
            } else {
                enter(.waitingForDevice, because: "admin up")
                actions.append(.watchForDevice)
            }
        case .recovering where armed[.backoff] != nil:
            log(.notice, "admin up: retrying now")
            cancelTimer(.backoff)
            nextAttemptAt = nil
            if let rung = pendingRung { perform(rung) }
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp, .dhcp,
             .verifying, .online, .degraded, .recovering, .stopping:
            log(.info, "admin up: already up (\(state))")
        }
    }

    private mutating func onAdminDown() {
        switch state {
        case .down, .stopping:
            return
        case .waitingForDevice, .configuringModule, .registering, .startingDataCall, .linkUp, .dhcp,
             .verifying, .online, .degraded, .recovering, .failed:
            break
        }
        log(.notice, "admin down")
        cancelAllTimers()
        tearDownNetwork(release: settings.releaseOnShutdown)
        // Status must not say "down" while the module keeps the PDN up: end the data call.
        actions.append(.endDataCall)
        bringUpComplete = false
        resetProgress()
        ladder.reset()
        enter(.down, because: "stopped by an operator")
    }

    private mutating func onAdminReset() {
        log(.notice, "admin reset")
        hardError = nil
        ladder.reset()
        guard devicePresent else {
            cancelAllTimers()
            tearDownNetwork(release: false)
            resetProgress()
            enter(.waitingForDevice, because: "admin reset without a device")
            actions.append(.watchForDevice)
            return
        }
        cancelAllTimers()
        probeInFlight = false
        awaitingRegistration = false
        enter(.recovering, because: "reset by an operator")
        perform(.rebootModule)
    }

    private mutating func onTerminate() {
        log(.notice, "terminating")
        cancelAllTimers()
        tearDownNetwork(release: settings.releaseOnShutdown && devicePresent)
        // Removing is idempotent and also covers what a previous run left behind.
        if !actions.contains(.removeNetwork) { actions.append(.removeNetwork) }
        actions.append(.stopModem)
        resetProgress()
        enter(.stopping, because: "SIGTERM")
        actions.append(.exit)
    }

    private mutating func onTimer(_ id: TimerID) {
        guard armed[id.kind] == id.serial else {
            log(.debug, "stale \(id.kind.rawValue) timer ignored")
            return
        }
        armed[id.kind] = nil
        switch id.kind {
        case .health:
            guard state == .online else { return }
            startProbe()
        case .backoff:
            guard state == .recovering, let rung = pendingRung else { return }
            nextAttemptAt = nil
            perform(rung)
        case .step:
            onStepTimeout()
        }
    }

    private mutating func onStepTimeout() {
        if isBringingUp {
            fault("bring-up did not finish within \(settings.bringUpTimeout)", suggested: .restartDataCall)
            return
        }
        switch state {
        case .startingDataCall, .configuringModule:
            stepInFlight = nil
            fault("restarting the data call took longer than \(settings.recoveryStepTimeout)", suggested: .restartDataCall)
        case .registering:
            awaitingRegistration = false
            fault("not registered again within \(settings.registrationTimeout)", suggested: .radioCycle)
        case .linkUp:
            fault("no carrier on \(interface ?? "?") within \(settings.linkTimeout)", suggested: .restartDataCall)
        case .dhcp:
            fault("no lease within \(settings.dhcpTimeout)", suggested: .renewDHCP)
        case .degraded:
            fault("the module did not answer the diagnosis within \(settings.diagnosisTimeout)", suggested: .radioCycle)
        case .recovering:
            let rung = stepInFlight ?? .rebootModule
            stepInFlight = nil
            let why = rung == .rebootModule
                ? "the module did not re-enumerate within \(settings.deviceTimeout)"
                : "\(rung) took longer than \(settings.recoveryStepTimeout)"
            fault(why, suggested: rung)
        case .waitingForDevice, .verifying, .online, .failed, .down, .stopping:
            log(.debug, "step timer ignored while \(state)")
        }
    }

    // MARK: - Steps

    /// Whether the modem layer is running a bring-up whose progress the supervisor follows.
    private var isBringingUp: Bool {
        switch state {
        case .configuringModule, .startingDataCall: return stepInFlight == nil
        case .registering: return !awaitingRegistration
        case .waitingForDevice, .linkUp, .dhcp, .verifying, .online, .degraded, .recovering, .failed,
             .down, .stopping:
            return false
        }
    }

    private mutating func startBringUp(because why: String) {
        cancelTimer(.step)
        cancelTimer(.health)
        awaitingRegistration = false
        dataCallLost = false
        bringUpComplete = false
        stepInFlight = nil
        enter(.configuringModule, because: why)
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
        verifyAttempts = 0
        enter(.verifying, because: why)
        startProbe()
    }

    private mutating func startProbe() {
        probeInFlight = true
        actions.append(.probe)
    }

    private mutating func diagnose(because why: String) {
        cancelTimer(.health)
        enter(.degraded, because: why)
        armTimer(.step, after: settings.diagnosisTimeout)
        actions.append(.diagnose)
    }

    /// Something is broken: climb the ladder and schedule the next attempt after the backoff.
    private mutating func fault(_ why: String, suggested: RecoveryRung) {
        cancelTimer(.step)
        cancelTimer(.health)
        probeInFlight = false
        awaitingRegistration = false
        let rung = ladder.climb(suggested: suggested)
        pendingRung = rung
        let delay = settings.backoff.delay(beforeAttempt: ladder.totalAttempts)
        enter(.recovering, because: why)
        log(.notice, "recovery: \(rung) (attempt \(ladder.attemptsOnRung) on this rung, \(ladder.totalAttempts) since online) in \(delay)")
        if delay == .zero {
            perform(rung)
        } else {
            nextAttemptAt = now + delay
            armTimer(.backoff, after: delay)
        }
    }

    /// Carries out a rung of the ladder.
    private mutating func perform(_ rung: RecoveryRung) {
        pendingRung = nil
        nextAttemptAt = nil
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
            stepInFlight = .restartDataCall
            enter(.startingDataCall, because: "recovery: restart the data call")
            armTimer(.step, after: settings.recoveryStepTimeout)
            actions.append(.perform(.restartDataCall))
        case .radioCycle:
            log(.notice, "action: radio off/on (CFUN=0/1)")
            tearDownNetworkKeepingLease()
            stepInFlight = .radioCycle
            armTimer(.step, after: settings.recoveryStepTimeout)
            actions.append(.perform(.radioCycle))
        case .rebootModule, .waitForDevice:
            log(.notice, "action: reboot the module (CFUN=1,1)")
            tearDownNetwork(release: false)
            bringUpComplete = false
            stepInFlight = .rebootModule
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

    /// Before a radio cycle: the module's DHCP server keeps working, so the lease and its
    /// configuration stay; only the probe and health timer stop.
    private mutating func tearDownNetworkKeepingLease() {
        probeInFlight = false
        cancelTimer(.health)
    }

    private mutating func resetProgress() {
        interface = nil
        carrier = nil
        stepInFlight = nil
        pendingRung = nil
        nextAttemptAt = nil
        awaitingRegistration = false
        dataCallLost = false
        probeInFlight = false
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
