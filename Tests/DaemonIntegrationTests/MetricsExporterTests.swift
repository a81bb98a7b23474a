import BG95Control
import BG95Daemon
import Dispatch
import Foundation
import XCTest

/// The daemon-side textfile writer: first change at once, a burst coalesced into one later
/// write after the interval, nothing rewritten when nothing changed. No root needed.
final class MetricsExporterTests: XCTestCase {
    func testWritesChangesCoalescedByTheInterval() throws {
        let directory = NSTemporaryDirectory() + "bg95-exporter-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bg95.prom"
        let queue = DispatchQueue(label: "exporter-test")
        var snapshot = StatusSnapshot(state: "registering")
        var logged: [String] = []
        let exporter = MetricsExporter(path: path, interval: 0.5, queue: queue, snapshot: { snapshot }, log: { logged.append($0) })
        func read() -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        queue.sync { exporter.changed() }
        XCTAssertTrue(read().contains("bg95_state{state=\"registering\"} 1"), read())
        let firstWrite = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date

        // Two changes within the interval: neither is written at once, the last one is, later.
        queue.sync { snapshot.state = "dhcp"; exporter.changed() }
        queue.sync { snapshot.state = "online"; exporter.changed() }
        XCTAssertTrue(read().contains("bg95_state{state=\"registering\"} 1"), "written too early")
        let deadline = Date().addingTimeInterval(5)
        while !read().contains("bg95_state{state=\"online\"} 1") && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(read().contains("bg95_state{state=\"online\"} 1"), read())
        XCTAssertFalse(read().contains("bg95_state{state=\"dhcp\"} 1"))

        // Nothing changed: the file is not touched.
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        XCTAssertNotEqual(before, firstWrite)
        usleep(600_000)
        queue.sync { exporter.changed() }
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date, before)
        queue.sync { exporter.stop() }
        XCTAssertTrue(logged.isEmpty, "\(logged)")
    }
}
