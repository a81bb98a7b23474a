import Netconfig

/// Everything a lease needs on one interface, in one object: address, routes, policy rule,
/// MTU, link up (through `RouteInstaller`) and DNS (through `DNSConfigurator`).
///
/// This is what `bg95d dhcp --configure`, `bg95d netconfig` and the daemon use. The interface
/// is looked up by name on every `apply`, so a re-created interface (new index after a USB
/// re-enumeration) is found again. Not thread-safe: use from one queue.
public final class InterfaceConfigurator: @unchecked Sendable {
    public let interface: String
    public let installer: RouteInstaller
    public let dns: DNSConfigurator
    /// The state applied last (nil before the first `apply` and after `remove`).
    public private(set) var applied: DesiredState?

    /// Opens a netlink socket in the calling thread's namespace.
    ///
    /// - Throws: `NetlinkError` for the socket, `DNSConfiguratorError` for a refused DNS
    ///   target or interface name, `NetconfigError` for invalid settings.
    public init(interface: String, settings: RoutingSettings, dnsBackend: DNSBackend, allowSystemResolvConf: Bool = false) throws {
        try settings.validate()
        self.interface = interface
        dns = try DNSConfigurator(backend: dnsBackend, interface: interface, allowSystemResolvConf: allowSystemResolvConf)
        installer = RouteInstaller(socket: try NetlinkSocket(), settings: settings)
    }

    /// Removes every object tagged with our protocol in the namespace (leftovers of a run that
    /// was killed). Call once at start, before the first `apply`.
    @discardableResult
    public func removeLeftovers() throws(NetlinkError) -> [NetconfigChange] {
        try installer.removeAll(interfaceIndex: nil)
    }

    /// Applies (or renews) `config`. DNS values that fail validation are dropped and returned
    /// in `dnsRejected`; the rest is applied.
    ///
    /// - Throws: `NetconfigError` (unusable lease values), `NetlinkError` (kernel refusal,
    ///   interface gone), `DNSConfiguratorError` (backend failed; routes are in place then).
    public func apply(_ config: InterfaceConfig) throws -> (changes: [NetconfigChange], dnsRejected: [DNSValidationError]) {
        let index = try LinkController(socket: installer.socket).index(of: interface)
        let desired = try DesiredState(interfaceIndex: index, config: config, settings: installer.settings)
        let changes = try installer.apply(desired)
        applied = desired
        let (resolvers, rejected) = DNSConfiguration.sanitized(servers: config.dns, domains: config.domains)
        try dns.apply(resolvers)
        return (changes, rejected)
    }

    /// Removes what `apply` installed — on this interface if it still exists, and the rule
    /// and policy-table routes in any case — and the DNS configuration. Safe to call twice.
    @discardableResult
    public func remove() throws -> [NetconfigChange] {
        let index = applied?.interfaceIndex ?? (try? LinkController(socket: installer.socket).index(of: interface))
        // Objects on an interface that vanished went with it; the rule did not, and is found
        // by its table (an index no interface has still matches the policy table).
        let changes = try installer.removeAll(interfaceIndex: index ?? Int32.max)
        applied = nil
        try dns.remove()
        return changes
    }
}
