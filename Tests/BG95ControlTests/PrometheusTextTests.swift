import BG95Control
import XCTest

/// The Prometheus exposition of a status snapshot: names, HELP/TYPE pairs, one-hot state,
/// escaping, and nothing invented for unknown values.
final class PrometheusTextTests: XCTestCase {
    func testOnlineSnapshotMetrics() {
        var s = ScriptedDaemon.onlineSnapshot
        s.counters?.rxBytesTotal = 1000
        let text = PrometheusText.render(s)
        for line in [
            "# HELP bg95_online 1 while the end-to-end probe proves the link online.",
            "# TYPE bg95_online gauge",
            "bg95_online 1",
            "bg95_state{state=\"online\"} 1",
            "bg95_state{state=\"down\"} 0",
            "bg95_registered{status=\"home\"} 1",
            "bg95_signal_rsrp_dbm -95",
            "bg95_signal_sinr_db 12.4",
            "bg95_data_call_active 1",
            "bg95_online_seconds 75",
            "bg95_probe_success{method=\"icmp\",target=\"198.51.100.7\"} 1",
            "bg95_probe_rtt_seconds 0.0125",
            "# TYPE bg95_recoveries_total counter",
            "bg95_recoveries_total{rung=\"renew-dhcp\"} 1",
            "bg95_recoveries_total{rung=\"module-reboot\"} 0",
            "bg95_receive_bytes_total 1000",
        ] {
            XCTAssertTrue(text.split(separator: "\n").contains(Substring(line)), "missing \(line):\n\(text)")
        }
        // Every family has HELP then TYPE, and every sample belongs to a declared family.
        var declared: Set<String> = []
        let lines = text.split(separator: "\n")
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("# HELP ") {
                let name = line.split(separator: " ")[2]
                XCTAssertTrue(lines[index + 1].hasPrefix("# TYPE \(name) "), String(line))
                declared.insert(String(name))
            } else if !line.hasPrefix("#") {
                let name = line.prefix { $0 != "{" && $0 != " " }
                XCTAssertTrue(name.hasPrefix("bg95_"))
                XCTAssertTrue(declared.contains(String(name)), "undeclared \(name)")
            }
        }
        XCTAssertEqual(StatusSnapshot.stateNames.count, text.components(separatedBy: "bg95_state{").count - 1)
    }

    func testUnknownValuesAreLeftOutAndCausesCarried() {
        var s = StatusSnapshot(state: "registering")
        s.registration = "denied"
        s.registrationCause = 15
        let text = PrometheusText.render(s)
        XCTAssertFalse(text.contains("bg95_signal"))
        XCTAssertFalse(text.contains("bg95_probe"))
        XCTAssertTrue(text.contains("bg95_registered{status=\"denied\"} 0\n"), text)
        XCTAssertTrue(text.contains("bg95_registration_reject_cause{text=\"no suitable cells in tracking area\"} 15\n"), text)
        XCTAssertTrue(text.contains("bg95_online 0\n"))
    }

    func testLabelEscaping() {
        XCTAssertEqual(PrometheusText.escapeLabel(#"a"b\c"# + "\nd\u{1}"), #"a\"b\\c\nd"#)
        var s = StatusSnapshot(state: "online")
        s.module = .init(model: "BG95\"}\nbg95_online 0 #")
        let text = PrometheusText.render(s)
        XCTAssertTrue(text.contains(#"model="BG95\"}\nbg95_online 0 #""#), text)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("bg95_online ") }, ["bg95_online 1"])
    }

    func testValues() {
        XCTAssertEqual(PrometheusText.value(3), "3")
        XCTAssertEqual(PrometheusText.value(-0.5), "-0.5")
        XCTAssertEqual(PrometheusText.value(.nan), "NaN")
        XCTAssertEqual(PrometheusText.value(-.infinity), "-Inf")
    }
}
