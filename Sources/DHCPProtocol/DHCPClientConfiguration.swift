/// How a `DHCPClientMachine` behaves. Fixed for the machine's lifetime.
public struct DHCPClientConfiguration: Sendable {
    /// The interface's MAC address (6 bytes), sent in `chaddr`; replies for another are dropped.
    public var hardwareAddress: [UInt8]
    /// Option 61; defaults to type 1 (Ethernet) + the MAC, like dhcpcd and systemd.
    public var clientIdentifier: [UInt8]
    /// Option 12, when set (must already be a valid host name).
    public var hostName: String?
    /// Ask for Rapid Commit (option 80, RFC 4039) and accept a 2-packet DISCOVER/ACK exchange.
    public var rapidCommit = true
    /// Send DHCPRELEASE on `.stop` while holding a lease.
    public var releaseOnStop = true
    /// Probe a newly leased address with ARP for this long before using it (nil: no probe,
    /// like dhcpcd's `noarp`; the fast path the benchmark measures).
    public var addressProbeMilliseconds: Int64?
    /// Wait before the first retransmission of a DISCOVER or REQUEST (nil: the RFC's 4 s). See
    /// `DHCPBackoff.retransmitDelay(attempt:jitterMilliseconds:firstMilliseconds:)`.
    public var firstRetransmitMilliseconds: Int64?
    /// Option 55.
    public var parameterRequestList: [UInt8] = [1, 3, 6, 12, 15, 26, 28, 51, 54, 58, 59]
    /// FOR TESTS: replace the server's T1 / T2 / lease time (seconds) so renewal, rebinding and
    /// expiry can be exercised against a server whose minimum lease is minutes (dnsmasq: 120 s).
    public var renewAfterOverride: UInt32?
    public var rebindAfterOverride: UInt32?
    public var expireAfterOverride: UInt32?
    /// Seed of the generator for transaction ids and retransmission jitter; tests fix it.
    public var randomSeed: UInt64
    /// REQUEST transmissions in INIT-REBOOT before falling back to DISCOVER.
    public var rebootAttempts = 2
    /// REQUEST transmissions in REQUESTING before starting over with DISCOVER.
    public var requestAttempts = 4
    /// RFC 2131 §3.1 step 5: wait at least 10 s after a DECLINE before starting again.
    public var declineWaitSeconds: Int64 = 10

    public init(hardwareAddress: [UInt8], randomSeed: UInt64) {
        self.hardwareAddress = hardwareAddress
        self.clientIdentifier = [1] + hardwareAddress
        self.randomSeed = randomSeed
    }
}
