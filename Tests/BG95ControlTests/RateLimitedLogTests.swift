import LogLimit
import XCTest

final class RateLimitedLogTests: XCTestCase {
    func testBurstPassesThenOneSummaryPerInterval() {
        var log = RateLimitedLog(source: "control clients", burst: 3, interval: .seconds(10))
        var written: [String] = []
        for i in 0..<1_000 { written += log.admit("line \(i)", now: .milliseconds(i)) }
        XCTAssertEqual(written, ["line 0", "line 1", "line 2"])
        XCTAssertEqual(log.summaryDue, .seconds(10))
        XCTAssertEqual(log.flush(now: .milliseconds(9_999)), [])
        XCTAssertEqual(log.flush(now: .seconds(10)), ["control clients: 997 more lines suppressed in the last 10 s (at most 3 per 10 s)"])
        XCTAssertNil(log.summaryDue)
        XCTAssertEqual(log.totalSuppressed, 997)
        // A new window admits a new burst.
        XCTAssertEqual(log.admit("later", now: .seconds(11)), ["later"])
    }

    func testSummaryComesWithTheNextLineWhenNobodyFlushed() {
        var log = RateLimitedLog(source: "dhcp", burst: 1, interval: .seconds(1))
        XCTAssertEqual(log.admit("a", now: .zero), ["a"])
        XCTAssertEqual(log.admit("b", now: .milliseconds(10)), [])
        XCTAssertEqual(log.admit("c", now: .seconds(5)), ["dhcp: 1 more line suppressed in the last 1 s (at most 1 per 1 s)", "c"])
    }

    /// However many lines come, at most burst + 1 are written per interval.
    func testOutputIsBoundedWhateverTheInput() {
        var log = RateLimitedLog(source: "x", burst: 5, interval: .seconds(1))
        var random = SplitMix64(seed: 7)
        var now = Duration.zero
        var perSecond: [Int64: Int] = [:]
        for _ in 0..<100_000 {
            now += .microseconds(Int64(random.next() % 200))
            let lines = log.admit("l", now: now) + (random.next() % 50 == 0 ? log.flush(now: now) : [])
            perSecond[now.components.seconds, default: 0] += lines.count
        }
        XCTAssertGreaterThan(perSecond.count, 5)
        for (second, count) in perSecond { XCTAssertLessThanOrEqual(count, 12, "second \(second)") }
    }
}

/// A tiny deterministic PRNG so randomised tests replay identically.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
