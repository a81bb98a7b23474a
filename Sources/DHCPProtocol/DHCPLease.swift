import BG95Core
/// What a DHCPACK granted: the address and everything needed to configure the link.
///
/// Built by `init(ack:acquiredAt:)`, which refuses (returns `nil`) an ACK without a usable
/// address, lease time or a contiguous netmask, and drops (leaves out) values that would be
/// unsafe to pass on: a domain name that is not a plain host name, an MTU below 68, routers
/// and resolvers that are not unicast (0/8, 127/8, multicast, 240/4 and broadcast) or are our
/// own address. A lease shorter than `minimumLeaseSeconds` is raised to it, so a server cannot
/// drive the client into a renewal storm. Times are in seconds from `acquiredAt`; a lease of
/// `UInt32.max` is infinite (no renewal, never expires).
public struct DHCPLease: Equatable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefixLength: Int
    public var gateway: IPv4Address?
    public var dnsServers: [IPv4Address]
    public var domainName: String?
    public var mtu: Int?
    public var leaseSeconds: UInt32
    /// T1: when RENEWING starts (default half the lease).
    public var renewalSeconds: UInt32
    /// T2: when REBINDING starts (default 7/8 of the lease).
    public var rebindingSeconds: UInt32
    public var serverIdentifier: IPv4Address
    public var acquiredAt: DHCPInstant

    public static let infinite = UInt32.max
    /// Shorter leases (0 included) are taken as this long (dhcpcd uses 20 s, we renew at T1).
    public static let minimumLeaseSeconds: UInt32 = 60

    public init(address: IPv4Address, prefixLength: Int, gateway: IPv4Address?, dnsServers: [IPv4Address],
                domainName: String?, mtu: Int?, leaseSeconds: UInt32, renewalSeconds: UInt32? = nil,
                rebindingSeconds: UInt32? = nil, serverIdentifier: IPv4Address, acquiredAt: DHCPInstant) {
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.dnsServers = dnsServers
        self.domainName = domainName
        self.mtu = mtu
        self.leaseSeconds = leaseSeconds
        self.serverIdentifier = serverIdentifier
        self.acquiredAt = acquiredAt
        (self.renewalSeconds, self.rebindingSeconds) = DHCPLease.timers(lease: leaseSeconds, t1: renewalSeconds, t2: rebindingSeconds)
    }

    /// The lease an ACK grants, or `nil` (with the reason in `rejection`) when it is unusable.
    public init?(ack: DHCPMessage, acquiredAt: DHCPInstant, serverIdentifier fallback: IPv4Address? = nil) {
        guard DHCPLease.rejection(of: ack, fallbackServer: fallback) == nil,
              let lease = ack.leaseTime, let server = ack.serverIdentifier ?? fallback else { return nil }
        let prefix = ack.subnetMask.map { $0.prefixLength! } ?? DHCPLease.classfulPrefix(ack.yourAddress)
        let mtu = ack.interfaceMTU.map(Int.init).flatMap { $0 >= 68 ? $0 : nil }
        let ours = ack.yourAddress
        self.init(address: ours, prefixLength: prefix,
                  gateway: ack.routers.first { $0.isUnicast && $0 != ours },
                  dnsServers: ack.domainNameServers.filter { $0.isUnicast && $0 != ours },
                  domainName: ack.domainName.flatMap(DHCPLease.validatedDomainName),
                  mtu: mtu, leaseSeconds: max(lease, DHCPLease.minimumLeaseSeconds),
                  renewalSeconds: ack.renewalTime, rebindingSeconds: ack.rebindingTime,
                  serverIdentifier: server, acquiredAt: acquiredAt)
    }

    /// Why `ack` cannot become a lease, or `nil` when it can.
    public static func rejection(of ack: DHCPMessage, fallbackServer: IPv4Address? = nil) -> String? {
        if !ack.yourAddress.isUnicast { return "no usable yiaddr (\(ack.yourAddress))" }
        if ack.leaseTime == nil { return "no lease time (option 51)" }
        if ack.serverIdentifier == nil && fallbackServer == nil { return "no server identifier (option 54)" }
        if let mask = ack.subnetMask, mask.prefixLength == nil { return "non-contiguous netmask \(mask)" }
        return nil
    }

    /// When RENEWING starts, or `nil` for an infinite lease.
    public var renewAt: DHCPInstant? { deadline(renewalSeconds) }
    /// When REBINDING starts, or `nil` for an infinite lease.
    public var rebindAt: DHCPInstant? { deadline(rebindingSeconds) }
    /// When the lease expires, or `nil` for an infinite lease.
    public var expiresAt: DHCPInstant? { deadline(leaseSeconds) }

    public var description: String {
        "\(address)/\(prefixLength) from \(serverIdentifier) gw \(gateway.map { "\($0)" } ?? "-") lease \(leaseSeconds)s t1 \(renewalSeconds)s t2 \(rebindingSeconds)s"
    }

    private func deadline(_ seconds: UInt32) -> DHCPInstant? {
        leaseSeconds == DHCPLease.infinite ? nil : acquiredAt.adding(seconds: Int64(seconds))
    }

    /// RFC 2131 §4.4.5 defaults, and a fix-up so T1 <= T2 <= lease whatever the server sent.
    static func timers(lease: UInt32, t1: UInt32?, t2: UInt32?) -> (UInt32, UInt32) {
        if lease == infinite { return (infinite, infinite) }
        var rebind = t2 ?? UInt32(UInt64(lease) * 7 / 8)
        if rebind > lease { rebind = UInt32(UInt64(lease) * 7 / 8) }
        var renew = t1 ?? lease / 2
        if renew > rebind { renew = min(lease / 2, rebind) }
        return (renew, rebind)
    }

    /// The prefix when a server sends no netmask (RFC 1122 classful default).
    static func classfulPrefix(_ a: IPv4Address) -> Int {
        switch a.value >> 24 {
        case 0..<128: return 8
        case 128..<192: return 16
        default: return 24
        }
    }

    /// A domain name safe to write into resolver configuration: ASCII letters, digits, '-',
    /// '_' and '.', labels of 1-63 bytes, at most 253 bytes in all; otherwise `nil`.
    public static func validatedDomainName(_ name: String) -> String? {
        var n = Substring(name)
        if n.hasSuffix(".") { n = n.dropLast() }
        guard !n.isEmpty, n.utf8.count <= 253 else { return nil }
        for label in n.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count),
                  label.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F })
            else { return nil }
        }
        return String(n)
    }
}
