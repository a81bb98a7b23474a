import BG95Core

/// The exact set of kernel objects bg95 owns for one interface and one configuration.
///
/// Computed from an `InterfaceConfig` (the lease) and `RoutingSettings`; the installer brings
/// the kernel to this state with the changes from `NetconfigPlan`. With a gateway and the
/// default settings it holds:
/// - the address with the lease's lifetime (so it expires by itself if bg95 dies),
/// - `default via <gw> dev <if> src <addr> metric 1024` in the main table,
/// - `<subnet> dev <if> scope link src <addr>` and `default via <gw> dev <if> src <addr>`
///   in the policy table (1095),
/// - the rule `from <addr> lookup 1095` at priority 1095.
public struct DesiredState: Equatable, Sendable {
    public var interfaceIndex: Int32
    public var address: ManagedAddress
    public var lifetime: AddressLifetime
    /// Routes in installation order (connected routes before routes via the gateway).
    public var routes: [ManagedRoute]
    public var rules: [ManagedRule]
    /// The MTU to set, nil to leave it alone.
    public var mtu: UInt32?
    /// The tables this configuration owns; a dump of them finds stale routes of older leases.
    public var policyTable: UInt32?

    /// Validates `config` and `settings` and computes the objects to own.
    ///
    /// Throws `NetconfigError` for an unusable address, prefix, gateway or MTU, or for settings
    /// colliding with the kernel's tables; nothing partial is returned.
    public init(interfaceIndex: Int32, config: InterfaceConfig, settings: RoutingSettings) throws(NetconfigError) {
        try settings.validate()
        guard interfaceIndex > 0 else { throw .invalidInterfaceIndex(interfaceIndex) }
        guard (1...32).contains(config.prefixLength) else { throw .invalidPrefixLength(config.prefixLength) }
        guard config.address.isUnicast else { throw .unusableAddress(config.address) }
        if config.prefixLength <= 30 {
            let network = config.address.network(prefixLength: Int(config.prefixLength))
            let broadcast = config.address.subnetBroadcast(prefixLength: Int(config.prefixLength))
            if config.address == network || config.address == broadcast {
                throw .networkOrBroadcastAddress(config.address, prefixLength: config.prefixLength)
            }
        }
        if let gateway = config.gateway, !gateway.isUnicast || gateway == config.address {
            throw .unusableGateway(gateway)
        }
        if let mtu = config.mtu, !(68...65535).contains(mtu) { throw .invalidMTU(mtu) }

        self.interfaceIndex = interfaceIndex
        address = ManagedAddress(interfaceIndex: interfaceIndex, address: config.address, prefixLength: config.prefixLength)
        lifetime = AddressLifetime(valid: config.leaseLifetime, preferred: config.leaseLifetime)
        mtu = config.mtu
        policyTable = settings.policyTable
        routes = []
        rules = []

        let source = config.address
        func defaultRoute(table: UInt32, metric: UInt32, via gateway: IPv4Address) -> ManagedRoute {
            ManagedRoute(
                table: table, destination: .any, destinationPrefixLength: 0, gateway: gateway,
                onLink: !gateway.sharesSubnet(with: source, prefixLength: Int(config.prefixLength)),
                interfaceIndex: interfaceIndex, metric: metric, preferredSource: source
            )
        }
        if let gateway = config.gateway {
            switch settings.defaultRoute {
            case .none: break
            case .fallback(let metric): routes.append(defaultRoute(table: ManagedRoute.mainTable, metric: metric, via: gateway))
            case .takeOver: routes.append(defaultRoute(table: ManagedRoute.mainTable, metric: 0, via: gateway))
            }
        }
        if let table = settings.policyTable {
            // The subnet route in the policy table keeps traffic to the module's own subnet
            // (its DNS forwarder) direct instead of via the gateway.
            let subnet = ManagedRoute(
                table: table, destination: config.address.network(prefixLength: Int(config.prefixLength)),
                destinationPrefixLength: config.prefixLength, gateway: nil, interfaceIndex: interfaceIndex,
                metric: 0, preferredSource: source
            )
            routes.insert(subnet, at: 0)
            if let gateway = config.gateway {
                routes.append(defaultRoute(table: table, metric: 0, via: gateway))
            }
            rules.append(ManagedRule(priority: settings.rulePriority, source: source, table: table))
        }
    }
}
