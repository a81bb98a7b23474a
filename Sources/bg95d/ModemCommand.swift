import ArgumentParser
import ATProtocol
import Dispatch
import FoundationEssentials
import Modem
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
struct ModemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modem",
        abstract: "Find the module, bring it up to an active data call, print what was found as JSON."
    )

    @Option(help: "Access point name (empty: the network's default).")
    var apn: String = ""

    @Option(name: .customLong("pdp-type"), help: "PDP type: ip, ipv6 or ipv4v6.")
    var pdpType: String = "ip"

    @Option(help: "PDP context id (1-15).")
    var cid: Int = 1

    @Option(help: "APN user name (AT+QICSGP).")
    var user: String?

    @Option(name: .customLong("password-file"), help: "File holding the APN password.")
    var passwordFile: String?

    @Option(help: "APN authentication: none, pap, chap or pap-or-chap.")
    var auth: String?

    @Option(name: .customLong("pin-file"), help: "File holding the SIM PIN (entered once when the SIM asks).")
    var pinFile: String?

    @Option(help: "Radio: emtc, nbiot or both (written only when the module differs).")
    var iot: String?

    @Option(name: .customLong("scan-mode"), help: "Network scan mode: auto, gsm or lte (written only when it differs).")
    var scanMode: String?

    @Option(name: .customLong("usb-path"), help: "Use the module at this USB bus path (e.g. 1-1) when several are present.")
    var usbPath: String?

    @Option(help: "Use the module with this USB serial number when several are present.")
    var serial: String?

    @Option(name: .customLong("registration-timeout"), help: "Seconds to wait for network registration.")
    var registrationTimeout: Int = 180

    @Option(name: .customLong("reboot-timeout"), help: "Seconds a module reboot (switch to ECM) may take.")
    var rebootTimeout: Int = 60

    @Option(help: "Give up after this many seconds overall.")
    var timeout: Int = 300

    @Option(name: .customLong("lock-dir"), help: "Directory for the AT port's lock file.")
    var lockDir: String = "/run/lock"

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "Log every AT line written and read (PIN and password redacted).")
    var verbose = false

    @Flag(help: "Only list the module udev finds, then exit.")
    var list = false

    func validate() throws {
        _ = try bringUpConfiguration()
        guard timeout > 0, registrationTimeout > 0, rebootTimeout > 0 else {
            throw ValidationError("timeouts must be positive")
        }
    }

    func run() throws {
        let configuration = try bringUpConfiguration()
        var options = ATChannel.Options()
        options.trace = verbose
        options.lockDirectory = lockDir
        let controllerConfiguration = ModemController.Configuration(
            bringUp: configuration, discovery: UdevMonitor.Configuration(usbPath: usbPath, serial: serial),
            channel: options)
        let queue = DispatchQueue(label: "bg95d.modem")
        let runner = ModemRun(queue: queue, json: json, list: list)
        queue.async {
            runner.start(controllerConfiguration)
        }
        queue.asyncAfter(deadline: .now() + .seconds(timeout)) {
            runner.finish(status: 1, message: "gave up after \(timeout) s (state: \(runner.controller?.state.description ?? "not started"))")
        }
        dispatchMain()
    }

    private func bringUpConfiguration() throws -> BringUpConfiguration {
        var configuration = BringUpConfiguration(apn: apn)
        switch pdpType.lowercased() {
        case "ip", "ipv4": configuration.pdpType = .ipv4
        case "ipv6": configuration.pdpType = .ipv6
        case "ipv4v6": configuration.pdpType = .ipv4v6
        default: throw ValidationError("--pdp-type must be ip, ipv6 or ipv4v6")
        }
        guard (1...15).contains(cid) else { throw ValidationError("--cid must be 1-15") }
        configuration.contextID = cid
        configuration.username = user
        if let passwordFile { configuration.password = try Self.secret(from: passwordFile, what: "password") }
        if let auth {
            switch auth.lowercased() {
            case "none": configuration.authentication = .none
            case "pap": configuration.authentication = .pap
            case "chap": configuration.authentication = .chap
            case "pap-or-chap": configuration.authentication = .papOrChap
            default: throw ValidationError("--auth must be none, pap, chap or pap-or-chap")
            }
        } else if user != nil || passwordFile != nil {
            configuration.authentication = .papOrChap
        }
        if let pinFile { configuration.pin = try Self.secret(from: pinFile, what: "PIN") }
        if let iot {
            switch iot.lowercased() {
            case "emtc", "catm1", "cat-m1": configuration.iotMode = .catM1
            case "nbiot", "nb-iot": configuration.iotMode = .nbIoT
            case "both": configuration.iotMode = .catM1AndNBIoT
            default: throw ValidationError("--iot must be emtc, nbiot or both")
            }
        }
        if let scanMode {
            switch scanMode.lowercased() {
            case "auto": configuration.scanMode = .automatic
            case "gsm": configuration.scanMode = .gsmOnly
            case "lte": configuration.scanMode = .lteOnly
            default: throw ValidationError("--scan-mode must be auto, gsm or lte")
            }
        }
        configuration.registrationTimeout = .seconds(registrationTimeout)
        configuration.rebootTimeout = .seconds(rebootTimeout)
        do {
            _ = try BringUpMachine(configuration: configuration)
        } catch {
            throw ValidationError(error.description)
        }
        return configuration
    }

    /// The first line of a secret file, without surrounding whitespace. Never echoed.
    private static func secret(from path: String, what: String) throws -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else {
            throw ValidationError("cannot read the \(what) file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
        return String(line.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

/// The event loop side of `bg95d modem`: owns the controller on the queue and decides when
/// to exit.
final class ModemRun: @unchecked Sendable {
    let queue: DispatchQueue
    let json: Bool
    let list: Bool
    var controller: ModemController?
    private var finished = false
    private var waitingForInterface: DataCallInfo?

    init(queue: DispatchQueue, json: Bool, list: Bool) {
        self.queue = queue
        self.json = json
        self.list = list
    }

    func start(_ configuration: ModemController.Configuration) {
        let controller = ModemController(queue: queue, log: { Self.stderr($0) }) { [weak self] event in
            self?.handle(event)
        }
        self.controller = controller
        do {
            try controller.start(configuration)
        } catch {
            finish(status: 2, message: error.description)
        }
    }

    private func handle(_ event: ModemEvent) {
        switch event {
        case .discovery(.ready):
            Self.stderr("modem: udev monitor ready")
            if list {
                if let device = controller?.device { print(device.description) } else { print("no module found") }
                finish(status: controller?.device == nil ? 1 : 0, message: nil)
            } else if controller?.device == nil {
                Self.stderr("modem: no module yet; waiting for one to appear")
            }
        case .discovery(.problem(let problem)):
            finish(status: 2, message: problem.description)
        case .discovery(.netInterfaceAppeared(let device, _)):
            if var info = waitingForInterface {
                info.device = device
                report(info)
            }
        case .discovery:
            break
        case .portHealth(let health):
            Self.stderr("modem: AT port \(health)")
        case .stateChanged:
            break
        case .dataCallUp(let info):
            if info.netInterface != nil {
                report(info)
            } else {
                Self.stderr("modem: data call up; waiting for udev to report the ECM interface")
                waitingForInterface = info
                queue.asyncAfter(deadline: .now() + .seconds(20)) { [weak self] in
                    self?.finish(status: 1, message: "data call up but no ECM (cdc_ether) interface appeared within 20 s")
                }
            }
        case .failed(let error):
            finish(status: error.needsOperator ? 2 : 1, message: error.description)
        case .urc:
            break
        }
    }

    private func report(_ info: DataCallInfo) {
        let result = ModemResult(info, firmware: info.call.firmware)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(result) {
                print(String(decoding: data, as: UTF8.self))
            }
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
struct ModemResult: Codable {
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
