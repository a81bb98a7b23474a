#if canImport(Glibc)
import Glibc
#endif
import ATProtocol
import Dispatch
import BG95Control
import BG95System
import Modem
import ModemIO
import Supervisor
import BG95Config
import BG95Core

/// The real `ModemDriver`: `ModemIO.ModemController` translated into supervisor events.
///
/// The controller runs discovery and, whenever a module appears, the bring-up by itself; this
/// adapter reports its progress as `bringUpProgress`, its data call as `bringUpFinished` (once
/// the ECM interface is known), its failures as hard (needs an operator) or retryable, and the
/// URCs the supervisor acts on. Secrets (PIN, password) stay inside the bring-up configuration.
public final class ModemControllerDriver: ModemDriver {
    private let configuration: DaemonConfiguration
    private let log: DaemonLogger
    private var controller: ModemController?
    private var emit: ((ModemDriverEvent) -> Void)?
    /// The data call is up but udev has not yet reported the ECM interface.
    private var dataCallWaitingForInterface = false
    private var lastStage: BringUpStage?

    private let queue: DispatchQueue

    /// `queue` is the daemon's: the controller runs on it and every method is called on it.
    public init(configuration: DaemonConfiguration, log: DaemonLogger, queue: DispatchQueue) {
        self.configuration = configuration
        self.log = log
        self.queue = queue
    }

    public func start(emit: @escaping (ModemDriverEvent) -> Void) throws(DaemonError) {
        guard controller == nil else { return }
        self.emit = emit
        let bringUp = try bringUpConfiguration()
        let discovery = UdevMonitor.Configuration(
            usbPath: configuration.usbPath.isEmpty ? nil : configuration.usbPath,
            serial: configuration.usbSerial.isEmpty ? nil : configuration.usbSerial
        )
        let controller = ModemController(
            queue: queue,
            log: { [log] line in log.debug("modem: \(line)") },
            onEvent: { [weak self] event in self?.onEvent(event) }
        )
        // Set before starting: the controller reports a present module from inside `start`.
        self.controller = controller
        do {
            try controller.start(ModemController.Configuration(bringUp: bringUp, discovery: discovery))
        } catch {
            self.controller = nil
            throw .configuration(error.description)
        }
    }

    public func stop() {
        controller?.stop()
        controller = nil
        dataCallWaitingForInterface = false
        lastStage = nil
    }

    public func bringUp() {
        guard let controller else { return }
        switch controller.state {
        case .failed(let error) where error.needsOperator:
            // An operator fixed something (PIN file, SIM, configuration) and said `up`: start
            // over with the configuration read again instead of repeating the refused values.
            guard let emit else { return }
            send(.log(.notice, "restarting the modem layer with the configuration read again"))
            stop()
            do {
                try start(emit: emit)
            } catch {
                send(.supervisor(.bringUpFailed(.hard(error.description))))
            }
        case .failed, .up, .stopped:
            controller.restartBringUp()
        case .waitingForModule, .identifying, .configuringURCPort, .checkingUSBNet, .rebooting, .unlockingSIM,
             .configuringRadio, .configuringContext, .registering, .attaching, .activating:
            break  // running (or starting when the module appears)
        }
    }

    public func perform(_ rung: RecoveryRung, completion: @escaping (Result<String, DaemonError>) -> Void) {
        guard let controller else { return completion(.failure(.system("the modem controller is stopped"))) }
        let done: (Result<DataCallInfo, ModemCommandError>) -> Void = { result in
            switch result {
            case .success(let info): completion(.success("data call up (\(info.call.method.rawValue))"))
            case .failure(let error): completion(.failure(.system(error.description)))
            }
        }
        switch rung {
        case .restartDataCall: controller.restartDataCall(completion: done)
        case .radioCycle: controller.cycleRadio(completion: done)
        case .rebootModule, .waitForDevice: controller.rebootModule(completion: done)
        case .renewDHCP: completion(.success("nothing to do on the module"))
        }
    }

    public func endDataCall() {
        controller?.endDataCall()
    }

    public var module: ModuleModel? { controller?.module }

    public func queryRegistration(completion: @escaping (RegistrationStatus?, Int?) -> Void) {
        guard let controller else { return completion(nil, nil) }
        controller.queryRegistration { result in
            switch result {
            case .success(let reply):
                completion(reply.info.status, reply.info.rejectCause?.cause)
            case .failure:
                completion(nil, nil)
            }
        }
    }

    /// Up when the data call's context (no data call known: any context) is active and, for a
    /// data call made with `AT+QNETDEVCTL`, its net device is still connected: a context can
    /// stay active with the ECM binding gone, and then no traffic flows.
    public func queryDataCall(completion: @escaping (Bool?) -> Void) {
        guard let controller else { return completion(nil) }
        let call = controller.dataCall?.call
        controller.queryContextActivation { [weak controller] result in
            guard case .success(let contexts) = result else { return completion(nil) }
            let active = contexts.contains { $0.isActive && (call == nil || $0.cid == call?.contextID) }
            guard active, let call, call.method == .qnetdevctl, let controller else { return completion(active) }
            controller.queryNetDeviceControl { result in
                switch result {
                case .success(let states?):
                    completion(states.contains { $0.cid == call.contextID && $0.isConnected })
                case .success(nil):
                    completion(active)  // the firmware answers no QNETDEVCTL now: the context decides
                case .failure:
                    completion(nil)
                }
            }
        }
    }

