#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import BG95System

/// The sd_notify protocol without libsystemd: datagrams of `KEY=value` lines to the socket
/// named by `$NOTIFY_SOCKET` (a path, or `@name` for a Linux abstract socket).
///
/// Without `$NOTIFY_SOCKET` (not started by systemd, or not `Type=notify`) every call is a
/// no-op, so the daemon calls it unconditionally. The watchdog interval comes from
/// `$WATCHDOG_USEC` (ignored when `$WATCHDOG_PID` names another process); the daemon arms
/// `startWatchdog(on:)` on its own serial queue, so a stalled event loop stops the pings and
/// systemd restarts it — the loop itself proves it is alive, not a side thread.
///
/// Use from one queue (the daemon's); not thread-safe.
public final class SystemdNotifier: @unchecked Sendable {
    /// `$NOTIFY_SOCKET` as given, nil when notifications are off.
    public let socketName: String?
    /// `$WATCHDOG_USEC` in microseconds when the watchdog is on for this process.
    public let watchdogMicroseconds: UInt64?

    private var fd: Int32 = -1
    /// The next `WATCHDOG=1`, re-armed by each ping; nil while the watchdog timer is off.
    private var watchdogTimers: OneShotTimers<WatchdogTimer>?
    private enum WatchdogTimer: Hashable, Sendable { case ping }

    /// Reads the settings from `environment` (keys `NOTIFY_SOCKET`, `WATCHDOG_USEC`,
    /// `WATCHDOG_PID`); `pid` is this process's id for the `WATCHDOG_PID` check.
    /// A malformed or zero `WATCHDOG_USEC` turns the watchdog off.
    public init(environment: [String: String], pid: Int32) {
        let socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketName = socket
        var usec = environment["WATCHDOG_USEC"].flatMap { UInt64($0) }
        if usec == 0 { usec = nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { usec = nil }
        watchdogMicroseconds = socket == nil ? nil : usec
    }

    /// Reads the settings from the process environment.
    public convenience init() {
        var environment: [String: String] = [:]
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        self.init(environment: environment, pid: getpid())
    }

    deinit {
        // `watchdogTimers` cancels its timer when it is released.
        if fd >= 0 { close(fd) }
    }

    /// Whether notifications go anywhere.
    public var isEnabled: Bool { socketName != nil }

    /// How often to send `WATCHDOG=1`: half the watchdog timeout, as sd_watchdog_enabled(3)
    /// recommends. nil when the watchdog is off.
    public var watchdogPingIntervalMicroseconds: UInt64? {
        watchdogMicroseconds.map { max($0 / 2, 1) }
    }

    /// `READY=1` with an optional `STATUS=`.
    public func ready(status: String? = nil) throws(SystemError) {
        try notify(["READY=1"] + (status.map { ["STATUS=" + Self.oneLine($0)] } ?? []))
    }

    /// `STATUS=<text>` (newlines become spaces: the protocol separates fields by newline).
    public func status(_ text: String) throws(SystemError) {
        try notify(["STATUS=" + Self.oneLine(text)])
    }

    /// `STOPPING=1`.
    public func stopping() throws(SystemError) {
        try notify(["STOPPING=1"])
    }

    /// `WATCHDOG=1`.
    public func watchdog() throws(SystemError) {
        try notify(["WATCHDOG=1"])
    }

    /// Sends `assignments` (`KEY=value` each, no newlines inside) as one datagram.
    /// No-op when disabled. Never blocks: when the receiver's queue is full the datagram is
    /// dropped with EAGAIN (a frozen event loop would be worse than a lost notification).
    /// Throws the failing socket call (ENOENT/ECONNREFUSED when the manager's socket is gone,
    /// EAGAIN when it is not reading); callers log and carry on.
    public func notify(_ assignments: [String]) throws(SystemError) {
        guard let socketName else { return }
        let address = try UnixSocketAddress(socketName)
        if fd < 0 {
            fd = try retryingInterrupts("socket(AF_UNIX, SOCK_DGRAM)") {
                socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            }
        }
        let message = Array(assignments.joined(separator: "\n").utf8)
        let descriptor = fd
        _ = try address.withSockaddr { sockaddr, length throws(SystemError) in
            try retryingInterrupts("sendto(\(socketName))") {
                message.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), sockaddr, length)
                }
            }
        }
    }

    /// Arms a timer on `queue` that sends `WATCHDOG=1` every `watchdogPingIntervalMicroseconds`
    /// (no-op when the watchdog is off). `onError` hears send failures (the timer keeps going).
    /// Arm it on the daemon's own serial queue: if that queue is blocked, pings stop.
    public func startWatchdog(on queue: DispatchQueue, onError: (@Sendable (SystemError) -> Void)? = nil) {
        guard let interval = watchdogPingIntervalMicroseconds, watchdogTimers == nil else { return }
        watchdogTimers = OneShotTimers(queue: queue)
        // The first ping at once, then one per period (each ping arms the next).
        schedulePing(after: .zero, period: .microseconds(Int64(min(interval, UInt64(Int32.max)))), onError: onError)
    }

    private func schedulePing(after delay: Duration, period: Duration, onError: (@Sendable (SystemError) -> Void)?) {
        watchdogTimers?.start(.ping, after: delay, leeway: .milliseconds(10)) { [weak self] _ in
            guard let self else { return }
            do throws(SystemError) {
                try self.watchdog()
            } catch {
                onError?(error)
            }
            self.schedulePing(after: period, period: period, onError: onError)
        }
    }

    /// Cancels the watchdog timer.
    public func stopWatchdog() {
        watchdogTimers?.cancelAll()
        watchdogTimers = nil
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
