import Foundation

/// What the module keeps in its flash across reboots: the settings that take effect at boot
/// (usbnet), the PDP contexts and the radio configuration.
///
/// Stored as JSON. A missing file means "factory defaults"; a corrupt one is reported and
/// replaced with defaults rather than crashing the simulator.
public struct ModuleState: Codable, Equatable, Sendable {
    /// One `AT+CGDCONT` context.
    public struct Context: Codable, Equatable, Sendable {
        public var pdpType: String
        public var apn: String
    }

    /// One `AT+QICSGP` configuration.
    public struct Credentials: Codable, Equatable, Sendable {
        public var contextType: Int
        public var apn: String
        public var username: String
        public var password: String
        public var authentication: Int
    }

    public var usbnet: UsbnetMode
    public var contexts: [Int: Context]
    public var credentials: [Int: Credentials]
    public var nwscanmode: Int = 0
    public var iotopmode: Int = 2
    public var nwscanseq: String = "020301"
    public var band: [String] = ["0xf", "0x100002000000000f0e189f", "0x10004200000000090e189f"]
    public var urcport: URCPort
    /// `AT+QNETDEVCTL=3,<cid>,1`: reconnect the net device automatically (qnetdevctl profile only).
    public var autoConnectCID: Int?
    /// The SIM's PIN state lives on the SIM, so it survives reboots too.
    public var pinAttemptsLeft: Int = 3
    public var pukAttemptsLeft: Int = 10
    public var pin: String?
    /// Number of times the module booted (also the USB devnum seed).
    public var boots: Int = 0

    public init(usbnet: UsbnetMode, urcport: URCPort, pin: String?) {
        self.usbnet = usbnet
        self.urcport = urcport
        self.pin = pin
        self.contexts = [1: Context(pdpType: "IPV4V6", apn: "")]
        self.credentials = [:]
    }

    /// Loads `path`; nil when the file does not exist, throws when it cannot be decoded.
    public static func load(from path: String) throws -> ModuleState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONDecoder().decode(ModuleState.self, from: data)
    }

    /// Writes atomically so a killed simulator never leaves half a file.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