    public func diagnose(pingTarget: String?, completion: @escaping (Diagnosis) -> Void) {
        guard let controller else { return completion(Diagnosis()) }
        controller.diagnose(pingHost: pingTarget) { found in
            var diagnosis = Diagnosis()
            diagnosis.registration = found.registration.map { $0.status }
            diagnosis.pdpActive = found.activeContexts.map { $0.contains(controller.dataCall?.call.contextID ?? 1) }
            diagnosis.netDeviceConnected = found.netDeviceConnected
            if found.ping != nil || found.pingError != nil {
                diagnosis.modulePingSucceeded = (found.ping?.received ?? 0) > 0
            }
            completion(diagnosis)
        }
    }

    public func passthrough(_ command: String, timeout: Int?,
                            completion: @escaping (Result<ATPassthroughResult, ControlFailure>) -> Void)
    {
        guard let controller else { return completion(.failure(ControlFailure(.notAvailable, "no module is connected"))) }
        controller.sendRaw(command) { result in
            switch result {
            case .success(let response):
                completion(.success(ATPassthroughResult(command: command, lines: response.lines, final: "\(response.result)")))
            case .failure(.invalidCommand(let error)):
                completion(.failure(ControlFailure(.invalidArgument, "\(error)")))
            case .failure(.noModule):
                completion(.failure(ControlFailure(.notAvailable, "no module is connected")))
            case .failure(let error):
                completion(.failure(ControlFailure(.failed, error.description)))
            }
        }
    }

    /// Maps the module model onto the status (the model is the one source; nothing is cached here).
    public func fill(_ snapshot: inout StatusSnapshot) {
        guard let controller else { return }
        let model = controller.module
        if let device = controller.device {
            var module = StatusSnapshot.Module(
                model: model.model?.value, firmware: model.firmware?.value ?? controller.firmware,
                imei: model.imei?.value, atPort: device.atPort)
            module.iccidMasked = model.iccid.map { StatusSnapshot.maskICCID($0.value) }
            module.usbnet = model.usbnet?.value.rawValue ?? (device.netInterface != nil ? "ecm" : nil)
            snapshot.module = module
        }
        if let sim = model.sim { snapshot.sim = sim.value.rawValue } else if let error = model.simError { snapshot.sim = error.value }
        if let selection = model.operatorSelection?.value { snapshot.operator = selection.operatorName }
        if case .serving(let network)? = model.networkInfo?.value {
            snapshot.plmn = network.operatorCode
            snapshot.rat = network.accessTechnology
            snapshot.band = network.band
        }
        switch model.servingSignal?.value {
        case .catM1(let lte)?, .nbIoT(let lte)?:
            snapshot.signal = StatusSnapshot.Signal(rsrp: Double(lte.rsrp), rsrq: Double(lte.rsrq),
                                                    sinr: lte.sinrDecibels, rssi: Double(lte.rssi))
        case .gsm(let rssi)?:
            snapshot.signal = StatusSnapshot.Signal(rssi: Double(rssi))
        case .noService?, nil:
            break
        }
        if let registration = model.registration?.value, registration.status == .denied,
           let cause = registration.rejectCause ?? model.lastRejectCause?.value {
            snapshot.registrationCause = cause.cause
        }
        switch model.dataCall?.value {
        case .up(let call)?:
            snapshot.dataCall = StatusSnapshot.DataCall(state: "active", cid: call.contextID, apn: call.apn,
                                                        pdnAddress: call.addresses.first)
        case .down?, .lost?, nil:
            if controller.device != nil { snapshot.dataCall = StatusSnapshot.DataCall(state: "inactive") }
        }
    }

    // MARK: - Events

    private func onEvent(_ event: ModemEvent) {
        switch event {
        case .discovery(let discovery):
            onDiscovery(discovery)
        case .portHealth(let health):
            send(.log(Self.priority(of: health), "AT port: \(health)"))
        case .stateChanged(let state):
            onBringUpState(state)
        case .dataCallUp(let info):
            // The bring-up saw the registration even when no +CEREG URC came (already registered).
            send(.supervisor(.registrationChanged(info.call.registration)))
            if let interface = info.netInterface {
                dataCallWaitingForInterface = false
                send(.supervisor(.bringUpFinished(interface: interface.name)))
            } else {
                dataCallWaitingForInterface = true
                send(.log(.info, "data call up; waiting for the ECM interface to appear"))
            }
        case .failed(let error):
            dataCallWaitingForInterface = false
            if case .registrationDenied(let cause) = error {
                send(.supervisor(.bringUpFailed(.rejected(cause: cause))))
            } else if error.needsOperator {
                send(.supervisor(.bringUpFailed(.hard(error.description))))
            } else {
                send(.supervisor(.bringUpFailed(.retryable(error.description))))
            }
        case .urc(let urc, let line):
            onURC(urc, line: line)
        }
    }

