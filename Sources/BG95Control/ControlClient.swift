#if canImport(Glibc)
import Glibc
#endif
import BG95System

/// Why a control client call failed, classified the way `bg95ctl` maps them to exit codes.
public enum ControlClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No daemon listens on the socket (ENOENT, ECONNREFUSED).
    case notRunning(path: String, SystemError)
    /// The socket exists but this user may not connect (EACCES, EPERM).
    case permissionDenied(path: String)
    /// The daemon closed the connection.
    case closed
    /// No (complete) message arrived in time.
    case timeout
    /// The daemon sent something that is not a valid message (or a line over 1 MiB).
    case protocolViolation(String)
    /// Any other socket failure.
    case system(SystemError)

    public var description: String {
        switch self {
        case .notRunning(let path, let error): return "bg95d is not running (no daemon on \(path): \(SystemError.symbol(error.code)))"
        case .permissionDenied(let path): return "permission denied connecting to \(path) (need root or the bg95d control group)"
        case .closed: return "bg95d closed the connection"
        case .timeout: return "timed out waiting for bg95d"
        case .protocolViolation(let what): return "protocol error: \(what)"
        case .system(let error): return error.description
        }
    }
}

/// A blocking client for the control socket, as `bg95ctl` and tests use it.
///
/// One connection, requests numbered from 1. `request(_:timeout:)` returns the response to
/// that request, keeping events that arrive before it for `nextEvent(timeout:)`.
public final class ControlClient {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var pendingEvents: [ControlEvent] = []
    private var nextID = 1
    /// Lines from the daemon longer than this are a protocol violation (a status is a few KiB).
    public static let maxLineBytes = 1 << 20

    /// Connects to `path`. Throws `.notRunning`, `.permissionDenied` or `.system`.
    public init(path: String) throws(ControlClientError) {
        self.path = path
        let address: UnixSocketAddress
        do {
            address = try UnixSocketAddress(path)
        } catch {
            throw .system(error)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(.current("socket(AF_UNIX)")) }
        var result: Int32
        repeat {
            result = address.withSockaddr { connect(fd, $0, $1) }
        } while result != 0 && errno == EINTR
        if result != 0 {
            let error = SystemError.current("connect(\(path))")
            Glibc.close(fd)
            switch error.code {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw .notRunning(path: path, error)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            default: throw .system(error)
            }
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// Sends `command` and waits up to `timeout` seconds for its response.
    public func request(_ command: ControlRequest.Command, timeout: Double = 10) throws(ControlClientError) -> ControlResponse {
        let request = ControlRequest(id: nextID, command: command)
        nextID += 1
        try sendLine(request.encoded())
        let deadline = Self.now() + timeout
        while true {
            switch try readMessage(deadline: deadline) {
            case .event(let event):
                pendingEvents.append(event)
            case .response(let response):
                // An id-less response is the server refusing the connection (busy, too large).
                if response.id == request.id || response.id == nil { return response }
            }
        }
    }

    /// The next event (after the ones queued while waiting for a response), waiting up to
    /// `timeout` seconds (nil: forever). Responses arriving meanwhile are skipped.
    public func nextEvent(timeout: Double?) throws(ControlClientError) -> ControlEvent {
        if !pendingEvents.isEmpty { return pendingEvents.removeFirst() }
        let deadline = timeout.map { Self.now() + $0 }
        while true {
            if case .event(let event) = try readMessage(deadline: deadline) { return event }
        }
    }

    /// Writes raw bytes (tests use it to send malformed requests).
    public func sendRaw(_ bytes: [UInt8]) throws(ControlClientError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw .closed }
                throw .system(.current("send(\(path))"))
            }
            offset += count
        }
    }

    /// Reads the next line from the daemon as a message, waiting until `deadline`
    /// (monotonic seconds, nil: forever).
    public func readMessage(deadline: Double?) throws(ControlClientError) -> ControlMessage {
        let line = try readLine(deadline: deadline)
        do {
            return try ControlMessage(parsing: line)
        } catch {
            throw .protocolViolation(error.message)
        }
    }

    /// Reads one raw line (without newline).
    public func readLine(deadline: Double?) throws(ControlClientError) -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            if buffer.count > Self.maxLineBytes { throw .protocolViolation("line longer than \(Self.maxLineBytes) bytes") }
            var waitMs: Int32 = -1
            if let deadline {
                let remaining = deadline - Self.now()
                if remaining <= 0 { throw .timeout }
                waitMs = Int32(min(remaining * 1000, 86_400_000).rounded(.up))
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, waitMs)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(.current("poll"))
            }
            if ready == 0 { continue }  // re-check the deadline
            var chunk = [UInt8](repeating: 0, count: 16384)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw .closed }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { throw .closed }
                throw .system(.current("recv(\(path))"))
            }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// Monotonic time in seconds.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func sendLine(_ line: [UInt8]) throws(ControlClientError) {
        try sendRaw(line + [UInt8(ascii: "\n")])
    }
}
