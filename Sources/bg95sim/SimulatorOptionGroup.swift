import ArgumentParser
import Simulator

/// The options every simulator-starting subcommand shares (CONTRACTS.md, "options").
struct SimulatorOptionGroup: ParsableArguments {
    @Option(help: "Namespace/file prefix, 1-8 characters [a-z0-9].")
    var prefix = "bg95sim"
    @Option(help: "Firmware profile: qnetdevctl or autoconnect.")
    var profile = "qnetdevctl"
    @Option(help: "usbnet mode at first boot when no state file exists: modem or ecm.")
    var mode = "modem"
    @Option(help: "Persisted module state (default: under the run folder, deleted on teardown).")
    var stateFile: String?
    @Option(help: "Divide every latency by this factor (tests use 20-50).")
    var speed: Double = 1
    @Option(help: "SIM: ready, absent or pin=<digits>.")
    var sim = "ready"
    @Option(help: "Network answer: home, roaming or denied:<reject cause>.")
    var registration = "home"
    @Option(help: "RAT the network offers: emtc or nbiot.")
    var iot = "emtc"
    @Option(help: "urcport at first boot when no state file exists: usbat, usbmodem or uart1.")
    var urcport = "usbat"
    @Option(help: "Name of the ECM net device (sysfs and the host namespace's veth).")
    var ecmIfname = "eth2"
    @Option(help: "dnsmasq lease time in seconds (min 120).")
    var leaseTime = 3600
    @Flag(help: "Log every AT line exchanged to stderr.")
    var verbose = false

    /// The validated options; the error says which option is wrong and why.
    func resolved() throws -> SimulatorOptions {
        var options = SimulatorOptions()
        options.prefix = prefix
        guard let profile = FirmwareProfile(rawValue: profile) else {
            throw ValidationError("--profile \(self.profile): expected qnetdevctl or autoconnect")
        }
        options.profile = profile
        guard let mode = UsbnetMode(rawValue: mode) else { throw ValidationError("--mode \(self.mode): expected modem or ecm") }
        options.initialMode = mode
        options.stateFile = stateFile
        options.speed = speed
        do {
            options.sim = try SIMConfig(parsing: sim)
            options.registration = try RegistrationConfig(parsing: registration)
        } catch {
            throw ValidationError(error.description)
        }
        guard let iot = IoTMode(rawValue: iot) else { throw ValidationError("--iot \(self.iot): expected emtc or nbiot") }
        options.iot = iot
        guard let port = URCPort(rawValue: urcport) else { throw ValidationError("--urcport \(urcport): expected usbat, usbmodem or uart1") }
        options.initialURCPort = port
        options.ecmInterfaceName = ecmIfname
        options.leaseTime = leaseTime
        options.verbose = verbose
        do {
            try options.validate()
        } catch {
            throw ValidationError(error.description)
        }
        return options
    }

    /// The same options as command-line words (for the background `serve` process).
    var arguments: [String] {
        var words = ["--prefix", prefix, "--profile", profile, "--mode", mode, "--speed", String(speed), "--sim", sim,
                     "--registration", registration, "--iot", iot, "--urcport", urcport, "--ecm-ifname", ecmIfname,
                     "--lease-time", String(leaseTime)]
        if let stateFile { words += ["--state-file", stateFile] }
        if verbose { words.append("--verbose") }
        return words
    }
}
