import ATProtocol

/// How the module carries the data call to the ECM interface.
public enum DataCallMethod: String, Sendable, Equatable, Codable {
    /// `AT+QNETDEVCTL=1,<cid>,1` exists (its `=?` answered) and connected the net device.
    case qnetdevctl
    /// No `QNETDEVCTL` on this firmware: the active PDP context (`AT+CGACT`) carries the ECM
    /// traffic by itself.
    case autoconnect
}

/// The result of a successful bring-up: what is up and what was found on the way.
public struct DataCall: Sendable, Equatable {
    public var contextID: Int
    public var method: DataCallMethod
    /// The PDP addresses from `+CGPADDR` (IPv4 and/or IPv6 text), as the module printed them.
    public var addresses: [String]
    /// `AT+QGMR`, e.g. `BG95M3LAR02A03_01.202.01.202`, when the module answered it.
    public var firmware: String?
    /// `ATI` model line, e.g. `BG95-M3`.
    public var model: String?
    public var apn: String
    /// Registration status the bring-up saw last (home or roaming).
    public var registration: RegistrationStatus

    public init(
        contextID: Int, method: DataCallMethod, addresses: [String], firmware: String?, model: String?, apn: String,
        registration: RegistrationStatus
    ) {
        self.contextID = contextID
        self.method = method
        self.addresses = addresses
        self.firmware = firmware
        self.model = model
        self.apn = apn
        self.registration = registration
    }
}
