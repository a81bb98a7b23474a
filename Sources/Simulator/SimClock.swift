import Dispatch

/// Scaled time for the simulator: every latency is given in real-module seconds and divided
/// by `speed` (tests use 20-50).
final class SimClock: @unchecked Sendable {
    let queue: DispatchQueue
    var speed: Double

    init(queue: DispatchQueue, speed: Double) {
        self.queue = queue
        self.speed = speed
    }

    /// Runs `body` on the queue after `seconds` of module time.
    func after(_ seconds: Double, _ body: @escaping () -> Void) {
        let scaled = max(0, seconds / speed)
        let box = UncheckedBox(body)
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(scaled * 1e9))) { box.value() }
    }
}

/// Carries a value confined to the simulator's serial queue across a Dispatch hop.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
