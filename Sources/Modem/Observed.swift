/// A fact about the module and the instant it was last confirmed (read from a reply or a URC).
///
/// The instant is the machine's injected `now` when the reply arrived; readers compute the age
/// against their own `now` of the same clock.
public struct Observed<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var at: ContinuousClock.Instant

    public init(_ value: Value, at: ContinuousClock.Instant) {
        self.value = value
        self.at = at
    }

    /// Whole seconds since the fact was confirmed (never negative).
    public func age(now: ContinuousClock.Instant) -> Int {
        max(0, Int((now - at).components.seconds))
    }
}
