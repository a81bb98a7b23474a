import BG95System
import Dispatch
import LogLimit

/// The log lines whoever writes to the AT port can trigger one per line: garbage and overlong
/// lines, and with `trace` every URC. Each source passes its own `RateLimitedLog` (a burst per
/// 10 s window), so a babbling port or a URC storm cannot fill the log; a timer writes the
/// summary of what was suppressed. Every method must be called on `queue`.
final class PortInputLog: @unchecked Sendable {
    private enum Source: Hashable, Sendable { case portInput, urcTrace }

    private let log: (String) -> Void
    private var portInputLimit = RateLimitedLog(source: "AT port input", burst: 5, interval: .seconds(10))
    private var urcTraceLimit = RateLimitedLog(source: "AT URC trace", burst: 20, interval: .seconds(10))
    private let summaryTimers: OneShotTimers<Source>
    private var summaryArmed: Set<Source> = []

    init(queue: DispatchQueue, log: @escaping (String) -> Void) {
        self.log = log
        self.summaryTimers = OneShotTimers(queue: queue)
    }

    /// A line about what arrived on the port (garbage, an overlong line).
    func portInput(_ line: String) { admit(line, .portInput) }

    /// A URC shown by the AT trace.
    func urcTrace(_ line: String) { admit(line, .urcTrace) }

    private func admit(_ line: String, _ source: Source) {
        let now = Self.monotonicNow()
        let lines: [String]
        switch source {
        case .portInput: lines = portInputLimit.admit(line, now: now)
        case .urcTrace: lines = urcTraceLimit.admit(line, now: now)
        }
        for line in lines { log(line) }
        scheduleSummary(source)
    }

    /// Arms the summary timer of `source` when it owes a summary and none is armed.
    private func scheduleSummary(_ source: Source) {
        guard !summaryArmed.contains(source) else { return }
        let due: Duration?
        switch source {
        case .portInput: due = portInputLimit.summaryDue
        case .urcTrace: due = urcTraceLimit.summaryDue
        }
        guard let due else { return }
        summaryArmed.insert(source)
        summaryTimers.start(source, after: due - Self.monotonicNow(), leeway: .milliseconds(100)) { [weak self] source in
            guard let self else { return }
            self.summaryArmed.remove(source)
            let now = Self.monotonicNow()
            let lines: [String]
            switch source {
            case .portInput: lines = self.portInputLimit.flush(now: now)
            case .urcTrace: lines = self.urcTraceLimit.flush(now: now)
            }
            for line in lines { self.log(line) }
            self.scheduleSummary(source)
        }
    }

    private static func monotonicNow() -> Duration {
        .nanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds))
    }
}
