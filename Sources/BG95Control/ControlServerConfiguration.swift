/// Settings of the control socket. Every field has a safe default.
public struct ControlServerConfiguration: Equatable, Sendable {
    /// Where the socket is created. Its folder must exist (systemd's RuntimeDirectory=bg95d).
    public var path: String = "/run/bg95d/control.sock"
    /// Permission bits of the socket file; connecting needs write permission.
    public var mode: UInt32 = 0o660
    /// Who may run what; `policy.group` also becomes the socket file's group.
    public var policy = ControlAccessPolicy()
    /// Connections beyond this are answered `busy` and closed (see `ControlAdmission`).
    public var maxClients = 16
    /// Slots only root may take, so peers other than root can never fill the socket.
    public var reservedForRoot = 4
    /// Connections one non-root uid may hold at once.
    public var maxClientsPerUID = 6
    /// Connections that peers the policy allows no command may hold at once, all together.
    public var maxOutsiderClients = 2
    /// A new connection must send its first complete request within this long, else
    /// `timeout` and close; until then it is "fresh" and may be evicted to make room.
    public var firstRequestTimeoutMilliseconds = 2_000
    /// Client-triggered log lines (refusals, drops, evictions): at most `logBurst` per
    /// `logIntervalSeconds`, then one summary line with the count.
    public var logBurst = 5
    public var logIntervalSeconds = 10
    /// A request line must be complete this long after its first byte, else `timeout` and close.
    public var requestTimeoutMilliseconds = 5_000
    /// A connection that has sent a request, with no subscription, no request in flight and
    /// no partial line, is closed after this long (watch subscribers are never idle-closed).
    public var idleTimeoutMilliseconds = 60_000
    /// Output queued for one client beyond this (a subscriber not reading) drops that client.
    public var maxQueuedBytes = 256 * 1024

    public init(path: String = "/run/bg95d/control.sock", policy: ControlAccessPolicy = ControlAccessPolicy()) {
        self.path = path
        self.policy = policy
    }
}
