@testable import BG95Daemon
import Glibc
import XCTest

/// The log line shapes: journald prefixes when stderr is not a terminal, time and level words
/// when it is; control characters never split a line. Pure (no root needed).
final class DaemonLoggerFormatTests: XCTestCase {
    func testJournalStyleKeepsThePriorityPrefix() {
        let line = DaemonLogger.format(.warning, "AT port: stalled", style: .journal, time: timespec(tv_sec: 0, tv_nsec: 0))
        XCTAssertEqual(line, "<4>AT port: stalled\n")
    }

    func testTerminalStyleHasTimeAndLevelAndNoPrefix() {
        setenv("TZ", "UTC", 1)
        tzset()
        let line = DaemonLogger.format(.info, "state: dhcp -> verifying\r\nforged", style: .terminal,
                                       time: timespec(tv_sec: 3723, tv_nsec: 45_000_000))
        XCTAssertEqual(line, "01:02:03.045 info    state: dhcp -> verifying  forged\n")
        XCTAssertFalse(line.hasPrefix("<"))
    }
}

/// The kernel's byte counters as /proc/net/dev shows them (pure parse).
final class TrafficCountersParseTests: XCTestCase {
    func testParsesTheInterfaceLine() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
              eth2: 12345      30    0    0    0     0          0         0     6789      25    0    0    0     0       0          0
            """
        XCTAssertEqual(TrafficCounters.parse(text, interface: "eth2")?.rx, 12345)
        XCTAssertEqual(TrafficCounters.parse(text, interface: "eth2")?.tx, 6789)
        XCTAssertNil(TrafficCounters.parse(text, interface: "eth20"))
        XCTAssertNil(TrafficCounters.parse("  eth2: 1 2 3\n", interface: "eth2"))
    }
}
