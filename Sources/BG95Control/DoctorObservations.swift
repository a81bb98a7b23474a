/// What `bg95ctl doctor` saw when it looked: sysfs, /proc, the AT port, the kernel's link,
/// routes and sysctls, the daemon's own status. Plain data, gathered by the CLI's I/O edge
/// (`DoctorLook`) and judged by the pure `DoctorDiagnosis`; tests build it by hand.
public struct DoctorObservations: Equatable, Sendable {
    /// bg95d as seen through its control socket.
    public enum Daemon: Equatable, Sendable {
        case notRunning
        /// It answered `status`.
        case running(StatusSnapshot)
        /// The socket exists but the daemon did not answer (permission, timeout, ...).
        case unreachable(String)
    }

    public struct USBInterface: Equatable, Sendable {
        public var number: Int
        /// `bInterfaceClass` as sysfs shows it, e.g. "ff", "02", "0a".
        public var interfaceClass: String?
        /// The bound driver, e.g. "option", "cdc_ether", "qmi_wwan_q"; nil: none bound.
        public var driver: String?
        /// tty device names under the interface, e.g. ["ttyUSB2"].
        public var ttys: [String]
        /// net device names under the interface, e.g. ["eth2"].
        public var nets: [String]
        public init(number: Int, interfaceClass: String? = nil, driver: String? = nil, ttys: [String] = [], nets: [String] = []) {
            self.number = number
            self.interfaceClass = interfaceClass
            self.driver = driver
            self.ttys = ttys
            self.nets = nets
        }
    }

    public struct USBDevice: Equatable, Sendable {
        /// The sysfs name, e.g. "1-1".
        public var name: String
        /// Lower-case hex, e.g. "2c7c", "0700".
        public var vendor: String
        public var product: String
        public var interfaces: [USBInterface]
        public init(name: String, vendor: String, product: String, interfaces: [USBInterface]) {
            self.name = name
            self.vendor = vendor
            self.product = product
            self.interfaces = interfaces
        }
        public func interface(_ number: Int) -> USBInterface? { interfaces.first { $0.number == number } }
    }

    /// A process with the AT port open.
    public struct PortHolder: Equatable, Sendable {
        public var pid: Int32
        /// `/proc/<pid>/comm`, e.g. "ModemManager".
        public var command: String
        public init(pid: Int32, command: String) {
            self.pid = pid
            self.command = command
        }
        public var isBG95d: Bool { command == "bg95d" }
    }

    /// What the module answered to doctor's read-only queries.
    public struct ModuleAnswers: Equatable, Sendable {
        /// "bg95d" (through the daemon's AT queue) or "direct" (doctor opened the port).
        public var via: String
        /// Whether `AT` got `OK`.
        public var answered: Bool
        /// Why not, when it did not (e.g. "no answer within 3 s").
        public var failure: String?
        public var model: String?
        public var firmware: String?
        /// From `AT+QCFGEXT="usbnet"`: "modem", "ecm", "rmnet".
        public var usbnet: String?
        /// From `AT+QCFGEXT=?`.
        public var usbnetSupported: [String]?
        /// `+CPIN:` value, e.g. "READY", "SIM PIN"; "absent" for CME 10.
        public var sim: String?
        /// `+CEREG` stat (0-5) and the reject cause when the module gave one.
        public var registrationStatus: Int?
        public var rejectCause: Int?
        /// Whether the data context (cid 1) is active (`AT+CGACT?`).
        public var contextActive: Bool?
        /// `AT+QNETDEVCTL?` says the net device is connected; nil when not supported.
        public var netDeviceConnected: Bool?
        public var pdnAddress: String?
        public init(via: String, answered: Bool, failure: String? = nil) {
            self.via = via
            self.answered = answered
            self.failure = failure
        }
    }

    /// The ECM net device as the kernel (rtnetlink) sees it.
    public struct Link: Equatable, Sendable {
        public var name: String
        public var exists: Bool
        public var adminUp: Bool
        public var carrier: Bool
        /// IPv4 addresses with prefix, e.g. ["192.168.225.20/24"].
        public var addresses: [String]
        public init(name: String, exists: Bool, adminUp: Bool = false, carrier: Bool = false, addresses: [String] = []) {
            self.name = name
            self.exists = exists
            self.adminUp = adminUp
            self.carrier = carrier
            self.addresses = addresses
        }
    }

    public struct ProbeResult: Equatable, Sendable {
        public var target: String
        public var ok: Bool
        public var detail: String
        public init(target: String, ok: Bool, detail: String) {
            self.target = target
            self.ok = ok
            self.detail = detail
        }
    }

    public var daemon: Daemon
    /// Every 2c7c:0700/0203 device in sysfs.
    public var devices: [USBDevice]
    /// Processes with the AT port open (bg95d included).
    public var portHolders: [PortHolder]
    public var module: ModuleAnswers?
    /// Why the AT port was not asked, when it was not.
    public var atNotAsked: String?
    public var link: Link?
    /// `ip route get <probe target> oif <link>`: the route, or the error.
    public var routeGet: String?
    /// Whether `routeGet` leaves through the ECM link via a gateway.
    public var routeUsesLink: Bool?
    /// Effective reverse-path filter for the link (max of `all` and the link), 0/1/2.
    public var rpFilter: Int?
    /// Resolvers from the lease and whether the first one answered a query through the link.
    public var dnsServers: [String]
    public var dnsAnswered: Bool?
    public var probe: ProbeResult?

    public init(daemon: Daemon, devices: [USBDevice] = [], portHolders: [PortHolder] = []) {
        self.daemon = daemon
        self.devices = devices
        self.portHolders = portHolders
        self.dnsServers = []
    }
}
