import Foundation

/// Which firmware behaviour the simulated module shows (bg95-reference.md, "data call to the net device").
public enum FirmwareProfile: String, Codable, Sendable, CaseIterable {
    /// Data flows on the ECM path only after `AT+QNETDEVCTL=1,<cid>,1`; URC `+QNETDEVSTATUS`.
    case qnetdevctl
    /// No `AT+QNETDEVCTL` (`=?` gives ERROR): data flows while attached with the PDP context active.
    case autoconnect

    /// What `AT+QGMR` answers for this profile.
    public var revision: String {
        switch self {
        case .qnetdevctl: return "BG95M3LAR02A03_01.205.01.205"
        case .autoconnect: return "BG95M3LAR02A03_01.202.01.202"
        }
    }
}

/// The USB composition selected by `AT+QCFGEXT="usbnet"`.
public enum UsbnetMode: String, Codable, Sendable, CaseIterable {
    case modem
    case ecm
}

/// The SIM the simulated module holds.
public enum SIMConfig: Equatable, Sendable, CustomStringConvertible {
    case ready
    case pin(String)
    case absent

    /// Parses `ready`, `absent` or `pin=<4-8 digits>`; anything else throws with the reason.
    public init(parsing text: String) throws(SimulatorOptionError) {
        switch text {
        case "ready": self = .ready
        case "absent": self = .absent
        default:
            guard text.hasPrefix("pin=") else { throw .invalid("--sim", text, "expected ready, absent or pin=<digits>") }
            let pin = String(text.dropFirst(4))
            guard (4...8).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw .invalid("--sim", text, "a PIN has 4-8 digits")
            }
            self = .pin(pin)
        }
    }

    public var description: String {
        switch self {
        case .ready: return "ready"
        case .pin: return "pin=****"
        case .absent: return "absent"
        }
    }
}

/// How the simulated network answers the module's registration attempts.
public enum RegistrationConfig: Equatable, Sendable, CustomStringConvertible {
    case home
    case roaming
    /// Registration denied (stat 3) with this EMM reject cause (e.g. 15 "no suitable cells").
    case denied(cause: Int)

    /// Parses `home`, `roaming` or `denied:<cause 0-255>`.
    public init(parsing text: String) throws(SimulatorOptionError) {
        switch text {
        case "home": self = .home
        case "roaming": self = .roaming
        default:
            guard text.hasPrefix("denied:"), let cause = Int(text.dropFirst(7)), (0...255).contains(cause) else {
                throw .invalid("--registration", text, "expected home, roaming or denied:<cause 0-255>")
            }
            self = .denied(cause: cause)
        }
    }

    public var description: String {
        switch self {
        case .home: return "home"
        case .roaming: return "roaming"
        case .denied(let cause): return "denied:\(cause)"
        }
    }
}

/// The radio access technology the simulated network offers.
public enum IoTMode: String, Codable, Sendable, CaseIterable {
    case emtc
    case nbiot
}

/// Where the module sends URCs (`AT+QURCCFG="urcport"`).
public enum URCPort: String, Codable, Sendable, CaseIterable {
    case usbat
    case usbmodem
    case uart1
}

/// A rejected command-line or control value, with the reason.
public enum SimulatorOptionError: Error, CustomStringConvertible, Equatable {
    case invalid(String, String, String)

    public var description: String {
        switch self {
        case .invalid(let option, let value, let reason): return "\(option) \(value): \(reason)"
        }
    }
}

/// Everything one simulator run is configured with (CONTRACTS.md, "bg95sim command line").
public struct SimulatorOptions: Sendable {
    /// Namespace/file prefix: 1-8 characters `[a-z0-9]`.
    public var prefix: String = "bg95sim"
    public var profile: FirmwareProfile = .qnetdevctl
    /// The usbnet mode at first boot when no state file exists yet.
    public var initialMode: UsbnetMode = .modem
    /// Persisted module state; nil means `<run folder>/state.json`.
    public var stateFile: String?
    /// Every latency is divided by this factor (> 0).
    public var speed: Double = 1
    public var sim: SIMConfig = .ready
    public var registration: RegistrationConfig = .home
    public var iot: IoTMode = .emtc
    /// The urcport at first boot when no state file exists yet.
    public var initialURCPort: URCPort = .usbat
    public var ecmInterfaceName: String = "eth2"
    /// dnsmasq lease time in seconds (dnsmasq's minimum is 120).
    public var leaseTime: Int = 3600
    public var verbose = false

    public init() {}

    /// Checks every field; the error names the option and why it was refused.
    public func validate() throws(SimulatorOptionError) {
        try Self.validatePrefix(prefix)
        guard speed > 0, speed <= 1000, speed.isFinite else { throw .invalid("--speed", "\(speed)", "must be in (0, 1000]") }
        guard leaseTime >= 120, leaseTime <= 86400 * 30 else { throw .invalid("--lease-time", "\(leaseTime)", "must be 120 s .. 30 days") }
        let validName = !ecmInterfaceName.isEmpty && ecmInterfaceName.utf8.count <= 15
            && ecmInterfaceName.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        guard validName else { throw .invalid("--ecm-ifname", ecmInterfaceName, "an interface name of 1-15 characters [A-Za-z0-9_-]") }
    }

    /// Prefixes end up in namespace and file names, so they are kept short and plain.
    public static func validatePrefix(_ prefix: String) throws(SimulatorOptionError) {
        guard (1...8).contains(prefix.count), prefix.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else {
            throw .invalid("--prefix", prefix, "1-8 characters [a-z0-9]")
        }
    }
}
