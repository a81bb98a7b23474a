/// Everything `bg95ctl status` shows: the daemon's view at one instant.
///
/// This is the `result` of the `status` command and a stable, documented schema
/// (docs/control-api.md, "StatusSnapshot"). Fields are only ever added, never renamed or
/// retyped within protocol version 1; a field the daemon does not know (no module, no lease)
/// is `null` (absent when encoded), never a made-up value. Clients must ignore fields they do
/// not know. Times are seconds; signal values are in dBm / dB as the module reports them.
public struct StatusSnapshot: Equatable, Codable, Sendable {
    /// Supervisor state name: `down`, `waiting-for-device`, `configuring-module`, `registering`,
    /// `starting-data-call`, `link-up`, `dhcp`, `verifying`, `online`, `degraded`,
    /// `recovering`, `failed` (a hard error such as a wrong PIN), ...
    public var state: String
    /// Seconds since the daemon entered `state`.
    public var stateAge: Int?
    /// The daemon's version (`bg95d --version`).
    public var daemonVersion: String?
    public var module: Module?
    /// `ready`, `pin-required`, `puk-required`, `absent`, `error`.
    public var sim: String?
    /// Operator name as the network reports it (`+COPS`), e.g. "Telekom.de".
    public var `operator`: String?
    /// MCC+MNC, e.g. "26201".
    public var plmn: String?
    /// `Cat-M1` or `NB-IoT`.
    public var rat: String?
    /// e.g. "LTE BAND 20".
    public var band: String?
    public var signal: Signal?
    /// `home`, `roaming`, `searching`, `not-registered`, `denied`, `unknown`.
    public var registration: String?
    /// Reject cause when `registration` is `denied` (3GPP EMM cause), if known.
    public var registrationCause: Int?
    /// `registrationCause` in words (TS 24.301 Annex A), e.g. "EPS services not allowed";
    /// filled by `EMMCause` on either side, so old daemons still get words in the CLI.
    public var registrationCauseText: String?
    /// Tracking area code and E-UTRAN cell id as the module reports them (hex), when known.
    public var tac: String?
    public var cellID: String?
    public var dataCall: DataCall?
    /// ECM network interface name, e.g. "eth2".
    public var interface: String?
    /// Whether the interface reports carrier (a hint only; the probe is the proof).
    public var carrier: Bool?
    /// Leased address with prefix length, e.g. "192.168.225.20/24".
    public var address: String?
    public var gateway: String?
    public var dns: [String]?
    /// Seconds until the lease expires.
    public var leaseRemaining: Int?
    /// Routes and rules the daemon installed, one per line in `ip route`/`ip rule` syntax.
    public var routes: [String]?
    public var lastProbe: Probe?
    /// Unix time (seconds) when the link last became `online`; null while not online.
    public var onlineSince: Int?
    /// Seconds online since `onlineSince`.
    public var uptime: Int?
    public var counters: Counters?
    /// The last error worth an operator's attention, in words, e.g. "+CME ERROR: 16 (incorrect password)".
    public var lastError: String?
    /// The recovery rung in progress (see `Counters.recoveries` keys), null when none.
    public var recoveryRung: String?
    /// Seconds since the module last confirmed each group of facts, keyed `module`, `sim`,
    /// `network`, `signal`, `dataCall`. A group missing here has never been confirmed (or the
    /// daemon does not track it); an old age makes `bg95ctl status` mark the line stale.
    public var factAges: [String: Int]?

    public init(state: String) {
        self.state = state
    }

    /// The module's identity. IMEI is shown in full (it identifies hardware, not a person);
    /// the ICCID is masked by the daemon before it leaves the process (`maskICCID`).
    public struct Module: Equatable, Codable, Sendable {
        public var model: String?
        public var firmware: String?
        public var imei: String?
        public var iccidMasked: String?
        /// USB composition: `modem`, `ecm`, `rmnet`.
        public var usbnet: String?
        /// Device node of the AT port, e.g. "/dev/ttyUSB2".
        public var atPort: String?
        public init(model: String? = nil, firmware: String? = nil, imei: String? = nil, iccidMasked: String? = nil, usbnet: String? = nil, atPort: String? = nil) {
            self.model = model
            self.firmware = firmware
            self.imei = imei
            self.iccidMasked = iccidMasked
            self.usbnet = usbnet
            self.atPort = atPort
        }
    }

