import ATProtocol

/// What the bring-up should make true on the module. Values left `nil` are not touched.
///
/// Strings (APN, user, password, PIN) are validated by the AT layer's command builders when the
/// machine is created: a value containing `"`, `\`, control bytes or non-ASCII is refused with a
/// `BringUpError.invalidConfiguration` naming the field, and never reaches the AT port.
public struct ModemConfiguration: Sendable, Equatable {
    /// The access point name for PDP context `contextID` (empty: the network's default).
    public var apn: String
    public var pdpType: PDPType
    /// PDP context id to define and activate (BG95: 1-15; the ECM path uses 1).
    public var contextID: Int
    /// Credentials for `AT+QICSGP`; set only when the APN needs them.
    public var username: String?
    public var password: String?
    public var authentication: Authentication
    /// The SIM PIN, entered once when the SIM asks for it. Never logged, never retried after a
    /// wrong-PIN answer.
    public var pin: String?
    /// `AT+QCFG="iotopmode"` (eMTC, NB-IoT or both), written only when it differs.
    public var iotMode: IoTOperatingMode?
    /// `AT+QCFG="nwscanmode"`, written only when it differs.
    public var scanMode: ScanMode?
    /// `AT+QCFG="nwscanseq"`, written only when it differs (rewriting it on every boot
    /// de-registers a BG95 about 18 s later).
    public var scanSequence: ScanSequence?
    /// `AT+QCFG="band"`, written only when it differs.
    public var bands: BandConfiguration?
    /// How long registration may take before the bring-up fails with `.registrationTimeout`.
    public var registrationTimeout: Duration
    /// How often `AT+CEREG?` is polled while waiting (URCs usually arrive first).
    public var registrationPollInterval: Duration
    /// How long a reboot (`AT+CFUN=1,1` after switching to ECM) may take until the module is back.
    public var rebootTimeout: Duration
    /// How often a timed-out command is retried (after the channel resynchronised) before the
    /// bring-up fails with `.moduleNotResponding`.
    public var commandRetries: Int
    /// Read IMEI, IMSI, ICCID, operator, network and signal once the data call is up (they fill
    /// `ModuleModel`). Off by default so scripted bring-up exchanges stay short; the daemon
    /// turns it on.
    public var surveyAfterDataCall = false
    /// While the data call is up, read registration, operator, network and signal again this
    /// often (so status shows current values with their age); nil: only once.
    public var surveyInterval: Duration?
    /// The AT link's policy: probe timeout, stall detection, queue bound, a cap on command
    /// timeouts (for simulators faster than real time).
    public var link = ATLinkMachine.Options()

    public init(
        apn: String, pdpType: PDPType = .ipv4, contextID: Int = 1, username: String? = nil, password: String? = nil,
        authentication: Authentication = .none, pin: String? = nil, iotMode: IoTOperatingMode? = nil,
        scanMode: ScanMode? = nil, scanSequence: ScanSequence? = nil, bands: BandConfiguration? = nil,
        registrationTimeout: Duration = .seconds(180), registrationPollInterval: Duration = .seconds(5),
        rebootTimeout: Duration = .seconds(60), commandRetries: Int = 2
    ) {
        self.apn = apn
        self.pdpType = pdpType
        self.contextID = contextID
        self.username = username
        self.password = password
        self.authentication = authentication
        self.pin = pin
        self.iotMode = iotMode
        self.scanMode = scanMode
        self.scanSequence = scanSequence
        self.bands = bands
        self.registrationTimeout = registrationTimeout
        self.registrationPollInterval = registrationPollInterval
        self.rebootTimeout = rebootTimeout
        self.commandRetries = commandRetries
    }

    /// True when `AT+QICSGP` must carry credentials.
    public var hasCredentials: Bool {
        !(username ?? "").isEmpty || !(password ?? "").isEmpty || authentication != .none
    }
}
