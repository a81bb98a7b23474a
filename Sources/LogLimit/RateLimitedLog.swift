/// Keeps an outside party from filling the log: at most `burst` lines per `interval` pass,
/// the rest are counted and reported as one summary line when the interval is over.
///
/// Pure: time is passed in as a `Duration` since any fixed origin (a monotonic clock), so it
/// is tested without waiting. One instance per log source (control clients, DHCP drops, URC
/// storms, garbage on the AT port); the owner writes whatever `admit`/`flush` return and, to
/// report the last suppressed lines of a storm that has stopped, calls `flush` at
/// `summaryDue` (e.g. from a one-shot timer). However many lines are offered, at most
/// `burst + 1` lines are written per interval.
///
/// Adopting it (e.g. in ModemIO for URC storms):
///
///     var urcLog = RateLimitedLog(source: "urc", burst: 10, interval: .seconds(10))
///     for line in urcLog.admit("unsolicited: \(urc)", now: monotonicNow()) { log(line) }
public struct RateLimitedLog: Sendable {
    /// Names the source in summary lines, e.g. `control`.
    public let source: String
    /// Lines that pass per interval.
    public let burst: Int
    /// Length of one counting window.
    public let interval: Duration
    /// Start of the current window; nil before the first line and after a flush.
    private var windowStart: Duration?
    private var admittedInWindow = 0
    /// Lines suppressed in the current window (not yet summarised).
    public private(set) var suppressedInWindow = 0
    /// Lines suppressed since creation, for statistics.
    public private(set) var totalSuppressed = 0

    public init(source: String, burst: Int = 5, interval: Duration = .seconds(10)) {
        precondition(burst >= 1 && interval > .zero, "RateLimitedLog needs a burst >= 1 and a positive interval")
        self.source = source
        self.burst = burst
        self.interval = interval
    }

    /// Offers `line` at `now`; returns the lines to write now: the previous window's summary
    /// if it is over, then `line` while the current window's burst lasts.
    public mutating func admit(_ line: String, now: Duration) -> [String] {
        var lines = flush(now: now)
        if windowStart == nil {
            windowStart = now
            admittedInWindow = 0
        }
        if admittedInWindow < burst {
            admittedInWindow += 1
            lines.append(line)
        } else {
            suppressedInWindow += 1
            totalSuppressed += 1
        }
        return lines
    }

    /// When the current window ends with suppressed lines to report; nil when nothing is owed.
    public var summaryDue: Duration? {
        guard suppressedInWindow > 0, let windowStart else { return nil }
        return windowStart + interval
    }

    /// Ends the current window if it is over at `now`: returns its summary line (when lines
    /// were suppressed) and lets the next line start a fresh window.
    public mutating func flush(now: Duration) -> [String] {
        guard let start = windowStart, now >= start + interval else { return [] }
        windowStart = nil
        admittedInWindow = 0
        let suppressed = suppressedInWindow
        suppressedInWindow = 0
        guard suppressed > 0 else { return [] }
        let seconds = interval.components.seconds
        return ["\(source): \(suppressed) more line\(suppressed == 1 ? "" : "s") suppressed in the last \(seconds) s (at most \(burst) per \(seconds) s)"]
    }
}
