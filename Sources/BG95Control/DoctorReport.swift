/// The daemon's diagnosis, step by step from USB to the end-to-end probe (`doctor`).
///
/// Steps run in `DoctorReport.Step.Kind` order; after the first failure later steps are
/// `skipped` (they depend on it) unless the daemon could still check them.
public struct DoctorReport: Equatable, Codable, Sendable {
    public var steps: [Step]
    /// The first real cause in one sentence, e.g. "interface 3 is bound to qmi_wwan_q";
    /// absent in reports from daemons that predate it.
    public var headline: String?
    /// The exact remedy for `headline`.
    public var remedy: String?

    public init(steps: [Step], headline: String? = nil, remedy: String? = nil) {
        self.steps = steps
        self.headline = headline
        self.remedy = remedy
    }

    /// Whether no step failed (warnings and skipped steps allowed: a step skipped because an
    /// operator took the link down is not a fault).
    public var healthy: Bool { !steps.contains { $0.outcome == .failed } }

    public struct Step: Equatable, Codable, Sendable {
        /// A stable step id; the daemon uses the `Kind` raw values, in that order.
        public var id: String
        /// What was checked, for humans, e.g. "Module found on USB".
        public var title: String
        public var outcome: Outcome
        /// What was seen, e.g. "2c7c:0700 at 1-1, AT port /dev/ttyUSB2".
        public var detail: String?
        /// What to do about a failure or warning.
        public var fix: String?

        public init(id: String, title: String, outcome: Outcome, detail: String? = nil, fix: String? = nil) {
            self.id = id
            self.title = title
            self.outcome = outcome
            self.detail = detail
            self.fix = fix
        }

        public init(_ kind: Kind, outcome: Outcome, detail: String? = nil, fix: String? = nil) {
            self.init(id: kind.rawValue, title: kind.title, outcome: outcome, detail: detail, fix: fix)
        }

        public enum Outcome: String, Codable, Sendable {
            case ok, warning, failed, skipped
        }

        /// The standard steps, in order.
        public enum Kind: String, CaseIterable, Sendable {
            case moduleFound = "module-found"
            case driverBound = "driver-bound"
            case ecmMode = "ecm-mode"
            case sim
            case registered
            case dataCall = "data-call"
            case lease
            case route
            case probe

            public var title: String {
                switch self {
                case .moduleFound: return "Module found on USB (2c7c:0700/0203)"
                case .driverBound: return "Serial driver bound, AT port answers"
                case .ecmMode: return "USB network mode is ECM, net device present"
                case .sim: return "SIM ready"
                case .registered: return "Registered to the network"
                case .dataCall: return "Data call (PDP context) active"
                case .lease: return "DHCP lease on the ECM interface"
                case .route: return "Routes and rules installed"
                case .probe: return "End-to-end probe through the ECM interface"
                }
            }
        }
    }
}