    /// Opening, answering and closing happen at every start and stop: info. Only a port that
    /// needs resynchronising (a timeout, garbage) or stopped answering is worth a warning.
    static func priority(of health: ATChannel.Health) -> LogPriority {
        switch health {
        case .closed, .synchronising, .ready: return .info
        case .resynchronising, .stalled: return .warning
        }
    }

    private func onDiscovery(_ event: DiscoveryEvent) {
        switch event {
        case .ready:
            send(.log(.info, "udev monitor ready"))
        case .modemAppeared(let device):
            lastStage = nil
            send(.supervisor(.deviceAppeared("\(device)")))
            if let interface = device.netInterface { send(.supervisor(.netInterfaceAppeared(interface.name))) }
        case .modemVanished:
            dataCallWaitingForInterface = false
            lastStage = nil
            send(.supervisor(.deviceVanished))
        case .netInterfaceAppeared(_, let interface):
            send(.log(.info, "ECM interface \(interface) appeared"))
            send(.supervisor(.netInterfaceAppeared(interface.name)))
            if dataCallWaitingForInterface {
                dataCallWaitingForInterface = false
                send(.supervisor(.bringUpFinished(interface: interface.name)))
            }
        case .netInterfaceVanished(_, let interface):
            send(.log(.warning, "ECM interface \(interface.name) vanished"))
            send(.supervisor(.carrierChanged(up: false)))
        case .problem(let problem):
            send(.log(.error, problem.description))
        }
    }

    private func onBringUpState(_ state: BringUpState) {
        let stage: BringUpStage?
        switch state {
        case .identifying, .configuringURCPort, .checkingUSBNet, .rebooting, .unlockingSIM, .configuringRadio,
             .configuringContext:
            stage = .configuring
        case .registering: stage = .registering
        case .attaching, .activating: stage = .startingDataCall
        case .waitingForModule, .up, .failed, .stopped: stage = nil
        }
        send(.log(.debug, "bring-up: \(state)"))
        if let stage, stage != lastStage {
            lastStage = stage
            send(.supervisor(.bringUpProgress(stage)))
        }
        if case .up = state { lastStage = nil }
    }

    /// `bg95ctl watch` shows the line as the module sent it; the supervisor gets what it means.
    private func onURC(_ urc: URC, line: String) {
        switch urc {
        case .ping, .gnss, .malformed: break
        case .ready, .registration, .packetDomain, .pdpDeactivated, .netDeviceStatus, .appReady, .poweredDown,
             .functionality, .sim, .usim, .indication, .unknown:
            send(.urc(line))
        }
        switch urc {
        case .ready:
            send(.supervisor(.moduleRestarted))
        case .registration(let info):
            send(.supervisor(.registrationChanged(info.status,
                                                  rejectCause: info.rejectCause?.cause)))
        case .packetDomain(let event):
            switch event {
            case .networkDeactivated, .moduleDeactivated:
                send(.supervisor(.pdpDeactivated("+CGEV: \(event)")))
            case .networkDetach, .moduleDetach:
                send(.supervisor(.networkDetached))
            case .activated, .other:
                break
            }
        case .pdpDeactivated(let cid):
            send(.supervisor(.pdpDeactivated("+QIURC: \"pdpdeact\",\(cid)")))
        case .netDeviceStatus(let status):
            send(.supervisor(.netDeviceStatus(connected: status.isConnected)))
        case .sim(let state):
            if state == .ready { send(.supervisor(.simReady)) }
        case .appReady, .poweredDown, .functionality, .usim, .indication, .ping, .gnss, .unknown:
            break
        case .malformed(let error): send(.log(.debug, "malformed URC: \(error)"))
        }
    }

    private func send(_ event: ModemDriverEvent) {
        emit?(event)
    }

    // MARK: - Configuration

    private func bringUpConfiguration() throws(DaemonError) -> BringUpConfiguration {
        let pinFromFile = try configuration.pin == nil ? configuration.pinFile.map(Self.readPIN) : nil
        var bringUp = configuration.bringUpConfiguration(pinFromFile: pinFromFile)
        bringUp.surveyAfterDataCall = true
        bringUp.surveyInterval = configuration.moduleSurveyInterval
        return bringUp
    }

    /// The first line of the PIN file. Errors name the file, never its content.
    private static func readPIN(_ path: String) throws(DaemonError) -> String {
        let line: String?
        do {
            line = try TextFile.firstLine(path)
        } catch {
            throw .configuration("pin_file \(path): \(String(cString: strerror(error.code)))")
        }
        guard let pin = line else { throw .configuration("pin_file \(path): \(String(cString: strerror(ENOENT)))") }
        guard !pin.isEmpty else { throw .configuration("pin_file \(path) is empty") }
        guard (4...8).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .configuration("pin_file \(path) does not hold a 4-8 digit PIN")
        }
        return pin
    }
}
