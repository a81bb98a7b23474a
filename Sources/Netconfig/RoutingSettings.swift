/// How bg95 installs routes for the cellular interface (from the daemon's configuration).
public struct RoutingSettings: Equatable, Sendable {
    /// What to do with the main table's default route.
    public enum DefaultRoute: Equatable, Sendable {
        /// Install no default route in the main table (only the policy table, if any).
        case none
        /// A default route with this metric: high (the default 1024) so an existing primary
        /// default route (metric 0..1023) keeps winning and the module is only a fallback.
        case fallback(metric: UInt32)
        /// Metric 0: the module becomes the primary default route. Other default routes are
        /// never touched (they are not ours); with equal metric 0 the older one still wins.
        case takeOver
    }

    /// The `rtm_protocol` value that tags every route and rule bg95 installs (and, on kernels
    /// since 6.3, the `IFA_PROTO` of its addresses), so cleanup after a crash removes exactly
    /// bg95's objects. 0x95 (149) is unassigned in `linux/rtnetlink.h` and iproute2's rt_protos.
    public static let defaultProtocolTag: UInt8 = 0x95
    public static let defaultMetric: UInt32 = 1024
    public static let defaultPolicyTable: UInt32 = 1095
    /// Before the main table's rule (32766) so traffic from the cellular address always uses
    /// the policy table, after the local rule (0).
    public static let defaultRulePriority: UInt32 = 1095

    public var defaultRoute: DefaultRoute
    /// The policy-routing table holding the module's default route; nil disables policy routing.
    /// Must not be 0 or a reserved table (253 default, 254 main, 255 local).
    public var policyTable: UInt32?
    /// Priority of the rule "from <address> lookup <policyTable>", 1...32765.
    public var rulePriority: UInt32
    public var protocolTag: UInt8

    public init(
        defaultRoute: DefaultRoute = .fallback(metric: RoutingSettings.defaultMetric),
        policyTable: UInt32? = RoutingSettings.defaultPolicyTable,
        rulePriority: UInt32 = RoutingSettings.defaultRulePriority,
        protocolTag: UInt8 = RoutingSettings.defaultProtocolTag
    ) {
        self.defaultRoute = defaultRoute
        self.policyTable = policyTable
        self.rulePriority = rulePriority
        self.protocolTag = protocolTag
    }

    /// Throws when the settings would collide with the kernel's own tables, rules or protocols.
    public func validate() throws(NetconfigError) {
        if let table = policyTable, table == 0 || (253...255).contains(table) || table == UInt32.max {
            throw .reservedTable(table)
        }
        guard (1...32765).contains(rulePriority) else { throw .invalidRulePriority(rulePriority) }
        // 0..4 mean "unspec, redirect, kernel, boot, static": cleanup by such a tag would
        // delete objects that are not ours.
        guard protocolTag > 4 else { throw .reservedProtocolTag(protocolTag) }
    }
}
