#if canImport(Glibc)
import Glibc
#endif
import Supervisor
import BG95Core

/// One line per message on stderr; below `level` nothing is written.
///
/// Two formats, chosen once from where stderr goes:
/// - journald or a pipe: the syslog priority prefix (`<6>message`, sd-daemon(3)), so journald
///   files each line at the right level and adds its own timestamp;
/// - a terminal (someone ran `bg95d` by hand): `12:03:44.120 info    message`, a wall-clock time
///   and the level in words, no `<N>`.
///
/// Messages come from the supervisor and the adapters, which never put a PIN or password in
/// them; control characters are replaced so a hostile string (an operator name, a URC) cannot
/// forge extra log lines.
public final class DaemonLogger: @unchecked Sendable {
    public enum Style: Sendable, Equatable {
        case journal
        case terminal
    }

    public var level: LogPriority
    public var style: Style
    /// Extra sink (tests, `bg95ctl watch`); gets the line without prefix.
    public var observer: ((LogPriority, String) -> Void)?

    public init(level: LogPriority, style: Style? = nil) {
        self.level = level
        self.style = style ?? (isatty(2) == 1 ? .terminal : .journal)
    }

    public func log(_ priority: LogPriority, _ message: String) {
        observer?(priority, message)
        guard priority <= level else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = Array(Self.format(priority, message, style: style, time: now).utf8)
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

    /// The line as written, newline included (pure, for tests). `time` is wall-clock time;
    /// the terminal style shows it in local time with milliseconds.
    public static func format(_ priority: LogPriority, _ message: String, style: Style, time: timespec) -> String {
        let clean = String(String.UnicodeScalarView(message.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        switch style {
        case .journal:
            return "\(priority.prefix)\(clean)\n"
        case .terminal:
            var seconds = time.tv_sec
            var parts = tm()
            localtime_r(&seconds, &parts)
            let millis = Int(time.tv_nsec / 1_000_000)
            let stamp = "\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec)))."
                + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis)
            let name = levelName(priority)
            return "\(stamp) \(name)\(String(repeating: " ", count: max(1, 8 - name.count)))\(clean)\n"
        }
    }

    static func levelName(_ priority: LogPriority) -> String {
        switch priority {
        case .error: return "error"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        case .debug: return "debug"
        }
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

    public func error(_ message: String) { log(.error, message) }
    public func warning(_ message: String) { log(.warning, message) }
    public func notice(_ message: String) { log(.notice, message) }
    public func info(_ message: String) { log(.info, message) }
    public func debug(_ message: String) { log(.debug, message) }
}
