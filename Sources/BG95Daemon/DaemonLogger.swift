#if canImport(Glibc)
import Glibc
#endif
import Supervisor
import BG95Core

/// One line per message on stderr, prefixed with the syslog priority (`<6>`) so journald files
/// it at the right level (sd-daemon(3)); below `level` nothing is written.
///
/// Messages come from the supervisor and the adapters, which never put a PIN or password in
/// them; control characters are replaced so a hostile string (an operator name, a URC) cannot
/// forge extra log lines.
public final class DaemonLogger: @unchecked Sendable {
    public var level: LogPriority
    /// Extra sink (tests, `bg95ctl watch`); gets the line without prefix.
    public var observer: ((LogPriority, String) -> Void)?

    public init(level: LogPriority) {
        self.level = level
    }

    public func log(_ priority: LogPriority, _ message: String) {
        observer?(priority, message)
        guard priority <= level else { return }
        let clean = String(message.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let line = Array("\(priority.prefix)\(clean)\n".utf8)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    public func error(_ message: String) { log(.error, message) }
    public func warning(_ message: String) { log(.warning, message) }
    public func notice(_ message: String) { log(.notice, message) }
    public func info(_ message: String) { log(.info, message) }
    public func debug(_ message: String) { log(.debug, message) }
}
