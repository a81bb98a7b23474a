import BG95Core

/// What the network gave us for one interface: the input of the desired-state computation.
///
/// The DHCP client maps its lease to this value (`bg95d dhcp --configure`, the supervisor).
/// Every field is untrusted network data; `DesiredState.init` validates it and throws
/// `NetconfigError` rather than installing anything odd.
public struct InterfaceConfig: Equatable, Sendable {
    /// The leased address.
    public var address: IPv4Address
    /// The subnet prefix length (DHCP option 1 turned into a length), 1...32.
    public var prefixLength: UInt8
    /// The default gateway (DHCP option 3, first router); nil installs no default routes.
    public var gateway: IPv4Address?
    /// Resolvers (DHCP option 6), validated again by `DNSConfiguration` before use.
    public var dns: [IPv4Address]
    /// Domain name / search domains (DHCP options 15/119) as received; validated by `DNSConfiguration`.
    public var domains: [String]
    /// Interface MTU (DHCP option 26); nil leaves the MTU alone.
    public var mtu: UInt32?
    /// Seconds the lease is still valid; the address gets this as its kernel lifetime so it
    /// disappears by itself if bg95 dies. nil means forever.
    public var leaseLifetime: UInt32?

    public init(
        address: IPv4Address, prefixLength: UInt8, gateway: IPv4Address? = nil, dns: [IPv4Address] = [],
        domains: [String] = [], mtu: UInt32? = nil, leaseLifetime: UInt32? = nil
    ) {
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.dns = dns
        self.domains = domains
        self.mtu = mtu
        self.leaseLifetime = leaseLifetime
    }
}
