#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import BG95System
import LogLimit

/// The daemon's side of the control socket: a Unix stream socket served entirely by
/// DispatchSources on the daemon's serial queue.
///
/// Each connection is read without blocking; complete lines are parsed (`ControlRequest(parsing:)`),
/// checked against `ControlAccessPolicy` with the peer's `SO_PEERCRED`/`SO_PEERGROUPS`, and handed
/// to the daemon's `handler`, which answers through the `reply` closure it gets (now or later,
/// but on `queue`). Bad clients cannot hurt the daemon or other clients:
/// - a malformed request gets an error response and the connection stays usable;
/// - a line longer than `controlMaxRequestBytes` gets `request-too-large` and the connection closes;
/// - a partial line not completed within `requestTimeoutMilliseconds` gets `timeout` and closes;
/// - a connection must send its first request within `firstRequestTimeoutMilliseconds`; until
///   then it may be evicted to make room (`ControlAdmission`: slots reserved for root, per-uid
///   and outsider limits), so idle or unprivileged peers can never lock root out;
/// - idle connections close after `idleTimeoutMilliseconds`;
/// - an accept storm is taken in slices of `acceptsPerWakeUp`, so the queue keeps serving;
/// - when `accept` fails for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM)
///   the pending connection stays in the backlog and the listening source would fire again at
///   once (a busy loop): accepting pauses instead, for `acceptBackOff` (doubling up to its
///   maximum) or until a connection closes and frees a descriptor;
/// - log lines a client can trigger are rate-limited (`RateLimitedLog`);
/// - a client whose unread output exceeds `maxQueuedBytes` (a stuck subscriber) is dropped;
/// - writes never block and never raise SIGPIPE (MSG_NOSIGNAL).
///
/// A successful `watch` (or `up`/`down` with `follow`) subscribes the connection: from then on
/// `broadcast(_:)` pushes events to it (URC events only if it asked for them).
///
/// All methods must be called on `queue`.
public final class ControlServer: @unchecked Sendable {
    /// Answers one request; call exactly once, on the server's queue. Later calls are ignored.
    public typealias Reply = (Result<ControlResult, ControlFailure>) -> Void
    /// The daemon's request handler; called on the server's queue for permitted, well-formed
    /// requests only.
    public typealias Handler = (_ request: ControlRequest, _ peer: PeerCredentials, _ reply: @escaping Reply) -> Void

    public let configuration: ControlServerConfiguration
    private let queue: DispatchQueue
    private let handler: Handler
    private let log: (String) -> Void
    private var listenFD: Int32 = -1
    private var listenSource: DispatchSourceRead?
    private var connections: [ObjectIdentifier: ControlConnection] = [:]
    private var nextSequence: UInt64 = 0
    /// Log lines triggered by clients (refusals, drops, evictions) go through this.
    private var clientLog: RateLimitedLog
    /// The client-log summary and the end of a pause of accepting.
    private let timers: OneShotTimers<ServerTimer>
    private enum ServerTimer: Hashable, Sendable {
        /// Reports what the rate limit suppressed once its interval is over.
        case clientLogSummary
        /// Ends a pause of accepting (the listening source is suspended meanwhile).
        case acceptResume
    }
    /// Accepting is paused: the listening source is suspended until `acceptResume` fires or a
    /// connection closes.
    private var acceptPaused = false
    /// The next pause after a resource failure of `accept`; back to the minimum after a success.
    private var acceptBackOff = ControlServer.acceptBackOffRange.lowerBound

    /// Pauses of accepting after EMFILE/ENFILE/ENOBUFS/ENOMEM: 100 ms, doubling up to 1 s.
    static let acceptBackOffRange: ClosedRange<Duration> = .milliseconds(100) ... .seconds(1)

    /// Connections accepted per wake-up of the listening socket; the rest wait for the next.
    static let acceptsPerWakeUp = 16

    /// `log` receives one line per notable event (refusals, drops); it never sees request
    /// contents beyond the command name, so no secret can leak through it.
    public init(configuration: ControlServerConfiguration, queue: DispatchQueue, log: @escaping (String) -> Void = { _ in }, handler: @escaping Handler) {
        self.configuration = configuration
        self.queue = queue
        self.handler = handler
        self.log = log
        self.timers = OneShotTimers(queue: queue)
        self.clientLog = RateLimitedLog(
            source: "control clients", burst: max(1, configuration.logBurst),
            interval: .seconds(max(1, configuration.logIntervalSeconds)))
    }

    deinit {
        for connection in connections.values { connection.close() }
        // A suspended source must be resumed before it can be cancelled; `timers` cancels its
        // timers when it is released (deinit may run off the queue, so it is not called here).
        if acceptPaused { listenSource?.resume() }
        listenSource?.cancel()
    }

    /// Client-triggered log lines suppressed so far by the rate limit.
    public var suppressedLogLines: Int { clientLog.totalSuppressed }

