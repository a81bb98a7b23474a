import BG95CommandLine
import BG95Config
import BG95Daemon
import BG95System
import Dispatch
import ModemIO
import Supervisor
#if canImport(Glibc)
import Glibc
#endif

/// `bg95d run` (the default): discover the module and keep it online.
struct RunCommand: CommandLineCommand {
    static let name = "run"
    static let abstract = "Run the daemon: discover the module, bring the data link online and supervise it."
    static let discussion = """
        Reads the configuration file (default /etc/bg95d.conf; a missing default file means \
        all defaults), then applies command-line overrides: `--set key=value` for any key of \
        the file, and the options below for the common ones. Bad keys or values stop the \
        daemon with the file, line and reason (exit 78). See config/bg95d.conf.example for every key.
        """

    static var table: [CommandLineArgument<Self>] { [
        .option("apn", help: "Access point name (key apn).", \.apn),
        .option("pin-file", help: "File holding the SIM PIN (key pin_file).", \.pinFile),
        .option("iot-mode", help: "emtc, nbiot or both (key iot_mode).", \.iotMode),
        .option("probe-target", help: "IPv4 address or dns:<name> (key probe_target).", \.probeTarget),
        .option("probe-interval", help: "Health probe interval, e.g. 300, 5m (key probe_interval).", \.probeInterval),
        .option("control-socket", help: "Control socket path (key control_socket).", \.controlSocket),
        .option("state-dir", help: "State directory (key state_dir).", \.stateDir),
        .option("log-level", help: "error, warning, notice, info or debug (key log_level).", \.logLevel),
        .flag("check-config", help: "Only parse the configuration, print the effective values and exit.", \.checkConfig),
    ] + ConfigurationOptions.table.map { $0.lifted(\.file) } }

    var file = ConfigurationOptions()
    var apn: String?
    var pinFile: String?
    var iotMode: String?
    var probeTarget: String?
    var probeInterval: String?
    var controlSocket: String?
    var stateDir: String?
    var logLevel: String?
    var checkConfig = false

    /// sysexits(3) EX_CONFIG: the configuration is wrong; restarting cannot help.
    static let configurationErrorExit: Int32 = 78

    func run() throws {
        let configuration: DaemonConfiguration
        do {
            configuration = try loadConfiguration()
        } catch {
            // One line naming the place and the reason; a usage banner would bury it.
            DHCPSession.stderr("bg95d: \(error.message)")
            throw ExitCode(Self.configurationErrorExit)
        }
        if checkConfig {
            print("configuration OK: apn \(configuration.apn.isEmpty ? "(unchanged)" : configuration.apn), probe \(configuration.probeTarget) every \(configuration.supervisor.probeInterval), control \(configuration.controlSocket)")
            return
        }
        let log = DaemonLogger(level: configuration.logLevel)
        let queue = DispatchQueue(label: "bg95d")
        let modem = ModemController(queue: queue, log: { log.debug("modem: \($0)") }) {
            () throws(ModemStartError) in try configuration.modemControllerConfiguration()
        }
        let daemon = Daemon(configuration: configuration, log: log, modem: modem, queue: queue)
        daemon.runForever()
    }

    private func loadConfiguration() throws(ConfigurationRefusal) -> DaemonConfiguration {
        try file.load(defaultFile: "/etc/bg95d.conf", named: [
            ("apn", apn), ("pin_file", pinFile), ("iot_mode", iotMode), ("probe_target", probeTarget),
            ("probe_interval", probeInterval), ("control_socket", controlSocket), ("state_dir", stateDir),
            ("log_level", logLevel),
        ])
    }
}
