#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX error number with the call that produced it, in the spirit of swift-system's `Errno`.
///
/// Every syscall wrapper in bg95 throws this, so a log line or a status field can say
/// exactly which call failed and why ("open(/dev/ttyUSB2): EBUSY, Device or resource busy").
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The raw `errno` value.
    public let code: Int32
    /// The call (and, where useful, its argument) that failed, e.g. `"open(/dev/ttyUSB2)"`.
    public let call: String

    public init(code: Int32, call: String) {
        self.code = code
        self.call = call
    }

    /// Captures the current `errno` for `call`.
    public static func current(_ call: String) -> SystemError {
        SystemError(code: errno, call: call)
    }

    public var description: String {
        "\(call): \(SystemError.symbol(code)), \(String(cString: strerror(code)))"
    }

    /// The symbolic name for the common codes (EAGAIN, ENOENT, ...), else `errno N`.
    public static func symbol(_ code: Int32) -> String {
        switch code {
        case EPERM: return "EPERM"
        case ENOENT: return "ENOENT"
        case EINTR: return "EINTR"
        case EIO: return "EIO"
        case EBADF: return "EBADF"
        case EAGAIN: return "EAGAIN"
        case EACCES: return "EACCES"
        case EBUSY: return "EBUSY"
        case EEXIST: return "EEXIST"
        case ENODEV: return "ENODEV"
        case EINVAL: return "EINVAL"
        case ENOTTY: return "ENOTTY"
        case ENOSPC: return "ENOSPC"
        case EPIPE: return "EPIPE"
        case ENOBUFS: return "ENOBUFS"
        case ENETDOWN: return "ENETDOWN"
        case ENETUNREACH: return "ENETUNREACH"
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL"
        case EADDRINUSE: return "EADDRINUSE"
        case ECONNREFUSED: return "ECONNREFUSED"
        case ETIMEDOUT: return "ETIMEDOUT"
        case ENXIO: return "ENXIO"
        case ESRCH: return "ESRCH"
        case EHOSTUNREACH: return "EHOSTUNREACH"
        default: return "errno \(code)"
        }
    }
}

/// Runs a syscall that returns -1 on failure, retrying `EINTR`, throwing `SystemError` otherwise.
@discardableResult
public func retryingInterrupts<T: BinaryInteger>(_ call: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(code: code, call: call())
    }
}
