import ATProtocol
import BG95Core
import BG95System
import Dispatch
import Modem
import Supervisor

/// Carries out `ModemMachine` on one queue: discovery (udev), the AT port (a `SerialPort`: the
/// machine gets its bytes and says what to write), the machine's timers and the callers'
/// completions. The modem layer as the supervisor uses it.
///
/// `start` arms udev; when a module with an AT port appears the controller opens the port and
/// the machine synchronises (`ATE0`) and runs the bring-up to "data call up". A vanish
/// (unplug, reboot) closes the port and cancels pending commands; a reappearance starts over.
/// A failed bring-up stays failed until `restartBringUp()`, a recovery call, or the module
/// reappearing.
///
/// Log lines that whoever writes to the port can trigger one per line (garbage, overlong lines,
/// and with `trace` every URC) pass `PortInputLog`, so a babbling port or a URC storm cannot
/// fill the log.
///
/// It reports in the supervisor's terms (`ModemDriverEvent`, through the pure mappings in
/// `SupervisorEvent+Modem`): the daemon and `bg95d modem` use it as their `ModemDriver`.
/// Besides the bring-up it offers diagnosis and recovery steps; everything goes through the same
/// AT queue as the bring-up (one command in flight).
/// Every method must be called on `queue`; every callback runs on it.
public final class ModemController: ModemDriver, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The machine's configuration, with the AT link's policy in `machine.link`.
        public var machine: ModemConfiguration
        public var discovery: UdevMonitor.Configuration
        /// Log every command written and every response (PIN/password redacted) and URC.
        public var trace = false
        /// Where the AT port's lock file lives.
        public var lockDirectory = "/run/lock"

        public init(machine: ModemConfiguration, discovery: UdevMonitor.Configuration = .init()) {
            self.machine = machine
            self.discovery = discovery
        }
    }

    public let queue: DispatchQueue
    private let log: (String) -> Void
    /// Reads the configuration (again): at `start`, and at `bringUp` after a failure that
    /// needed an operator (a fixed PIN file, SIM or configuration must not be refused again).
    private let configure: () throws(ModemStartError) -> Configuration
    private var emit: ((ModemDriverEvent) -> Void)?

    private var monitor: UdevMonitor?
    private var machine: ModemMachine?
    /// The AT port while open; what it reads goes to the machine.
    private var port: SerialPort?
    private var trace = false
    private var lockDirectory = "/run/lock"
    private let timers: OneShotTimers<ModemTimer>
    private var recoveryWaiters: [(Result<DataCallInfo, ModemCommandError>) -> Void] = []
    private var commandWaiters: [CommandTicket: (command: ATCommand, completion: (ATResponse) -> Void)] = [:]
    private var lastTicket: UInt64 = 0
    private var dataCallCheckWaiters: [(Bool?) -> Void] = []
    /// Reopening a port that closed by itself while udev still lists the module.
    private let reopenTimer: OneShotTimers<PortReopen>
    private enum PortReopen: Hashable, Sendable { case afterClose }
    /// What the port can trigger one line per line of input (garbage, URCs under trace).
    private let portLog: PortInputLog

    /// The module in use (with its ECM interface as last reported), if any.
    public private(set) var device: ModemDevice?
    /// The bring-up's state.
    public var state: ModemState { machine?.state ?? .waitingForModule }
    /// The data call, while it is up.
    public var dataCall: DataCallInfo? {
        guard case .up(let call) = state, let device else { return nil }
        return DataCallInfo(device: device, call: call)
    }
    /// The AT port's health.
    public var portHealth: ATLinkMachine.Health { machine?.portHealth ?? .closed }
    /// Everything known about the module, each fact with when it was confirmed.
    public var module: ModuleModel? { machine?.module }

    /// `log` gets the debug trace (AT traffic with `trace`, port opening); what the operator
    /// should see goes to `emit` as `.log`.
    public init(
        queue: DispatchQueue, log: @escaping (String) -> Void,
        configure: @escaping () throws(ModemStartError) -> Configuration
    ) {
        self.queue = queue
        self.log = log
        self.configure = configure
        self.timers = OneShotTimers(queue: queue)
        self.reopenTimer = OneShotTimers(queue: queue)
        self.portLog = PortInputLog(queue: queue, log: log)
    }

    // MARK: Lifecycle

    /// Reads and validates the configuration, arms udev and enumerates. Throws
    /// `ModemStartError` for a configuration the AT layer refuses or when libudev cannot be used.
    public func start(emit: @escaping (ModemDriverEvent) -> Void) throws(ModemStartError) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard monitor == nil else { return }
        let configuration = try prepare(emit: emit)
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

    /// `start` without udev: reads the configuration and creates the machine. The pty tests
    /// call it and then feed `discovery(_:)` themselves.
    @discardableResult
    func prepare(emit: @escaping (ModemDriverEvent) -> Void) throws(ModemStartError) -> Configuration {
        self.emit = emit
        let configuration = try configure()
        do {
            machine = try ModemMachine(configuration: configuration.machine)
        } catch {
            throw .configuration(error)
        }
        trace = configuration.trace
        lockDirectory = configuration.lockDirectory
        return configuration
    }

    /// Stops everything: udev, the port, timers. Pending commands complete as cancelled and
    /// pending recovery callbacks with `.interrupted`. The module is left as it is.
    public func stop() {
        dispatchPrecondition(condition: .onQueue(queue))
        monitor?.stop()
        monitor = nil
        closePort(reason: "stopping")
        timers.cancelAll()
        reopenTimer.cancelAll()
        finishRecoveries(.failure(.interrupted("the modem controller stopped")))
        finishDiagnoses(ModuleDiagnosis())
        finishDataCallChecks(nil)
        finishCommands()
        device = nil
    }

    /// Runs the bring-up unless one is running: again from the start (its steps are
    /// idempotent, so this is cheap), with the configuration read again after a failure that
    /// needed an operator.
    public func bringUp() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch state {
        case .failed(let error) where error.needsOperator:
            guard let emit else { return }
            emit(.log(.notice, "restarting the modem layer with the configuration read again"))
            stop()
            do {
                try start(emit: emit)
            } catch {
                emit(.supervisor(.bringUpFailed(.hard(error.description))))
            }
        case .failed, .up, .stopped:
            restartBringUp()
        case .waitingForModule, .identifying, .configuringURCPort, .checkingUSBNet, .rebooting, .unlockingSIM,
             .configuringRadio, .configuringContext, .registering, .activating:
            break  // running (or starting when the module appears)
        }
    }

    private func restartBringUp() {
        if case .stopped = machine?.state {
            // `up` after `down`: leave the stopped state even without a port, so the module
            // is brought up when it (re)appears.
            apply(.restart)
            return
        }
        guard portHealth == .ready || portHealth == .resynchronising else { return }
        apply(.restart)
    }

    // MARK: Raw passthrough and queries

    /// Sends an operator's command line (`bg95ctl at`) through the bring-up's queue. The line
    /// is validated by `ATCommand.raw` (no CR/LF/control bytes, no chained commands, ...).
    /// The completion gets the whole response, errors included, as the module sent them.
    public func passthrough(_ line: String, completion: @escaping (Result<ATResponse, ModemCommandError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        let command: ATCommand
        do {
            command = try ATCommand.raw(line)
        } catch {
            completion(.failure(.invalidCommand(error)))
            return
        }
        guard portHealth != .closed else {
            completion(.failure(.noModule))
            return
        }
        submit(command) { response in
            switch response.result {
            case .timedOut: completion(.failure(.at(.timeout(command: command.description))))
            case .cancelled: completion(.failure(.at(.cancelled(command: command.description))))
            case .ok, .error, .cme, .cms, .failure: completion(.success(response))
            }
        }
    }

    /// Queues `command` behind the machine's; `completion` gets the response as it came.
    func submit(_ command: ATCommand, completion: @escaping (ATResponse) -> Void) {
        lastTicket += 1
        let ticket = CommandTicket(rawValue: lastTicket)
        commandWaiters[ticket] = (command, completion)
        apply(.submit(command, ticket))
    }

    private func finishCommands() {
        let waiters = commandWaiters
        commandWaiters.removeAll()
        for waiter in waiters.values { waiter.completion(.cancelled(waiter.command)) }
    }

    /// `AT+CEREG?`: the status and, when refused, the EMM cause; nil when unanswered.
    public func queryRegistration(completion: @escaping (RegistrationStatus?, Int?) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard portHealth != .closed else { return completion(nil, nil) }
        submit(.registrationQuery) { response in
            guard response.isOK, let reply = try? response.reply(RegistrationReadReply.self) else { return completion(nil, nil) }
            completion(reply.info.status, reply.info.rejectCause?.cause)
        }
    }

    /// Up when the data call's context (no data call known: any context) is active and, for a
    /// data call made with `AT+QNETDEVCTL`, its net device is still connected (the machine's
    /// `.checkDataCall`). Nil when unanswered.
    public func queryDataCall(completion: @escaping (Bool?) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard portHealth != .closed else { return completion(nil) }
        dataCallCheckWaiters.append(completion)
        apply(.checkDataCall)
    }

    private func finishDataCallChecks(_ answer: Bool?) {
        let waiters = dataCallCheckWaiters
        dataCallCheckWaiters.removeAll()
        for waiter in waiters { waiter(answer) }
    }

    /// Reads registration, operator, network and signal again while the data call is up (the
    /// machine's `.refreshModuleFacts`; ignored while anything else runs).
    public func refreshModuleFacts() {
        dispatchPrecondition(condition: .onQueue(queue))
        apply(.refreshModuleFacts)
    }

    /// The diagnosis in the supervisor's terms (see `diagnose(pingHost:pingCount:completion:)`).
    public func diagnose(pingTarget: String?, completion: @escaping (Diagnosis) -> Void) {
        let contextID = machine?.configuration.contextID ?? 1
        diagnose(pingHost: pingTarget) { found in
            var diagnosis = Diagnosis()
            diagnosis.registration = found.registration.map { $0.status }
            diagnosis.pdpActive = found.activeContexts.map { $0.contains(contextID) }
            diagnosis.netDeviceConnected = found.netDeviceConnected
            if found.ping != nil || found.pingError != nil {
                diagnosis.modulePingSucceeded = (found.ping?.received ?? 0) > 0
            }
            completion(diagnosis)
        }
    }

    /// Asks the module why traffic does not pass (the machine's diagnosis states: `AT+CEREG?`,
    /// `AT+CGACT?`, `AT+QNETDEVCTL?`, `AT+QPING` to `pingHost`); completes once with the answers.
    public func diagnose(pingHost: String?, pingCount: Int = 1, completion: @escaping (ModuleDiagnosis) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard portHealth != .closed else { return completion(ModuleDiagnosis()) }
        diagnosisWaiters.append(completion)
        apply(.diagnose(pingHost: pingHost, pingCount: pingCount))
    }
    private var diagnosisWaiters: [(ModuleDiagnosis) -> Void] = []

    private func finishDiagnoses(_ diagnosis: ModuleDiagnosis) {
        let waiters = diagnosisWaiters
        diagnosisWaiters.removeAll()
        for waiter in waiters { waiter(diagnosis) }
    }

    // MARK: Recovery and down

    /// A rung of the supervisor's recovery ladder; completes with a detail for the log.
    public func perform(_ rung: RecoveryRung, completion: @escaping (Result<String, ModemCommandError>) -> Void) {
        let done: (Result<DataCallInfo, ModemCommandError>) -> Void = { result in
            completion(result.map { "data call up (\($0.call.method.rawValue))" })
        }
        switch rung {
        case .restartDataCall: restartDataCall(completion: done)
        case .radioCycle: cycleRadio(completion: done)
        case .rebootModule, .waitForDevice: rebootModule(completion: done)
        case .renewDHCP: completion(.success("nothing to do on the module"))
        }
    }

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
        // Without a port the disconnect is cancelled at once; the machine stays stopped either
        // way, so a module that appears meanwhile is not brought up behind the operator's back.
        apply(.endDataCall)
    }

    private func recover(_ event: ModemEvent, completion: @escaping (Result<DataCallInfo, ModemCommandError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard portHealth != .closed else {
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

    func discovery(_ event: DiscoveryEvent) {
        switch event {
        case .ready:
            report(.discoveryReady)
        case .problem(let problem):
            report(.discoveryProblem(problem.description))
        case .modemAppeared(let found):
            updateDevice(found)
            openPort(of: found)
            report(.supervisor(.deviceAppeared("\(found)")))
            if let interface = found.netInterface { report(.supervisor(.netInterfaceAppeared(interface.name))) }
        case .modemVanished:
            device = nil
            apply(.deviceChanged(atPort: nil, netInterface: nil))
            reopenTimer.cancelAll()
            closePort(reason: "module vanished")
            report(.supervisor(.deviceVanished))
        case .netInterfaceAppeared(let found, let interface):
            // A data call that came up before udev reported its interface is finished now.
            let callWaiting = dataCall != nil && dataCall?.netInterface == nil
            updateDevice(found)
            report(.log(.info, "ECM interface \(interface) appeared"))
            report(.supervisor(.netInterfaceAppeared(interface.name)))
            if callWaiting { report(.supervisor(.bringUpFinished(interface: interface.name))) }
        case .netInterfaceVanished(let found, let interface):
            // Expected while the module reboots on our request (reset, recovery, switch to ECM).
            let rebooting = if case .rebooting = state { true } else { false }
            updateDevice(found)
            report(rebooting
                ? .log(.info, "ECM interface \(interface.name) vanished (the module is rebooting)")
                : .log(.warning, "ECM interface \(interface.name) vanished"))
            report(.supervisor(.carrierChanged(up: false)))
        }
    }

    /// The device as udev reports it now, told to the machine (its model keeps the facts).
    private func updateDevice(_ found: ModemDevice) {
        device = found
        apply(.deviceChanged(atPort: found.atPort, netInterface: found.netInterface?.name, usbnetShown: found.usbnetShown))
    }

    private func report(_ event: ModemDriverEvent) {
        emit?(event)
    }

    // MARK: The AT port

    private func openPort(of found: ModemDevice) {
        guard machine != nil else { return }
        closePort(reason: "reopening")
        do {
            port = try openSerialPort(found.atPort)
            log("modem: opened AT port \(found.atPort)")
            apply(.portOpened)
        } catch {
            log("modem: cannot open AT port \(found.atPort): \(error)")
            scheduleReopen()
        }
    }

    private func openSerialPort(_ path: String) throws(ModemIOError) -> SerialPort {
        let port = SerialPort(path: path, queue: queue)
        try port.open(
            lockDirectory: lockDirectory, log: log,
            onBytes: { [weak self] bytes in self?.apply(.received(bytes)) },
            onClose: { [weak self] reason in self?.portClosedByItself(reason) })
        return port
    }

    /// Closes the port (if open); the machine cancels what was pending.
    private func closePort(reason: String) {
        guard let port else { return }
        port.close()
        self.port = nil
        log("AT: \(port.path) closed: \(reason)")
        apply(.portClosed)
    }

    /// A fresh descriptor for the same node (the machine's `.reopenPort`: a port that never
    /// answered since it was opened).
    private func reopenPort() {
        guard let old = port else { return }
        let path = old.path
        old.close()
        port = nil
        do {
            port = try openSerialPort(path)
        } catch {
            portClosedByItself("reopening failed: \(error)")
            return
        }
        apply(.portOpened)
    }

    /// The port closed without udev saying the module left (I/O error, hang-up). If udev still
    /// lists it, reopen after a moment; if it is leaving, `modemVanished` follows.
    private func portClosedByItself(_ reason: String) {
        closePort(reason: reason)
        scheduleReopen()
    }

    private func scheduleReopen() {
        reopenTimer.start(.afterClose, after: .seconds(1)) { [weak self] _ in
            guard let self, let device = self.device, self.port == nil else { return }
            self.monitor?.rescan()
            guard let current = self.monitor?.current, current == device || current.atPort == device.atPort else { return }
            self.openPort(of: current)
        }
    }

    private func write(_ bytes: [UInt8]) {
        guard let port else { return }
        do {
            try port.write(bytes)
        } catch {
            // The port closed itself (`portClosedByItself` ran): nothing more to write.
        }
    }

    /// `bg95ctl watch` shows the line as the module sent it; the supervisor hears what it means.
    private func reportURC(_ urc: URC, line: String) {
        if trace { portLog.urcTrace("AT< URC \(urc)") }
        switch urc {
        case .ping, .gnss: break
        case .malformed(let error): report(.log(.debug, "malformed URC: \(error)"))
        case .ready, .registration, .packetDomain, .pdpDeactivated, .netDeviceStatus, .appReady, .poweredDown,
             .functionality, .sim, .usim, .indication, .unknown:
            report(.urc(line))
        }
        if let event = SupervisorEvent(urc: urc) { report(.supervisor(event)) }
    }

    // MARK: The machine

    private func apply(_ event: ModemEvent) {
        guard var machine else { return }
        let actions = machine.handle(event, now: .now)
        self.machine = machine
        perform(actions)
    }

    private func perform(_ actions: [ModemAction]) {
        for action in actions {
            switch action {
            case .write(let bytes, let command):
                if trace { log("AT> \(command)") }
                write(bytes)
            case .reopenPort:
                reopenPort()
            case .completed(let response, let ticket):
                if trace { log("AT< \(response)") }
                if let ticket { commandWaiters.removeValue(forKey: ticket)?.completion(response) }
            case .urc(let urc, let line):
                reportURC(urc, line: line)
            case .portHealth(let health):
                report(.log(health.logPriority, "AT port: \(health)"))
            case .dataCallChecked(let answer):
                finishDataCallChecks(answer)
            case .logPortInput(let line):
                portLog.portInput(line)
            case .startTimer(let timer, let after):
                startTimer(timer, after: after)
            case .cancelTimer(let timer):
                timers.cancel(timer)
            case .waitForModule(let bound):
                log("modem: waiting up to \(bound.components.seconds) s for the module to re-enumerate")
            case .log(let line):
                log(line)
            case .stateChanged(let old, let new):
                // The supervisor hears a stage once, when the bring-up enters it.
                if let stage = BringUpStage(new), stage != BringUpStage(old) {
                    report(.supervisor(.bringUpProgress(stage)))
                }
            case .finished(let call):
                guard let device else { continue }
                let info = DataCallInfo(device: device, call: call)
                // Waiters first: a recovery requested from the event handler below belongs to
                // the next bring-up, not to this one.
                finishRecoveries(.success(info))
                dataCallUp(info)
            case .addressRead(let call):
                guard let device else { continue }
                report(.addressRead(DataCallInfo(device: device, call: call)))
            case .failed(let error):
                finishRecoveries(.failure(.interrupted("bring-up failed: \(error)")))
                report(.supervisor(.bringUpFailed(BringUpFailure(error))))
            case .diagnosed(let diagnosis):
                finishDiagnoses(diagnosis)
            }
        }
    }

    /// The bring-up saw the registration even when no +CEREG URC came (already registered).
    /// The supervisor hears "finished" once udev has reported the ECM interface too.
    private func dataCallUp(_ info: DataCallInfo) {
        report(.supervisor(.registrationChanged(info.call.registration)))
        if let interface = info.netInterface {
            report(.supervisor(.bringUpFinished(interface: interface.name)))
        } else {
            report(.log(.info, "data call up; waiting for the ECM interface to appear"))
        }
    }

    private func startTimer(_ id: ModemTimer, after: Duration) {
        // The link's response deadlines are short (2 s probes): keep them tight.
        let leeway: DispatchTimeInterval = if case .link = id { .milliseconds(1) } else { .milliseconds(10) }
        timers.start(id, after: after, leeway: leeway) { [weak self] id in self?.apply(.timerFired(id)) }
    }
}

/// Why `ModemController.start` refused to start.
public enum ModemStartError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(BringUpError)
    /// A file the configuration names (`pin_file`) cannot be used; the text names the file and
    /// the reason, never its content.
    case unusableFile(String)
    case io(ModemIOError)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .unusableFile(let reason): return reason
        case .io(let error): return error.description
        }
    }
}

extension ATLinkMachine.Health {
    /// Opening, answering and closing happen at every start and stop: info. Only a port that
    /// needs resynchronising (a timeout, garbage) or stopped answering is worth a warning.
    public var logPriority: LogPriority {
        switch self {
        case .closed, .synchronising, .ready: return .info
        case .resynchronising, .stalled: return .warning
        }
    }
}
