#if canImport(Glibc)
import Glibc
#endif
import BG95System
import DHCPProtocol
import Netconfig
import NetlinkIO
import Supervisor
import BG95Config
import BG95Core

/// Applies a lease to the ECM interface (address, routes, policy rule, DNS) and removes exactly
/// that again, over rtnetlink.
///
/// Everything goes through `RouteInstaller`, which tags its objects with bg95's protocol value
/// and reads them back by that tag: applying twice never duplicates a route, and after a
/// SIGKILL the next start finds and removes the previous run's objects (`removeLeftovers`).
/// The DNS interface in use is remembered in `state_dir/dns-interface` for the same reason.
public final class NetworkConfigurator {
    private let socket: NetlinkSocket
    private let installer: RouteInstaller
    private let links: LinkController
    private let dnsBackend: DNSBackend
    private let stateDirectory: String
    private let log: DaemonLogger
    /// The interface index our objects live on, once applied.
    private var appliedIndex: Int32?
    private var dnsInterface: String?
    public private(set) var installedRoutes: [String] = []

    public init(configuration: DaemonConfiguration, log: DaemonLogger) throws(NetlinkError) {
        socket = try NetlinkSocket()
        let defaultRoute: RoutingSettings.DefaultRoute = configuration.takeDefaultRoute
            ? (configuration.routeMetric == 0 ? .takeOver : .fallback(metric: configuration.routeMetric))
            : .none
        let settings = RoutingSettings(defaultRoute: defaultRoute, policyTable: configuration.policyTable,
                                       rulePriority: configuration.policyPriority)
        installer = RouteInstaller(socket: socket, settings: settings)
        links = LinkController(socket: socket)
        switch configuration.dnsBackend {
        case .file: dnsBackend = .file(path: configuration.dnsFile)
        case .resolvconf: dnsBackend = DNSBackend.detect(filePath: configuration.dnsFile).resolvconfOrFile(configuration.dnsFile)
        case .resolved: dnsBackend = .systemdResolved(resolvectl: "/usr/bin/resolvectl")
        case .auto: dnsBackend = DNSBackend.detect(filePath: configuration.dnsFile)
        case .none: dnsBackend = .none
        }
        stateDirectory = configuration.stateDir
        self.log = log
    }

    /// The current state of `interface` (carrier, admin state).
    public func linkStatus(_ interface: String) throws(NetlinkError) -> LinkStatus {
        try links.status(named: interface)
    }

    /// Sets `interface` administratively up and returns its state.
    public func bringUp(_ interface: String) throws(NetlinkError) -> LinkStatus {
        let status = try links.status(named: interface)
        if !status.isUp { try links.setUp(true, index: status.index) }
        return try links.status(index: status.index)
    }

    /// Removes every bg95-tagged address, route and rule in this namespace, and the DNS entry a
    /// previous run recorded: what a killed daemon left behind. Returns what was removed.
    @discardableResult
    public func removeLeftovers() -> [String] {
        var removed: [String] = []
        do {
            removed = try installer.removeAll(interfaceIndex: nil).map(\.description)
        } catch {
            log.warning("cleaning up leftovers failed: \(error)")
        }
        if let leftover = readDNSMarker() {
            if let configurator = try? DNSConfigurator(backend: dnsBackend, interface: leftover) {
                try? configurator.remove()
                removed.append("dns for \(leftover)")
            }
            unlink(dnsMarkerPath)
        }
        return removed
    }

    /// Applies `lease` on `interface`; replaces an earlier lease's objects, never duplicates.
    /// Returns what changed in the kernel.
    @discardableResult
    public func apply(_ lease: DHCPLease, on interface: String) throws(DaemonError) -> [NetconfigChange] {
        try apply(InterfaceConfig(
            address: lease.address,
            prefixLength: UInt8(clamping: lease.prefixLength),
            gateway: lease.gateway,
            dns: lease.dnsServers,
            domains: lease.domainName.map { [$0] } ?? [],
            mtu: lease.mtu.map { UInt32(clamping: $0) },
            leaseLifetime: lease.leaseSeconds == DHCPLease.infinite ? nil : lease.leaseSeconds
        ), on: interface)
    }

    /// Applies `config` (a lease, or a static configuration from `bg95d netconfig apply`) on
    /// `interface`, the same way.
    @discardableResult
    public func apply(_ config: InterfaceConfig, on interface: String) throws(DaemonError) -> [NetconfigChange] {
        let index: Int32
        do { index = try links.index(of: interface) } catch { throw .netlink(error.description) }
        let desired: DesiredState
        do { desired = try DesiredState(interfaceIndex: index, config: config, settings: installer.settings) } catch {
            throw .netlink("lease refused: \(error)")
        }
        if let previous = appliedIndex, previous != index {
            _ = try? installer.removeAll(interfaceIndex: previous)
        }
        let changes: [NetconfigChange]
        do {
            changes = try installer.apply(desired)
            for change in changes { log.debug("netlink: \(change)") }
        } catch {
            throw .netlink(error.description)
        }
        appliedIndex = index
        // Status and doctor show routes as `ip route` would: by interface name, not index.
        installedRoutes = (desired.routes.map(\.description) + desired.rules.map(\.description))
            .map { $0.replacingText("dev #\(index)", with: "dev \(interface)") }
        let (dns, rejected) = DNSConfiguration.sanitized(servers: config.dns, domains: config.domains)
        for rejection in rejected { log.warning("DNS from the lease refused: \(rejection)") }
        do {
            let configurator = try DNSConfigurator(backend: dnsBackend, interface: interface)
            try writeDNSMarker(interface)
            try configurator.apply(dns)
            dnsInterface = interface
        } catch {
            throw .dns("\(error)")
        }
        return changes
    }

    /// Removes what `apply` installed (addresses, routes, the rule, DNS). Idempotent. Returns
    /// what changed in the kernel.
    @discardableResult
    public func remove() -> [NetconfigChange] {
        var removed: [NetconfigChange] = []
        if let index = appliedIndex {
            do {
                let changes = try installer.removeAll(interfaceIndex: index)
                removed = changes
                for change in changes { log.debug("netlink: \(change)") }
            } catch {
                log.warning("removing the network configuration failed: \(error)")
            }
            appliedIndex = nil
        }
        installedRoutes = []
        if let interface = dnsInterface {
            do {
                try DNSConfigurator(backend: dnsBackend, interface: interface).remove()
            } catch {
                log.warning("removing DNS failed: \(error)")
            }
            dnsInterface = nil
            unlink(dnsMarkerPath)
        }
        return removed
    }

    // MARK: - The DNS marker

    private var dnsMarkerPath: String { stateDirectory + "/dns-interface" }

    private func writeDNSMarker(_ interface: String) throws(DaemonError) {
        mkdir(stateDirectory, 0o755)
        do { try TextFile.writeAtomically(interface + "\n", to: dnsMarkerPath) } catch { throw .system(error.description) }
    }

    private func readDNSMarker() -> String? {
        guard let line = (try? TextFile.firstLine(dnsMarkerPath)) ?? nil, !line.isEmpty else { return nil }
        return line
    }
}

extension DNSBackend {
    /// resolvconf when `detect` found it, else the file.
    fileprivate func resolvconfOrFile(_ path: String) -> DNSBackend {
        if case .resolvconf = self { return self }
        return .file(path: path)
    }
}