    /// The number of open client connections.
    public var connectionCount: Int { connections.count }

    /// The number of subscribed connections (watchers).
    public var subscriberCount: Int { connections.values.filter(\.subscribed).count }

    /// Creates, binds and listens on the socket, then starts accepting.
    ///
    /// A stale socket file (nothing listening) is replaced; a live one (another daemon answers)
    /// makes this throw EADDRINUSE rather than steal it. The socket gets `mode` and, when the
    /// policy has a group, that group.
    public func start() throws(SystemError) {
        precondition(listenFD < 0, "ControlServer started twice")
        let path = configuration.path
        let address = try UnixSocketAddress(path)
        try removeStaleSocket(address: address)
        let fd = try retryingInterrupts("socket(AF_UNIX, SOCK_STREAM)") {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        do throws(SystemError) {
            // Create the file with no access, then open it up: no window where anyone may connect.
            let oldMask = umask(0o777)
            let bound = address.withSockaddr { bind(fd, $0, $1) }
            let bindErrno = errno
            umask(oldMask)
            if bound != 0 { throw SystemError(code: bindErrno, call: "bind(\(path))") }
            if let group = configuration.policy.group {
                try retryingInterrupts("chown(\(path), -1, \(group))") { chown(path, uid_t.max, group) }
            }
            try retryingInterrupts("chmod(\(path))") { chmod(path, mode_t(configuration.mode)) }
            try retryingInterrupts("listen(\(path))") { listen(fd, 64) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        listenFD = fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptPending() }
        source.setCancelHandler { Glibc.close(fd) }
        listenSource = source
        source.resume()
    }

    /// Stops listening, closes every connection and removes the socket file.
    public func stop() {
        guard listenFD >= 0 else { return }
        resumeAccepting()  // a suspended source must be resumed before it can be cancelled
        listenSource?.cancel()
        listenSource = nil
        listenFD = -1
        unlink(configuration.path)
        for connection in connections.values { connection.close() }
        connections.removeAll()
        timers.cancel(.clientLogSummary)
        for line in clientLog.flush(now: .seconds(Int64.max / 2)) { log(line) }
    }

    /// Pushes `event` to every subscribed connection (URCs only to those that asked).
    /// Never blocks: a subscriber that cannot keep up is dropped.
    public func broadcast(_ event: ControlEvent) {
        let line = ControlMessage.event(event).encoded()
        for connection in connections.values where connection.subscribed {
            if event.isURC && !connection.wantsURCs { continue }
            connection.enqueue(line)
        }
    }

    // MARK: - Internals

    private func removeStaleSocket(address: UnixSocketAddress) throws(SystemError) {
        var info = stat()
        guard lstat(configuration.path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError(code: EEXIST, call: "bind(\(configuration.path)): exists and is not a socket")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw SystemError.current("socket(AF_UNIX)") }
        defer { Glibc.close(probe) }
        if address.withSockaddr({ connect(probe, $0, $1) }) == 0 {
            throw SystemError(code: EADDRINUSE, call: "bind(\(configuration.path)): another daemon is listening")
        }
        unlink(configuration.path)
    }

    private func acceptPending() {
        for _ in 0..<Self.acceptsPerWakeUp {
            // accept4 is hidden without _GNU_SOURCE; set the flags right after (single-threaded
            // daemon: no exec can race in between).
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    pauseAccepting(SystemError(code: code, call: "accept"))
                } else if code != EAGAIN && code != EWOULDBLOCK {
                    logClientEvent("\(SystemError(code: code, call: "accept"))")
                }
                return
            }
            acceptBackOff = Self.acceptBackOffRange.lowerBound
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            do {
                try setNonBlocking(fd)
            } catch {
                logClientEvent("\(error)")
                Glibc.close(fd)
                continue
            }
            guard let peer = PeerCredentials.of(socket: fd) else {
                logClientEvent("refusing a connection whose credentials cannot be read")
                Glibc.close(fd)
                continue
            }
            admit(fd: fd, peer: peer)
        }
    }

    /// Suspends the listening source for the current back-off; the connection that could not
    /// be accepted waits in the backlog. Clients can cause this, so the line is rate-limited.
    private func pauseAccepting(_ error: SystemError) {
        guard !acceptPaused, let listenSource else { return }
        let pause = acceptBackOff
        acceptBackOff = min(acceptBackOff * 2, Self.acceptBackOffRange.upperBound)
        logClientEvent("\(error); pausing accepting for \(pause) (\(connections.count) connections open)")
        listenSource.suspend()
        acceptPaused = true
        timers.start(.acceptResume, after: pause, leeway: .milliseconds(10)) { [weak self] _ in self?.resumeAccepting() }
    }

    /// Ends a pause of accepting (its timer fired, or a connection closed); no-op otherwise.
    private func resumeAccepting() {
        guard acceptPaused else { return }
        timers.cancel(.acceptResume)
        acceptPaused = false
        listenSource?.resume()
    }

