import BG95System

/// Failures of the modem I/O layer, each with enough context to act on.
public enum ModemIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libudev could not be set up.
    case udev(String)
    /// A syscall on the AT port failed.
    case system(SystemError)
    /// Another process (another bg95d) holds the port's lock.
    case portBusy(port: String, lockFile: String, holder: String?)
    /// The port was closed or the device went away.
    case portClosed(port: String, reason: String)

    public var description: String {
        switch self {
        case .udev(let message): return "udev: \(message)"
        case .system(let error): return error.description
        case .portBusy(let port, let lockFile, let holder):
            return "\(port) is in use by another bg95d" + (holder.map { " (pid \($0))" } ?? "") + " (lock \(lockFile))"
        case .portClosed(let port, let reason): return "\(port) closed: \(reason)"
        }
    }
}