    /// Signal quality from `AT+QCSQ`.
    public struct Signal: Equatable, Codable, Sendable {
        /// dBm.
        public var rsrp: Double?
        /// dB.
        public var rsrq: Double?
        /// dB.
        public var sinr: Double?
        /// dBm.
        public var rssi: Double?
        public init(rsrp: Double? = nil, rsrq: Double? = nil, sinr: Double? = nil, rssi: Double? = nil) {
            self.rsrp = rsrp
            self.rsrq = rsrq
            self.sinr = sinr
            self.rssi = rssi
        }

        /// A one-word verdict from RSRP (and SINR when known), using the thresholds LTE-M
        /// vendors print: RSRP >= -90 excellent, >= -105 good, >= -115 fair, below poor;
        /// a SINR below 0 dB lowers the verdict one step. nil without RSRP.
        public var verdict: String? {
            guard let rsrp else { return nil }
            let levels = ["poor", "fair", "good", "excellent"]
            var level = rsrp >= -90 ? 3 : rsrp >= -105 ? 2 : rsrp >= -115 ? 1 : 0
            if let sinr, sinr < 0 { level = max(0, level - 1) }
            return levels[level]
        }
    }

    /// The PDP context carrying the ECM traffic.
    public struct DataCall: Equatable, Codable, Sendable {
        /// `active`, `activating`, `inactive`.
        public var state: String
        public var cid: Int?
        public var apn: String?
        /// The PDN address the network assigned (`AT+CGPADDR`), not the ECM lease.
        public var pdnAddress: String?
        public init(state: String, cid: Int? = nil, apn: String? = nil, pdnAddress: String? = nil) {
            self.state = state
            self.cid = cid
            self.apn = apn
            self.pdnAddress = pdnAddress
        }
    }

    /// The last end-to-end probe through the ECM interface.
    public struct Probe: Equatable, Codable, Sendable {
        /// `icmp` or `dns`.
        public var method: String
        public var target: String
        public var ok: Bool
        /// Seconds since the probe finished.
        public var age: Int?
        /// Round-trip time in milliseconds, when it succeeded.
        public var rttMs: Double?
        /// Why it failed, when it did.
        public var detail: String?
        public init(method: String, target: String, ok: Bool, age: Int? = nil, rttMs: Double? = nil, detail: String? = nil) {
            self.method = method
            self.target = target
            self.ok = ok
            self.age = age
            self.rttMs = rttMs
            self.detail = detail
        }
    }

    public struct Counters: Equatable, Codable, Sendable {
        /// Attempts per recovery rung since the daemon started. Keys: `renew-dhcp`,
        /// `restart-data-call`, `radio-cycle`, `module-reboot`, `wait-device`.
        public var recoveries: [String: Int]
        /// Bytes received on the ECM interface since the data call started (kernel counters).
        public var rxBytes: UInt64?
        /// Bytes sent on the ECM interface since the data call started.
        public var txBytes: UInt64?
        /// Bytes received on the ECM interface since it appeared (the kernel's total).
        public var rxBytesTotal: UInt64?
        /// Bytes sent on the ECM interface since it appeared.
        public var txBytesTotal: UInt64?
        public init(recoveries: [String: Int] = [:], rxBytes: UInt64? = nil, txBytes: UInt64? = nil,
                    rxBytesTotal: UInt64? = nil, txBytesTotal: UInt64? = nil) {
            self.recoveries = recoveries
            self.rxBytes = rxBytes
            self.txBytes = txBytes
            self.rxBytesTotal = rxBytesTotal
            self.txBytesTotal = txBytesTotal
        }
    }

    /// Every state name the daemon reports, in bring-up order (`watch --until` accepts only these).
    public static let stateNames = [
        "waiting-for-device", "configuring-module", "registering", "starting-data-call", "link-up", "dhcp",
        "verifying", "online", "degraded", "recovering", "failed", "down", "stopping",
    ]

    /// The recovery rung names, in ladder order.
    public static let recoveryRungs = ["renew-dhcp", "restart-data-call", "radio-cycle", "module-reboot", "wait-device"]

    /// Masks an ICCID for display: keeps the first 6 and the last 4 digits ("894920******1234");
    /// short or odd input is masked entirely except the last 4 characters.
    public static func maskICCID(_ iccid: String) -> String {
        let characters = Array(iccid)
        guard characters.count > 10 else {
            return String(repeating: "*", count: max(0, characters.count - 4)) + String(characters.suffix(4))
        }
        return String(characters.prefix(6)) + String(repeating: "*", count: characters.count - 10) + String(characters.suffix(4))
    }
}
