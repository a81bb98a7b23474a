/// The capped exponential backoff between recovery attempts.
///
/// A pure function of the attempt number, so tests can check every value and status can say
/// when the next attempt happens.
public struct Backoff: Sendable, Equatable {
    /// The delay before the second attempt; each further attempt doubles it.
    public var initial: Duration
    /// No delay is ever longer than this (the ladder never gives up, it only slows down).
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The delay before attempt `attempt` (1-based) since the link was last online.
    ///
    /// The first attempt is immediate: a dropped PDP context should be restored at once.
    /// Attempt n >= 2 waits `initial * 2^(n-2)`, capped at `maximum`. Attempt numbers below 1
    /// are treated as 1.
    public func delay(beforeAttempt attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        var delay = initial
        var step = 2
        while step < attempt {
            delay = delay * 2
            if delay >= maximum { return maximum }
            step += 1
        }
        return min(delay, maximum)
    }
}
