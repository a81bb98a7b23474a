import Dispatch

/// Scaled time for the simulator: every latency is given in real-module seconds and divided
/// by `speed` (tests use 20-50).
final class SimClock: @unchecked Sendable {
    let queue: DispatchQueue
    var speed: Double
    /// The module-time latencies of the slow phases, settable with `bg95sim ctl latency`.
    var latencies = SimLatencies()

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

/// Module-time latencies (seconds, before the speed factor) of the phases that dominate a
/// bring-up, so tests and the demo can make one of them slow without slowing everything.
struct SimLatencies: Sendable {
    /// From the start of a network search to home/roaming/denied.
    var registration: Double = 4.0
    /// How long the USB device stays away during a reset before it re-enumerates.
    var boot: Double = 2.5
    /// Activating a PDP context (`AT+CGACT=1,<cid>` or `AT+QNETDEVCTL=1,<cid>,1`).
    var dataCall: Double = 1.2

    /// The phase names `ctl latency` accepts.
    static let phases = ["registration", "boot", "data-call"]

    /// Sets `phase` to `seconds`; false for an unknown phase.
    mutating func set(_ phase: String, to seconds: Double) -> Bool {
        switch phase {
        case "registration": registration = seconds
        case "boot": boot = seconds
        case "data-call": dataCall = seconds
        default: return false
        }
        return true
    }
}

/// Carries a value confined to the simulator's serial queue across a Dispatch hop.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
