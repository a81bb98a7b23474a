/// syslog priorities; journald reads the `<n>` prefix of each stderr line.
public enum LogPriority: Int, Sendable, Equatable, Comparable, CaseIterable {
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    /// The `sd-daemon(3)` prefix, e.g. `<6>`.
    public var prefix: String { "<\(rawValue)>" }

    public static func < (lhs: LogPriority, rhs: LogPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}
