import ATProtocol
import BG95System
import Dispatch
import Modem

/// Runs discovery, the AT channel and the bring-up machine together on one queue: the modem
/// layer as the supervisor uses it.
///
/// `start` arms udev; when a module with an AT port appears the controller opens the port,
/// synchronises (`AT`, `ATE0`) and runs `BringUpMachine` to "data call up". A vanish (unplug,
/// reboot) closes the port and cancels pending commands; a reappearance starts over. A failed
/// bring-up stays failed until `restartBringUp()`, a recovery call, or the module reappearing.
///
/// Besides the bring-up, the controller offers typed queries for diagnosis and recovery
/// actions; everything goes through the same AT queue as the bring-up (one command in flight).
/// Every method must be called on `queue`; every callback runs on it.
public final class ModemController: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var bringUp: BringUpConfiguration
        public var discovery: UdevMonitor.Configuration
        public var channel: ATChannel.Options

        public init(
            bringUp: BringUpConfiguration, discovery: UdevMonitor.Configuration = .init(),
            channel: ATChannel.Options = .init()
        ) {
            self.bringUp = bringUp
            self.discovery = discovery
            self.channel = channel
        }
    }

    public let queue: DispatchQueue
    private let log: (String) -> Void
    private let onEvent: (ModemEvent) -> Void

    private var monitor: UdevMonitor?
    private var channel: ATChannel?
    private var machine: BringUpMachine?
    private let timers: OneShotTimers<BringUpTimer>
    private var recoveryWaiters: [(Result<DataCallInfo, ModemCommandError>) -> Void] = []
    private var reopenGeneration = 0

    /// The module in use (with its ECM interface as last reported), if any.
    public private(set) var device: ModemDevice?
    /// The bring-up's state.
    public var state: BringUpState { machine?.state ?? .waitingForModule }
    /// The data call, while it is up.
    public private(set) var dataCall: DataCallInfo?
    /// The AT channel's health.
    public var portHealth: ATChannel.Health { channel?.health ?? .closed }
    /// Firmware revision from the last bring-up (`AT+QGMR`).
    public var firmware: String? { machine?.firmware }
    /// Everything known about the module, each fact with when it was confirmed.
    public var module: ModuleModel { machine?.module ?? ModuleModel() }

    public init(queue: DispatchQueue, log: @escaping (String) -> Void, onEvent: @escaping (ModemEvent) -> Void) {
        self.queue = queue
        self.log = log
        self.onEvent = onEvent
        self.timers = OneShotTimers(queue: queue)
    }

    // MARK: Lifecycle

    /// Validates the configuration, arms udev and enumerates. Throws `ModemStartError` for a
    /// configuration the AT layer refuses or when libudev cannot be used.
    public func start(_ configuration: Configuration) throws(ModemStartError) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard monitor == nil else { return }
        do {
            machine = try BringUpMachine(configuration: configuration.bringUp)
        } catch {
            throw .configuration(error)
        }
        let channel = ATChannel(queue: queue, options: configuration.channel, log: log)
        channel.onURC = { [weak self] urc, line in self?.received(urc, line: line) }
        channel.onHealthChange = { [weak self] health in self?.channelHealthChanged(health) }
        self.channel = channel
        let monitor = UdevMonitor(queue: queue, configuration: configuration.discovery, log: log) { [weak self] event in
            self?.discovery(event)
        }
        self.monitor = monitor
        do {
            try monitor.start()
        } catch {
            self.monitor = nil
            throw .io(error)
        }
    }

    /// Stops everything: udev, the port, timers. Pending commands complete as cancelled and
    /// pending recovery callbacks with `.interrupted`. The module is left as it is.
    public func stop() {
        dispatchPrecondition(condition: .onQueue(queue))
        monitor?.stop()
        monitor = nil
        channel?.close(reason: "stopping")
        channel = nil
        timers.cancelAll()
        finishRecoveries(.failure(.interrupted("the modem controller stopped")))
        finishDiagnoses(ModuleDiagnosis())
        device = nil
        dataCall = nil
    }

    /// Runs the bring-up again from the start (its steps are idempotent, so this is cheap).
    public func restartBringUp() {
        dispatchPrecondition(condition: .onQueue(queue))
        if case .stopped = machine?.state {
            // `up` after `down`: leave the stopped state even without a port, so the module
            // is brought up when it (re)appears.
            apply(.restart)
            return
        }
        guard channel?.health == .ready || channel?.health == .resynchronising else { return }
        apply(.restart)
    }

    // MARK: Raw passthrough and queries

    /// Sends an operator's command line (`bg95ctl at`) through the bring-up's queue. The line
    /// is validated by `ATCommand.raw` (no CR/LF/control bytes, no chained commands, ...).
    /// The completion gets the whole response, errors included, as the module sent them.
    public func sendRaw(_ line: String, completion: @escaping (Result<ATResponse, ModemCommandError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        let command: ATCommand
        do {
            command = try ATCommand.raw(line)
        } catch {
            completion(.failure(.invalidCommand(error)))
            return
        }
        guard let channel, channel.health != .closed else {
            completion(.failure(.noModule))
            return
        }
        channel.send(command) { [weak self] response in
            self?.apply(.response(response))
            switch response.result {
            case .timedOut: completion(.failure(.at(.timeout(command: command.description))))
            case .cancelled: completion(.failure(.at(.cancelled(command: command.description))))
            case .ok, .error, .cme, .cms, .failure: completion(.success(response))
            }
        }
    }

    /// Sends any typed command (see `ATCommand`'s builders) and returns its response when the
    /// module answered `OK`; anything else is `.at(...)`.
    public func send(_ command: ATCommand, completion: @escaping (Result<ATResponse, ModemCommandError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let channel, channel.health != .closed else {
            completion(.failure(.noModule))
            return
        }
        channel.send(command) { [weak self] response in
            // Every answer fills the module model, whoever asked.
            self?.apply(.response(response))
            completion(Result { () throws(ATError) in try response.checked() }.mapError { .at($0) })
        }
    }

    /// `AT+CEREG?`.
    public func queryRegistration(completion: @escaping (Result<RegistrationReadReply, ModemCommandError>) -> Void) {
        query(.registrationQuery, RegistrationReadReply.self, completion: completion)
    }

    /// `AT+CGACT?`: every context's activation state.
    public func queryContextActivation(completion: @escaping (Result<[ContextActivation], ModemCommandError>) -> Void) {
        send(.contextActivationQuery) { result in
            completion(result.flatMap { response in
                Result { () throws(ATError) in try response.replies(ContextActivation.self) }.mapError { .at($0) }
            })
        }
    }

    /// `AT+QNETDEVCTL?`; `nil` on firmware without QNETDEVCTL (it answers `ERROR`).
    public func queryNetDeviceControl(completion: @escaping (Result<[NetDeviceControlState]?, ModemCommandError>) -> Void) {
        send(.netDeviceControlQuery) { result in
            switch result {
            case .success(let response):
                completion(Result { () throws(ATError) in try response.replies(NetDeviceControlState.self) }
                    .map(Optional.some).mapError { .at($0) })
            case .failure(.at(.error)), .failure(.at(.cme(.operationNotSupported, _))):
                completion(.success(nil))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// `AT+CGATT?`.
    public func queryAttach(completion: @escaping (Result<AttachState, ModemCommandError>) -> Void) {
        query(.attachQuery, AttachState.self, completion: completion)
    }

    /// `AT+QCSQ`: serving cell signal.
    public func querySignal(completion: @escaping (Result<ServingSignal, ModemCommandError>) -> Void) {
        query(.servingSignalQuery, ServingSignal.self, completion: completion)
    }

    /// Asks the module why traffic does not pass (the machine's diagnosis states: `AT+CEREG?`,
    /// `AT+CGACT?`, `AT+QNETDEVCTL?`, `AT+QPING` to `pingHost`); completes once with the answers.
    public func diagnose(pingHost: String?, pingCount: Int = 1, completion: @escaping (ModuleDiagnosis) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let channel, channel.health != .closed, machine != nil else { return completion(ModuleDiagnosis()) }
        diagnosisWaiters.append(completion)
        apply(.diagnose(pingHost: pingHost, pingCount: pingCount))
    }
    private var diagnosisWaiters: [(ModuleDiagnosis) -> Void] = []

    private func finishDiagnoses(_ diagnosis: ModuleDiagnosis) {
        let waiters = diagnosisWaiters
        diagnosisWaiters.removeAll()
        for waiter in waiters { waiter(diagnosis) }
    }

    private func query<T: ATReply>(
        _ command: ATCommand, _ type: T.Type, completion: @escaping (Result<T, ModemCommandError>) -> Void
    ) {
        send(command) { result in
            completion(result.flatMap { response in
                Result { () throws(ATError) in try response.reply(T.self) }.mapError { .at($0) }
            })
        }
    }

    // MARK: Recovery and down

    /// Ends the data call and brings it up again (the machine's `.restartDataCall`); completes
    /// when the bring-up that this request started has the data call up, or failed.
    public func restartDataCall(completion: @escaping (Result<DataCallInfo, ModemCommandError>) -> Void) {
        recover(.restartDataCall, completion: completion)
    }

    /// Radio off and on, then the bring-up (the machine's `.cycleRadio`).
    public func cycleRadio(completion: @escaping (Result<DataCallInfo, ModemCommandError>) -> Void) {
        recover(.cycleRadio, completion: completion)
    }

    /// Reboots the module (`AT+CFUN=1,1`): it re-enumerates, and the bring-up runs again when
    /// it is back; completes when the data call is up again or the bring-up failed.
    public func rebootModule(completion: @escaping (Result<DataCallInfo, ModemCommandError>) -> Void) {
        recover(.reboot, completion: completion)
    }

    /// `down`: ends the data call (`AT+QNETDEVCTL=0,...` or `AT+CGACT=0,...`) and keeps the
    /// bring-up stopped until `restartBringUp()`. Waiting recoveries complete as interrupted.
    public func endDataCall() {
        dispatchPrecondition(condition: .onQueue(queue))
        finishRecoveries(.failure(.interrupted("the data call was ended on request")))
        dataCall = nil
        // Without a port the disconnect is cancelled at once; the machine stays stopped either
        // way, so a module that appears meanwhile is not brought up behind the operator's back.
        apply(.endDataCall)
    }

    private func recover(_ event: BringUpEvent, completion: @escaping (Result<DataCallInfo, ModemCommandError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let channel, channel.health != .closed, machine != nil else {
            completion(.failure(.noModule))
            return
        }
        // A waiter from an earlier request belongs to a bring-up this one replaces.
        recoveryWaiters.append(completion)
        apply(event)
    }

    private func finishRecoveries(_ result: Result<DataCallInfo, ModemCommandError>) {
        let waiters = recoveryWaiters
        recoveryWaiters.removeAll()
        for waiter in waiters { waiter(result) }
    }

    // MARK: Event sources

    private func discovery(_ event: DiscoveryEvent) {
        switch event {
        case .ready, .problem:
            break
        case .modemAppeared(let found):
            device = found
            apply(.deviceChanged(atPort: found.atPort, netInterface: found.netInterface?.name))
            openPort(of: found)
        case .modemVanished:
            device = nil
            dataCall = nil
            apply(.deviceChanged(atPort: nil, netInterface: nil))
            reopenGeneration += 1
            channel?.close(reason: "module vanished")
            apply(.moduleVanished)
        case .netInterfaceAppeared(let found, _), .netInterfaceVanished(let found, _):
            device = found
            apply(.deviceChanged(atPort: found.atPort, netInterface: found.netInterface?.name))
            if var call = dataCall {
                call.device = found
                dataCall = call
            }
        }
        onEvent(.discovery(event))
    }

    private func openPort(of found: ModemDevice) {
        guard let channel else { return }
        do {
            try channel.open(found.atPort) { [weak self] reason in self?.portClosedByItself(reason) }
            log("modem: opened AT port \(found.atPort)")
        } catch {
            log("modem: cannot open AT port \(found.atPort): \(error)")
            scheduleReopen()
        }
    }

    /// The port closed without udev saying the module left (I/O error, hang-up). If udev still
    /// lists it, reopen after a moment; if it is leaving, `modemVanished` follows.
    private func portClosedByItself(_ reason: String) {
        apply(.moduleVanished)
        scheduleReopen()
    }

    private func scheduleReopen() {
        reopenGeneration += 1
        let generation = reopenGeneration
        queue.asyncAfter(deadline: .now() + .seconds(1)) { [weak self] in
            guard let self, generation == self.reopenGeneration, let device = self.device,
                self.channel?.health == .closed
            else { return }
            self.monitor?.rescan()
            guard let current = self.monitor?.current, current == device || current.atPort == device.atPort else { return }
            self.openPort(of: current)
        }
    }

    private func channelHealthChanged(_ health: ATChannel.Health) {
        onEvent(.portHealth(health))
        if health == .ready, !portReadyReported {
            portReadyReported = true
            apply(.moduleReady)
        }
        if health == .closed { portReadyReported = false }
    }
    private var portReadyReported = false

    private func received(_ urc: URC, line: String) {
        onEvent(.urc(urc, line: line))
        apply(.urc(urc))
    }

    // MARK: The machine

    private func apply(_ event: BringUpEvent) {
        guard var machine else { return }
        let actions = machine.handle(event, now: .now)
        self.machine = machine
        perform(actions)
    }

    private func perform(_ actions: [BringUpAction]) {
        for action in actions {
            switch action {
            case .send(let command):
                guard let channel else { continue }
                channel.send(command) { [weak self] response in self?.apply(.response(response)) }
            case .startTimer(let timer, let after):
                startTimer(timer, after: after)
            case .cancelTimer(let timer):
                timers.cancel(timer)
            case .waitForModule(let bound):
                log("modem: waiting up to \(bound.components.seconds) s for the module to re-enumerate")
            case .log(let line):
                log(line)
            case .stateChanged(let state):
                if case .up = state {} else { dataCall = nil }
                onEvent(.stateChanged(state))
            case .finished(let call):
                guard let device else { continue }
                let info = DataCallInfo(device: device, call: call)
                dataCall = info
                // Waiters first: a recovery requested from the event handler below belongs to
                // the next bring-up, not to this one.
                finishRecoveries(.success(info))
                onEvent(.dataCallUp(info))
            case .failed(let error):
                finishRecoveries(.failure(.interrupted("bring-up failed: \(error)")))
                onEvent(.failed(error))
            case .diagnosed(let diagnosis):
                finishDiagnoses(diagnosis)
            }
        }
    }

    private func startTimer(_ id: BringUpTimer, after: Duration) {
        timers.start(id, after: after) { [weak self] id in self?.apply(.timerFired(id)) }
    }
}

/// Why `ModemController.start` refused to start.
public enum ModemStartError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(BringUpError)
    case io(ModemIOError)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .io(let error): return error.description
        }
    }
}
