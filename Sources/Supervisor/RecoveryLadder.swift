/// Where the supervisor stands on the recovery ladder: the current rung, the attempts made on
/// it, and the attempts made since the link was last online (which drive the backoff).
public struct RecoveryLadder: Sendable, Equatable {
    /// The rung the next (or current) attempt uses; nil while the link is healthy.
    public private(set) var rung: RecoveryRung?
    /// Attempts made on `rung` so far.
    public private(set) var attemptsOnRung: Int = 0
    /// Attempts made since the link was last online; attempt n waits `Backoff.delay(beforeAttempt: n)`.
    public private(set) var totalAttempts: Int = 0
    /// How many attempts each rung gets before the ladder climbs.
    public let attemptsPerRung: Int

    public init(attemptsPerRung: Int) {
        self.attemptsPerRung = max(1, attemptsPerRung)
    }

    public var isActive: Bool { rung != nil }

    /// Records that a fault needs remedying and returns the rung for the next attempt.
    ///
    /// `suggested` is the cheapest remedy that fits the fault (a dropped PDP context suggests
    /// restarting the data call; a lost lease suggests DHCP). The ladder never climbs down while
    /// active: a higher current rung wins. A rung whose attempts are used up gives way to the
    /// next one; the last acting rung (module reboot) repeats for ever.
    public mutating func climb(suggested: RecoveryRung) -> RecoveryRung {
        let chosen: RecoveryRung
        if let current = rung {
            if suggested > current {
                chosen = suggested
                attemptsOnRung = 0
            } else if attemptsOnRung >= attemptsPerRung && current.next != current {
                chosen = current.next
                attemptsOnRung = 0
            } else {
                chosen = current
            }
        } else {
            chosen = suggested
            attemptsOnRung = 0
        }
        rung = chosen
        attemptsOnRung += 1
        totalAttempts += 1
        return chosen
    }

    /// The link is proven online again: start from the bottom next time.
    public mutating func reset() {
        rung = nil
        attemptsOnRung = 0
        totalAttempts = 0
    }
}
