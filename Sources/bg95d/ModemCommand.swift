import ATProtocol
import BG95CommandLine
import BG95Config
import BG95Control
import BG95System
import Dispatch
import Modem
import Supervisor
import BG95Core
import ModemIO
#if canImport(Glibc)
import Glibc
#endif

/// `bg95d modem`: run only discovery and the module bring-up, up to "data call up".
///
/// Prints progress (one line per step) to stderr and, on success, what was found on stdout
/// (JSON with `--json`). Exit status: 0 data call up with the ECM interface known; 1 failure
/// worth retrying (timeout, registration, module gone); 2 needs an operator (SIM, PIN,
/// configuration, serial driver not bound).
struct ModemCommand: CommandLineCommand {
    static let name = "modem"
    static let abstract = "Find the module, bring it up to an active data call, print what was found as JSON."

    static var table: [CommandLineArgument<Self>] { [
        .option("apn", help: "Access point name (key apn; empty: leave the module's context as it is).", \.apn),
        .option("pdp-type", help: "PDP type: ip, ipv6 or ipv4v6 (key pdp_type).", \.pdpType),
        .option("cid", help: "PDP context id (1-15).", \.cid),
        .option("user", help: "APN user name (key username).", \.user),
        .option("password-file", help: "File holding the APN password.", \.passwordFile),
        .option("auth", help: "APN authentication (key auth): none, pap, chap or either (`pap-or-chap` is the old spelling of either).", \.auth),
        .option("pin-file", help: "File holding the SIM PIN (key pin_file; entered once when the SIM asks).", \.pinFile),
        .option("iot", help: "Radio (key iot_mode): emtc, nbiot or both (written only when the module differs).", \.iot),
        .option("scan-mode", help: "Network scan mode: auto, gsm or lte (written only when it differs).", \.scanMode),
        .option("usb-path", help: "Use the module at this USB bus path (e.g. 1-1) when several are present.", \.usbPath),
        .option("serial", help: "Use the module with this USB serial number when several are present.", \.serial),
        .option("registration-timeout", help: "Seconds to wait for network registration (key registration_timeout).", \.registrationTimeout),
        .option("reboot-timeout", help: "Seconds a module reboot (switch to ECM) may take.", \.rebootTimeout),
        .option("timeout", help: "Give up after this many seconds overall.", \.timeout),
        .option("lock-dir", help: "Directory for the AT port's lock file.", \.lockDir),
        .option("max-command-timeout", help: "Cap every AT command's timeout at this many seconds (for simulators running faster than real time).",
                hidden: true, \.maxCommandTimeout),
        .option("serial-driver-grace", help: "Seconds a module may lack its AT tty before \"serial driver not bound\" is reported.",
                hidden: true, \.serialDriverGrace),
        .flag("json", help: "Print the result as JSON.", \.json),
        .flag("verbose", help: "Log every AT line written and read (PIN and password redacted).", \.verbose),
        .flag("list", help: "Only list the module udev finds, then exit.", \.list),
        .option("recover", help: "Once the data call is up, run this recovery (restart-data-call, radio-cycle, reboot) and wait until it is up again.", \.recover),
        .flag("diagnose", help: "Once the data call is up, ask the module (CEREG?, CGACT?, QNETDEVCTL?) and include the answers.", \.diagnose),
        .option("ping", help: "Once the data call is up, ping this host from the module's own stack (AT+QPING).", \.ping),
    ] + ConfigurationOptions.table.map { $0.lifted(\.file) } }

    var file = ConfigurationOptions()
    var apn: String?
    var pdpType: String?
    var cid: Int = 1
    var user: String?
    var passwordFile: String?
    var auth: String?
    var pinFile: String?
    var iot: String?
    var scanMode: String?
    var usbPath: String?
    var serial: String?
    var registrationTimeout: Int?
    var rebootTimeout: Int = 60
    var timeout: Int = 300
    var lockDir: String = "/run/lock"
    var maxCommandTimeout: Int?
    var serialDriverGrace: Int = 5
    var json = false
    var verbose = false
    var list = false
    var recover: ModemRun.Recovery?
    var diagnose = false
    var ping: String?

    func validate() throws {
        _ = try modemConfiguration()
        guard timeout > 0, registrationTimeout ?? 1 > 0, rebootTimeout > 0 else {
            throw ValidationError("timeouts must be positive")
        }
    }

    func run() throws {
        var configuration = try modemConfiguration()
        if let maxCommandTimeout { configuration.link.maximumCommandTimeout = .seconds(max(1, maxCommandTimeout)) }
        var controllerConfiguration = ModemController.Configuration(
            machine: configuration,
            discovery: UdevMonitor.Configuration(usbPath: usbPath, serial: serial, serialDriverGrace: .seconds(max(1, serialDriverGrace))))
        controllerConfiguration.trace = verbose
        controllerConfiguration.lockDirectory = lockDir
        let queue = DispatchQueue(label: "bg95d.modem")
        let startConfiguration = controllerConfiguration
        let runner = ModemRun(queue: queue, json: json, list: list, recovery: recover, diagnose: diagnose, pingHost: ping)
        queue.async {
            runner.start { () throws(ModemStartError) in startConfiguration }
        }
        queue.asyncAfter(deadline: .now() + .seconds(timeout)) {
            runner.finish(status: 1, message: "gave up after \(timeout) s (state: \(runner.controller?.state.description ?? "not started"))")
        }
        dispatchMain()
    }

