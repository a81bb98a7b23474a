import ATProtocol
import BG95Core
import Supervisor
/// Everything `bg95d run` can be configured with; every field has a default, so an empty
/// (or missing) file is a valid configuration.
///
/// Read from `/etc/bg95d.conf` by `ConfigurationParser`, then overridden from the command line
/// with the same keys. `config/bg95d.conf.example` documents every key.
public struct DaemonConfiguration: Sendable, Equatable {
    // The data connection.
    /// The APN; empty leaves the module's context 1 as it is.
    public var apn: String = ""
    public var pdpType: PDPType = .ipv4
    public var username: String = ""
    public var password: String = ""
    public var auth: Authentication = .none
    /// SIM PIN given inline (prefer `pinFile`); never logged.
    public var pin: String?
    /// A file holding the SIM PIN (first line); read at start, never logged.
    public var pinFile: String?
    public var iotMode: IoTMode = .emtc
    /// LTE bands to scan, e.g. [3, 8, 20]; empty leaves the module's band configuration alone.
    public var bands: [Int] = []

    // The network side.
    public var routeMetric: UInt32 = 1024
    /// Install a default route in the main table (with `routeMetric`). The policy table and its
    /// rule for the leased address are installed either way.
    public var takeDefaultRoute: Bool = true
    public var policyTable: UInt32 = 1095
    public var policyPriority: UInt32 = 1095
    public var dnsBackend: DNSBackendChoice = .file
    /// Where the `file` DNS backend writes the resolver list.
    public var dnsFile: String = "/run/bg95d/resolv.conf"
    /// node_exporter textfile kept current with the status metrics (`metrics_file`); empty: off.
    public var metricsFile: String = ""
    /// Shortest time between two rewrites of `metricsFile` (`metrics_interval`).
    public var metricsInterval: Duration = .seconds(15)

    // Proof of connectivity.
    public var probeTarget: ProbeTarget = .icmp("8.8.8.8")
    public var probeInterval: Duration = .seconds(300)
    public var probeTimeout: Duration = .seconds(5)
    /// How often registration, operator, network and signal are read again while online
    /// (`module_survey_interval`; 0 turns it off). A few AT commands, no radio traffic.
    /// Off unless configured: idle and online, bg95d wakes only for the probe, the watchdog and
    /// what a lease or a client owes (issue 13); at 60 s the survey was all of its ~48 idle
    /// wakeups a minute. The survey after the data call still fills the facts once.
    public var moduleSurveyInterval: Duration? = nil

    /// The supervisor's timing and policy (probe interval and attempts, timeouts, backoff,
    /// attempts per rung, release on shutdown): the file's keys map onto it directly.
    public var supervisor = SupervisorSettings()

    // Operating.
    public var controlSocket: String = "/run/bg95d/control.sock"
    /// A group whose members may use the control socket besides root; empty means root only.
    public var controlGroup: String = ""
    /// Whether members of `controlGroup` may also change state (`up`, `down`, `at`, `reset`);
    /// by default they may only read (`status`, `watch`, `doctor`).
    public var controlGroupMayChange: Bool = false
    public var stateDir: String = "/var/lib/bg95d"
    /// Only manage the module at this USB path (e.g. "1-1" or a sysfs path); empty: any.
    public var usbPath: String = ""
    /// Only manage the module with this USB serial number; empty: any.
    public var usbSerial: String = ""
    public var logLevel: LogPriority = .info

    public init() {}

    /// The LTE band list as the hexadecimal mask `AT+QCFG="band"` takes (band n is bit n-1),
    /// or nil when bands are left alone.
    public var bandMask: String? {
        guard !bands.isEmpty else { return nil }
        // Bands go up to 88, so the mask needs more than 64 bits: build it in 4-bit digits.
        var nibbles = [UInt8](repeating: 0, count: 23)
        for band in bands where (1...88).contains(band) {
            let bit = band - 1
            nibbles[bit / 4] |= UInt8(1 << (bit % 4))
        }
        let digits = Array("0123456789ABCDEF")
        var text = ""
        var started = false
        for nibble in nibbles.reversed() {
            if nibble != 0 { started = true }
            if started { text.append(digits[Int(nibble)]) }
        }
        return text.isEmpty ? "0" : text
    }
}

public enum IoTMode: String, Sendable, Equatable, CaseIterable {
    case emtc, nbiot, both
}

public enum DNSBackendChoice: String, Sendable, Equatable, CaseIterable {
    /// resolvconf when installed, else systemd-resolved when running, else `file`.
    case auto
    /// Write `dns_file` (a resolv.conf-format file for a local resolver or a symlink).
    case file
    /// Hand the servers to `resolvconf(8)` for the interface.
    case resolvconf
    /// Hand the servers to systemd-resolved for the interface.
    case resolved
    /// Do not configure DNS.
    case none
}

/// What the end-to-end probe sends through the ECM interface.
public enum ProbeTarget: Sendable, Equatable, CustomStringConvertible {
    /// ICMP echo to this IPv4 address, from the leased address.
    case icmp(String)
    /// A DNS query (type A) for this name to the leased resolver.
    case dns(String)

    public var description: String {
        switch self {
        case .icmp(let address): return address
        case .dns(let name): return "dns:\(name)"
        }
    }
}
