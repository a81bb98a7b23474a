/// Retransmission delays as pure functions of the attempt (RFC 2131 §4.1, §4.4.5).
public enum DHCPBackoff {
    /// The wait after transmission number `attempt` (0 = the first) of a DISCOVER or REQUEST:
    /// 4, 8, 16, 32, then 64 s, plus `jitterMilliseconds` (the caller draws it from -1000...1000).
    public static func retransmitDelay(attempt: Int, jitterMilliseconds: Int64) -> Int64 {
        let seconds = Int64(min(4 << min(max(attempt, 0), 4), 64))
        return seconds * 1000 + jitterMilliseconds
    }

    /// The same, for a link where the server is one hop away across a cable (the module's DHCP
    /// server on the ECM link): a first packet lost there is a link-up race (carrier came up a
    /// moment before the module's side listens), not congestion, so the first retransmission
    /// follows after `firstMilliseconds` (± a tenth of the jitter), and from the second on the
    /// RFC's 4, 8, 16 ... 64 s apply. `firstMilliseconds` nil gives `retransmitDelay(attempt:)`.
    public static func retransmitDelay(attempt: Int, jitterMilliseconds: Int64, firstMilliseconds: Int64?) -> Int64 {
        guard let first = firstMilliseconds else {
            return retransmitDelay(attempt: attempt, jitterMilliseconds: jitterMilliseconds)
        }
        if attempt <= 0 { return max(0, first + jitterMilliseconds / 10) }
        return retransmitDelay(attempt: attempt - 1, jitterMilliseconds: jitterMilliseconds)
    }

    /// The wait before retransmitting a RENEWING/REBINDING REQUEST: half the time left until
    /// `deadline` (T2 or expiry), but at least 60 s; never past the deadline itself.
    public static func reacquisitionDelay(now: DHCPInstant, deadline: DHCPInstant) -> Int64 {
        let left = deadline.milliseconds(since: now)
        if left <= 0 { return 0 }
        return min(left, max(60_000, left / 2))
    }

    /// The wait before a new DISCOVER after `count` consecutive NAKs: none after the first,
    /// then 1, 2, 4 ... 64 s, so a server that always NAKs is not hammered.
    public static func nakDelay(count: Int) -> Int64 {
        count <= 1 ? 0 : Int64(min(1 << min(count - 2, 6), 64)) * 1000
    }
}
