import BG95Control
import Foundation
import TestSupport
import XCTest

/// The node_exporter textfile: when it is rewritten (pure policy), that the write is atomic,
/// and that the real prometheus-node-exporter serves the bg95_ metrics from it.
final class MetricsTextfileTests: XCTestCase {
    func testWritesOnChangeAtMostEveryInterval() {
        var policy = MetricsWritePolicy(minimumInterval: 10)
        XCTAssertEqual(policy.offer("a", now: 100), .write("a"))
        XCTAssertEqual(policy.offer("a", now: 101), .unchanged)
        XCTAssertEqual(policy.offer("b", now: 103), .retryAt(110))
        XCTAssertEqual(policy.offer("b", now: 110), .write("b"))
        XCTAssertEqual(policy.offer("b", now: 500), .unchanged)
        policy.writeFailed()
        XCTAssertEqual(policy.offer("b", now: 501), .write("b"))
    }

    func testTextfileModeLeavesOutSelfChangingAges() {
        let snapshot = ScriptedDaemon.onlineSnapshot
        let file = PrometheusText.render(snapshot, ages: false)
        XCTAssertFalse(file.contains("bg95_state_age_seconds"))
        XCTAssertFalse(file.contains("bg95_probe_age_seconds"))
        XCTAssertTrue(file.contains("bg95_online_since_timestamp_seconds 1790000000\n"), file)
        var older = snapshot
        older.stateAge = 999
        older.lastProbe?.age = 300
        older.uptime = 999
        older.leaseRemaining = 10
        XCTAssertEqual(PrometheusText.render(older, ages: false), file)
    }

    func testAtomicWriteReplacesTheFile() throws {
        let directory = NSTemporaryDirectory() + "bg95-metrics-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bg95.prom"
        try MetricsTextfile.write("one\n", to: path)
        try MetricsTextfile.write("two\n", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "two\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["bg95.prom"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o644)
        XCTAssertThrowsError(try MetricsTextfile.write("x", to: directory + "/missing/bg95.prom"))
    }

    /// The real node_exporter (Debian's prometheus-node-exporter) with only the textfile
    /// collector, listening on loopback in a namespace this test creates and deletes; a raw
    /// HTTP GET from inside it must return the bg95_ metrics.
    func testNodeExporterServesTheMetrics() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["ip", "prometheus-node-exporter", "bash"])
        let namespace = "bg95m" + TestEnvironment.uniquePrefix()
        let directory = NSTemporaryDirectory() + "bg95-textfile-\(namespace)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Command.check(["ip", "netns", "add", namespace])
        var exporter: Process?
        defer {
            if let exporter, exporter.isRunning { exporter.terminate(); exporter.waitUntilExit() }
            _ = try? Command.run(["ip", "netns", "delete", namespace])
            try? FileManager.default.removeItem(atPath: directory)
        }
        try Command.check(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"])

        var snapshot = ScriptedDaemon.onlineSnapshot
        snapshot.module?.model = "BG95-M3 \"quoted\""
        try MetricsTextfile.write(PrometheusText.render(snapshot, ages: false), to: directory + "/bg95.prom")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.which("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, TestEnvironment.which("prometheus-node-exporter")!,
                             "--web.listen-address=127.0.0.1:9100", "--collector.disable-defaults",
                             "--collector.textfile", "--collector.textfile.directory=\(directory)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        exporter = process

        // A raw HTTP/1.0 GET through bash's /dev/tcp, inside the namespace; retried until the
        // exporter listens (it reports nothing when ready).
        func scrape() throws -> String {
            try Command.run(["ip", "netns", "exec", namespace, "bash", "-c",
                             "exec 3<>/dev/tcp/127.0.0.1/9100 && printf 'GET /metrics HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' >&3 && cat <&3"]).stdout
        }
        var body = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            body = try scrape()
            if body.hasPrefix("HTTP/1.0 200") { break }
            XCTAssertTrue(process.isRunning, "node_exporter exited (\(process.terminationStatus))")
            usleep(100_000)
        }
        XCTAssertTrue(body.hasPrefix("HTTP/1.0 200"), body)
        for line in [
            "bg95_online 1",
            "bg95_state{state=\"online\"} 1",
            "bg95_signal_rsrp_dbm -95",
            "bg95_recoveries_total{rung=\"renew-dhcp\"} 1",
            "# TYPE bg95_recoveries_total counter",
            "node_textfile_scrape_error 0",
        ] {
            XCTAssertTrue(body.contains("\n" + line + "\n"), "node_exporter does not serve \(line):\n\(body)")
        }
        XCTAssertTrue(body.contains(#"model="BG95-M3 \"quoted\"""#), body)
    }
}
