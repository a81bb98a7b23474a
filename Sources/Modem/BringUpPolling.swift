/// The fallback poll while the module finishes something asynchronous that a URC normally
/// announces (the net device connecting: `+QNETDEVSTATUS: 1`; the PDN's address: `+CGEV: ME PDN
/// ACT`). The URC ends the wait at once; the poll only covers a lost or disabled URC, so it
/// starts fast (the module is across a USB cable, an answer costs ~30 ms) and backs off:
/// 100, 200, 400, 800 ms, then every second, bounded by the total time waited.
public enum BringUpPolling {
    /// The first wait; each following one doubles up to `maximum`.
    public static let initial: Duration = .milliseconds(100)
    public static let maximum: Duration = .seconds(1)

    /// The wait before poll `attempt` (1-based).
    public static func delay(beforeAttempt attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(1, attempt) where delay < maximum { delay = delay * 2 }
        return min(delay, maximum)
    }

    /// How many polls fit into `bound` (the waits before them summed), at least one.
    public static func attempts(within bound: Duration) -> Int {
        var total: Duration = .zero
        var count = 0
        while true {
            let next = total + delay(beforeAttempt: count + 1)
            guard next <= bound else { return max(1, count) }
            total = next
            count += 1
        }
    }
}
