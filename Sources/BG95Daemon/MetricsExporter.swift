import BG95Control
import BG95System
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Keeps a node_exporter textfile (`metrics_file`) current: the daemon calls `changed()` after
/// every event that may change the status; the file is rewritten when the metrics text
/// differs, at most once every `interval` seconds (a pending change is written when the
/// interval is over). Runs on the daemon's queue; a failed write is logged once per failure
/// streak and retried on the next change.
///
/// Hook for the daemon (three lines): create it when `metrics_file` is set, call `changed()`
/// at the end of `handle(_:)`, and `stop()` on shutdown.
public final class MetricsExporter {
    private let path: String
    private let queue: DispatchQueue
    private let snapshot: () -> StatusSnapshot
    private let log: (String) -> Void
    private var policy: MetricsWritePolicy
    /// The write of a pending change once the interval is over.
    private let timers: OneShotTimers<ExporterTimer>
    private enum ExporterTimer: Hashable, Sendable { case pendingWrite }
    private var failing = false

    public init(path: String, interval: Double, queue: DispatchQueue,
                snapshot: @escaping () -> StatusSnapshot, log: @escaping (String) -> Void) {
        self.path = path
        self.queue = queue
        self.snapshot = snapshot
        self.log = log
        policy = MetricsWritePolicy(minimumInterval: interval)
        timers = OneShotTimers(queue: queue)
    }

    /// Offers the current metrics; call on `queue`.
    public func changed() {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = Self.monotonic()
        switch policy.offer(PrometheusText.render(snapshot(), ages: false), now: now) {
        case .unchanged:
            return
        case .write(let text):
            do {
                try MetricsTextfile.write(text, to: path)
                if failing { log("metrics file \(path) written again") }
                failing = false
            } catch {
                policy.writeFailed()
                if !failing { log("metrics file \(path) not written: \(error)") }
                failing = true
            }
        case .retryAt(let instant):
            guard !timers.isArmed(.pendingWrite) else { return }
            timers.start(.pendingWrite, after: .nanoseconds(Int64(max(0, instant - now) * 1e9)), leeway: .nanoseconds(0)) { [weak self] _ in
                self?.changed()
            }
        }
    }

    public func stop() {
        timers.cancelAll()
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