    /// The daemon's configuration (file, `--set`, and the named options as their keys), mapped
    /// onto the bring-up by the same function `bg95d run` uses; `--cid` and `--scan-mode` are
    /// this debug command's own extras.
    private func modemConfiguration() throws -> ModemConfiguration {
        let spelledAuth = auth.map { $0.lowercased() == "pap-or-chap" ? "either" : $0 }
        var named: [(key: String, value: String?)] = [
            ("apn", apn), ("pdp_type", pdpType), ("username", user), ("auth", spelledAuth),
            ("pin_file", pinFile), ("iot_mode", iot), ("usb_path", usbPath), ("usb_serial", serial),
            ("registration_timeout", registrationTimeout.map(String.init)),
        ]
        if let passwordFile { named.append(("password", try Self.secret(from: passwordFile, what: "password"))) }
        var daemon: DaemonConfiguration
        do {
            daemon = try file.load(named: named)
            // Credentials given here without a method: either, as the module's default would be.
            if spelledAuth == nil, user != nil || passwordFile != nil, daemon.auth == .none {
                daemon = try ConfigurationParser.applyOverrides([("auth", "either")], to: daemon)
            }
        } catch let refusal as ConfigurationRefusal {
            throw ValidationError(refusal.message)
        } catch {
            throw ValidationError("bad configuration: \(error)")
        }
        let pinFromFile = try daemon.pin == nil ? daemon.pinFile.map { try Self.secret(from: $0, what: "PIN") } : nil
        var configuration = daemon.modemConfiguration(pinFromFile: pinFromFile)
        guard (1...15).contains(cid) else { throw ValidationError("--cid must be 1-15") }
        configuration.contextID = cid
        if let scanMode {
            switch scanMode.lowercased() {
            case "auto": configuration.scanMode = .automatic
            case "gsm": configuration.scanMode = .gsmOnly
            case "lte": configuration.scanMode = .lteOnly
            default: throw ValidationError("--scan-mode must be auto, gsm or lte")
            }
        }
        configuration.rebootTimeout = .seconds(rebootTimeout)
        do {
            _ = try ModemMachine(configuration: configuration)
        } catch {
            throw ValidationError(error.description)
        }
        return configuration
    }

    /// The first line of a secret file, without surrounding whitespace. Never echoed.
    private static func secret(from path: String, what: String) throws -> String {
        guard let line = try? TextFile.firstLine(path) else {
            throw ValidationError("cannot read the \(what) file \(path)")
        }
        return line
    }
}

/// The event loop side of `bg95d modem`: runs the daemon's own `ModemController` on the queue,
/// hears what the supervisor would hear, and decides when to exit. Once the data call is up
/// with its ECM interface it optionally runs one recovery step (the supervisor's rung) and the
/// diagnosis queries, then reports.
final class ModemRun: @unchecked Sendable {
    enum Recovery: String, CaseIterable, CommandLineValue {
        case restartDataCall = "restart-data-call"
        case radioCycle = "radio-cycle"
        case reboot

        init?(commandLineValue text: String) { self.init(rawValue: text) }

        var rung: RecoveryRung {
            switch self {
            case .restartDataCall: return .restartDataCall
            case .radioCycle: return .radioCycle
            case .reboot: return .rebootModule
            }
        }
    }

    /// Where the run is; the report follows the first data call, or the one after the recovery.
    private enum Phase {
        case waitingForDataCall
        case recovering
        case reporting
    }

    let queue: DispatchQueue
    let json: Bool
    let list: Bool
    let recovery: Recovery?
    let diagnose: Bool
    let pingHost: String?
    var controller: ModemController?
    private var finished = false
    private var phase = Phase.waitingForDataCall
    /// The data call is up and its ECM interface known; its address is being read.
    private var awaitingAddress = false

    init(queue: DispatchQueue, json: Bool, list: Bool, recovery: Recovery?, diagnose: Bool, pingHost: String?) {
        self.queue = queue
        self.json = json
        self.list = list
        self.recovery = recovery
        self.diagnose = diagnose
        self.pingHost = pingHost
    }

    func start(_ configure: @escaping () throws(ModemStartError) -> ModemController.Configuration) {
        let controller = ModemController(queue: queue, log: { Self.stderr($0) }, configure: configure)
        self.controller = controller
        do {
            try controller.start { [weak self] event in self?.handle(event) }
        } catch {
            finish(status: 2, message: error.description)
        }
    }