    private func admit(fd: Int32, peer: PeerCredentials) {
        let rank = ControlAdmission.Rank(peer, policy: configuration.policy)
        let slots = connections.values.map {
            ControlAdmission.Slot(id: Int(truncatingIfNeeded: $0.sequence), uid: $0.peer.uid, rank: $0.rank, fresh: $0.isFresh, sequence: $0.sequence)
        }
        switch ControlAdmission.decide(newcomer: peer.uid, rank: rank, open: slots, configuration: configuration) {
        case .admit:
            break
        case .admitEvicting(let id):
            if let victim = connections.values.first(where: { Int(truncatingIfNeeded: $0.sequence) == id }) {
                victim.evict(reason: "evicted for \(peer): no request yet while the socket is full")
            }
        case .refuse(let reason):
            logClientEvent("refusing \(peer): \(reason)")
            var line = ControlMessage.response(ControlResponse(id: nil, command: nil, outcome: .failure(ControlFailure(.busy, reason)))).encoded()
            line.append(UInt8(ascii: "\n"))
            _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Glibc.close(fd)
            return
        }
        nextSequence += 1
        let connection = ControlConnection(fd: fd, peer: peer, rank: rank, sequence: nextSequence, server: self, queue: queue)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    /// Logs a line a client caused, through the rate limit; a timer reports what was
    /// suppressed once the interval is over.
    func logClientEvent(_ line: String) {
        let now = Self.monotonicNow()
        for line in clientLog.admit(line, now: now) { log(line) }
        scheduleClientLogSummary()
    }

    private func scheduleClientLogSummary() {
        guard !timers.isArmed(.clientLogSummary), let due = clientLog.summaryDue else { return }
        timers.start(.clientLogSummary, after: due - Self.monotonicNow(), leeway: .milliseconds(100)) { [weak self] _ in
            guard let self else { return }
            for line in self.clientLog.flush(now: Self.monotonicNow()) { self.log(line) }
            self.scheduleClientLogSummary()
        }
    }

    static func monotonicNow() -> Duration {
        .nanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds))
    }

    func connectionClosed(_ connection: ControlConnection, reason: String?) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
        if let reason { logClientEvent("closed connection of \(connection.peer): \(reason)") }
        resumeAccepting()  // its descriptor is free again
    }

    func receive(line: ArraySlice<UInt8>, from connection: ControlConnection) {
        let request: ControlRequest
        do {
            request = try ControlRequest(parsing: line)
        } catch {
            logClientEvent("refused a request from \(connection.peer): \(error.failure)")
            connection.respond(ControlResponse(id: error.id, command: nil, outcome: .failure(error.failure)))
            return
        }
        if case .denied(let reason) = configuration.policy.decide(request.name, for: connection.peer) {
            logClientEvent("permission denied for \(request.name.rawValue) from \(connection.peer)")
            connection.respond(ControlResponse(id: request.id, command: request.name, outcome: .failure(ControlFailure(.permissionDenied, reason))))
            return
        }
        connection.pendingReplies += 1
        var answered = false
        handler(request, connection.peer) { [weak connection] outcome in
            guard !answered else { return }
            answered = true
            guard let connection, !connection.closed else { return }
            connection.pendingReplies -= 1
            if case .success = outcome, request.subscribes {
                connection.subscribe(urcs: request.wantsURCs)
            }
            connection.respond(ControlResponse(id: request.id, command: request.name, outcome: outcome))
        }
    }
}

extension PeerCredentials {
    /// Reads `SO_PEERCRED` and `SO_PEERGROUPS` of a connected Unix socket; nil when the
    /// kernel does not report credentials (never for AF_UNIX stream sockets on Linux).
    static func of(socket fd: Int32) -> PeerCredentials? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } without needing _GNU_SOURCE.
        var raw: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: raw))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &raw, &length) == 0, length == 12 else { return nil }
        var credentials = PeerCredentials(pid: raw.0, uid: raw.1, gid: raw.2)
        // SO_PEERGROUPS (Linux 4.13+): ERANGE tells the size needed.
        let soPeerGroups: Int32 = 59
        var groups = [gid_t](repeating: 0, count: 64)
        var groupBytes = socklen_t(groups.count * MemoryLayout<gid_t>.size)
        var status = getsockopt(fd, SOL_SOCKET, soPeerGroups, &groups, &groupBytes)
        if status != 0 && errno == ERANGE && groupBytes <= 65536 * 4 {
            groups = [gid_t](repeating: 0, count: Int(groupBytes) / MemoryLayout<gid_t>.size)
            status = getsockopt(fd, SOL_SOCKET, soPeerGroups, &groups, &groupBytes)
        }
        if status == 0 {
            credentials.groups = Array(groups.prefix(Int(groupBytes) / MemoryLayout<gid_t>.size))
        }
        return credentials
    }
}
