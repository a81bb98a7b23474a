import BG95Config
import BG95Core
import BG95System
import DHCPIO
import DHCPProtocol
import Dispatch
import Netconfig
import NetlinkIO
import Supervisor

/// What the daemon needs from the network side: link up, apply/remove a lease's configuration,
/// clean up after a killed run. `NetworkConfigurator` (rtnetlink) is the real one.
public protocol NetworkApplier: AnyObject {
    func bringUp(_ interface: String) throws(NetlinkError) -> LinkStatus
    func removeLeftovers() -> [String]
    @discardableResult
    func apply(_ lease: DHCPLease, on interface: String) throws(DaemonError) -> [NetconfigChange]
    @discardableResult
    func remove() -> [NetconfigChange]
    var installedRoutes: [String] { get }
}

/// The end-to-end probe. `ReachabilityProbe` (ICMP/DNS sockets bound to the interface) is the
/// real one.
public protocol Prober: AnyObject {
    func start(target: ProbeTarget, interface: String, source: String, dnsServer: String?,
               timeout: Duration, completion: @escaping (ProbeOutcome) -> Void)
    func cancel()
}

/// A DHCP client on one interface. `DHCPClient` (packet and UDP sockets) is the real one.
public protocol LeaseClient: AnyObject {
    var onLeaseAcquired: ((DHCPLease) -> Void)? { get set }
    var onLeaseRenewed: ((DHCPLease) -> Void)? { get set }
    var onLeaseLost: ((DHCPLease, DHCPLossReason) -> Void)? { get set }
    var onFailed: ((SystemError) -> Void)? { get set }
    var onLog: ((String) -> Void)? { get set }
    func start(previousAddress: IPv4Address?)
    func stop()
}

extension NetworkConfigurator: NetworkApplier {}
extension ReachabilityProbe: Prober {}
extension DHCPClient: LeaseClient {}

/// The daemon's adapters besides the modem: real ones by default, scripted fakes in the daemon
/// loop's unit tests.
public struct DaemonAdapters {
    public var makeNetwork: (DaemonConfiguration, DaemonLogger) throws -> NetworkApplier
    public var makeProbe: (DispatchQueue) -> Prober
    public var makeLeaseClient: (_ interface: String, _ queue: DispatchQueue) throws -> LeaseClient
    /// Watch rtnetlink for carrier changes (off in unit tests).
    public var watchLinks: Bool
    /// Catch SIGTERM/SIGINT (off in unit tests: the test process keeps its signals).
    public var handleSignals: Bool

    public init(
        makeNetwork: @escaping (DaemonConfiguration, DaemonLogger) throws -> NetworkApplier,
        makeProbe: @escaping (DispatchQueue) -> Prober,
        makeLeaseClient: @escaping (String, DispatchQueue) throws -> LeaseClient,
        watchLinks: Bool, handleSignals: Bool
    ) {
        self.makeNetwork = makeNetwork
        self.makeProbe = makeProbe
        self.makeLeaseClient = makeLeaseClient
        self.watchLinks = watchLinks
        self.handleSignals = handleSignals
    }

    /// rtnetlink, the reachability probe's sockets and the DHCP client's sockets.
    public static var system: DaemonAdapters {
        DaemonAdapters(
            makeNetwork: { configuration, log in try NetworkConfigurator(configuration: configuration, log: log) },
            makeProbe: { queue in ReachabilityProbe(queue: queue) },
            makeLeaseClient: { interface, queue in
                var options = DHCPClient.Options()
                options.releaseOnStop = true
                options.hostName = nil
                return try DHCPClient(interfaceName: interface, options: options, queue: queue)
            },
            watchLinks: true, handleSignals: true)
    }
}
