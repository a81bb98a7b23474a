/// Settings of the control socket. Every field has a safe default.
public struct ControlServerConfiguration: Equatable, Sendable {
    /// Where the socket is created. Its folder must exist (systemd's RuntimeDirectory=bg95d).
    public var path: String = "/run/bg95d/control.sock"
    /// Permission bits of the socket file; connecting needs write permission.
    public var mode: UInt32 = 0o660
    /// Who may run what; `policy.group` also becomes the socket file's group.
    public var policy = ControlAccessPolicy()
    /// Connections beyond this are answered `busy` and closed.
    public var maxClients = 16
    /// A request line must be complete this long after its first byte, else `timeout` and close.
    public var requestTimeoutMilliseconds = 5_000
    /// A connection with no subscription, no request in flight and no partial line is closed
    /// after this long.
    public var idleTimeoutMilliseconds = 60_000
    /// Output queued for one client beyond this (a subscriber not reading) drops that client.
    public var maxQueuedBytes = 256 * 1024

    public init(path: String = "/run/bg95d/control.sock", policy: ControlAccessPolicy = ControlAccessPolicy()) {
        self.path = path
        self.policy = policy
    }
}