    private func handle(_ event: ModemDriverEvent) {
        switch event {
        case .discoveryReady:
            Self.stderr("modem: udev monitor ready")
            if list {
                if let device = controller?.device { print(device.description) } else { print("no module found") }
                finish(status: controller?.device == nil ? 1 : 0, message: nil)
            } else if controller?.device == nil {
                Self.stderr("modem: no module yet; waiting for one to appear")
            }
        case .discoveryProblem(let problem):
            finish(status: 2, message: problem)
        case .log(let priority, let line):
            if priority <= .info { Self.stderr("modem: \(line)") }
        case .supervisor(.bringUpFinished):
            guard let info = controller?.dataCall else { return }
            // The call is reported up before its PDP address is read: the report names it.
            if info.call.addresses.isEmpty {
                awaitingAddress = true
                return
            }
            dataCallReady(info)
        case .addressRead(let info):
            guard awaitingAddress else { return }
            awaitingAddress = false
            dataCallReady(info)
        case .supervisor(.bringUpFailed(let failure)):
            switch failure {
            case .hard(let reason): finish(status: 2, message: reason)
            case .rejected(let cause): finish(status: 1, message: "registration denied\(cause.map { " (EMM cause \($0))" } ?? "")")
            case .retryable(let reason): finish(status: 1, message: reason)
            }
        case .supervisor, .urc:
            break
        }
    }

    private func dataCallReady(_ info: DataCallInfo) {
        guard let controller else { return }
        switch phase {
        case .waitingForDataCall:
            guard let recovery else {
                phase = .reporting
                diagnoseThenReport(info)
                return
            }
            phase = .recovering
            Self.stderr("modem: data call up; now exercising recovery \(recovery.rawValue)")
            controller.perform(recovery.rung) { [weak self] result in
                switch result {
                case .success:
                    // The report follows when the interface is known again (bringUpFinished).
                    Self.stderr("modem: recovery \(recovery.rawValue) finished: data call up again")
                case .failure(let error):
                    self?.finish(status: 1, message: "recovery \(recovery.rawValue) failed: \(error)")
                }
            }
        case .recovering:
            phase = .reporting
            diagnoseThenReport(info)
        case .reporting:
            break
        }
    }

    private func diagnoseThenReport(_ info: DataCallInfo) {
        var result = ModemResult(info, firmware: info.call.firmware)
        if recovery != nil { result.recovered = recovery?.rawValue }
        guard diagnose || pingHost != nil, let controller else {
            report(result)
            return
        }
        // The daemon's own diagnosis (a state of the modem machine), not a second wiring of it.
        controller.diagnose(pingHost: pingHost, pingCount: 2) { [weak self] found in
            var diagnosis = ModemResult.Diagnosis()
            diagnosis.registration = found.registration?.status.rawValue
            diagnosis.activeContexts = found.activeContexts
            diagnosis.netDeviceConnected = found.netDeviceConnected
            diagnosis.pingSent = found.ping?.sent
            diagnosis.pingReceived = found.ping?.received
            diagnosis.pingError = found.pingError
            result.diagnosis = diagnosis
            self?.report(result)
        }
    }

    private func report(_ result: ModemResult) {
        if json {
            print(String(decoding: ControlJSON.encode(result), as: UTF8.self))
        } else {
            print("module \(result.device) (usb \(result.usbPath)), AT port \(result.atPort), "
                + "ECM interface \(result.netInterface ?? "none"), firmware \(result.firmware ?? "unknown"), "
                + "data call \(result.profile), address \(result.address ?? "none")")
        }
        finish(status: 0, message: nil)
    }

    func finish(status: Int32, message: String?) {
        guard !finished else { return }
        finished = true
        if let message { Self.stderr("bg95d modem: \(message)") }
        controller?.stop()
        exit(status)
    }

    static func stderr(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}

/// The JSON `bg95d modem --json` prints (stable keys; see README, section modem).
struct ModemResult: Encodable {
    var device: String
    var usbPath: String
    var vendorID: String
    var productID: String
    var serial: String?
    var atPort: String
    var netInterface: String?
    var netInterfaceIndex: Int32?
    var firmware: String?
    var model: String?
    var profile: String
    var apn: String
    var contextID: Int
    var address: String?
    var addresses: [String]
    var registration: String
    /// The recovery exercised with `--recover`, when it brought the data call back.
    var recovered: String?
    /// With `--diagnose`/`--ping`: what the module says after the bring-up.
    var diagnosis: Diagnosis?

    struct Diagnosis: Encodable {
        /// `<stat>` of `AT+CEREG?`.
        var registration: Int?
        /// Context ids `AT+CGACT?` reports active.
        var activeContexts: [Int]?
        /// `AT+QNETDEVCTL?` connected; null on firmware without QNETDEVCTL.
        var netDeviceConnected: Bool?
        var pingSent: Int?
        var pingReceived: Int?
        var pingError: String?
    }

    init(_ info: DataCallInfo, firmware: String?) {
        device = info.device.syspath
        usbPath = info.device.usbPath
        vendorID = info.device.vendorID
        productID = info.device.productID
        serial = info.device.serial
        atPort = info.device.atPort
        netInterface = info.netInterface?.name
        netInterfaceIndex = info.netInterface?.index
        self.firmware = firmware
        model = info.call.model
        profile = info.call.method.rawValue
        apn = info.call.apn
        contextID = info.call.contextID
        addresses = info.call.addresses
        address = info.call.addresses.first
        registration = info.call.registration == .roaming ? "roaming" : "home"
    }
}
