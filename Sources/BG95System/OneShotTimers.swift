import Dispatch

/// One-shot timers keyed by `Key`, on one serial queue: the one timer helper of the I/O side
/// (modem controller, DHCP client, probe, control socket, watchdog, metrics) instead of a
/// Dispatch timer with a generation counter copied into each.
///
/// Starting a key replaces its timer. A timer that was replaced or cancelled but whose event
/// was already queued is ignored (each start gets a new generation), so a stale timer can never
/// act. Every method must be called on `queue`; `fire` runs on it.
public final class OneShotTimers<Key: Hashable & Sendable>: @unchecked Sendable {
    private let queue: DispatchQueue
    private var timers: [Key: (source: DispatchSourceTimer, generation: UInt64)] = [:]
    private var generation: UInt64 = 0

    public init(queue: DispatchQueue) {
        self.queue = queue
    }

    deinit {
        for timer in timers.values { timer.source.cancel() }
    }

    /// Arms `key` to call `fire` once after `delay` (negative delays fire at once).
    public func start(_ key: Key, after delay: Duration, leeway: DispatchTimeInterval = .milliseconds(10),
                      fire: @escaping (Key) -> Void)
    {
        dispatchPrecondition(condition: .onQueue(queue))
        cancel(key)
        generation += 1
        let current = generation
        let source = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = delay.components
        let nanoseconds = max(0, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        source.schedule(deadline: .now() + .nanoseconds(nanoseconds), leeway: leeway)
        source.setEventHandler { [weak self] in
            guard let self, let armed = self.timers[key], armed.generation == current else { return }
            self.timers[key] = nil
            armed.source.cancel()
            fire(key)
        }
        timers[key] = (source, current)
        source.resume()
    }

    /// Disarms `key` (nothing happens when it is not armed).
    public func cancel(_ key: Key) {
        dispatchPrecondition(condition: .onQueue(queue))
        timers.removeValue(forKey: key)?.source.cancel()
    }

    public func cancelAll() {
        dispatchPrecondition(condition: .onQueue(queue))
        for timer in timers.values { timer.source.cancel() }
        timers.removeAll()
    }

    public func isArmed(_ key: Key) -> Bool { timers[key] != nil }
}
