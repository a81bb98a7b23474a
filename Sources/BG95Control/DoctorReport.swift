/// `bg95ctl doctor`'s diagnosis, step by step from the daemon and USB to the end-to-end probe
/// (`DoctorDiagnosis`; step ids in `DoctorDiagnosis.Check` order). Steps that depend on a
/// failed one are `skipped`.
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
        /// A stable step id (`DoctorDiagnosis.Check` raw values).
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

        public enum Outcome: String, Codable, Sendable {
            case ok, warning, failed, skipped
        }
    }
}
