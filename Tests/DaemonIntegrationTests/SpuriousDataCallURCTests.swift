import Foundation
import TestSupport
import XCTest

/// Issue 12 soak, issue 10 behaviour 1's spirit for the data call: a spurious
/// `+QIURC: "pdpdeact"`, `+CGEV: NW DETACH`, `+QNETDEVSTATUS: 0` or `RDY` while online (bg95sim's
/// `urc` verb emits the line without changing its state) is checked with `AT+CGACT?` (and
/// `AT+QNETDEVCTL?`) and changes nothing; a real PDP drop
/// (`pdp-drop`) still restarts the data call and comes back online.
final class SpuriousDataCallURCTests: XCTestCase {
    private let online = "-> online"

    func testSpuriousDataCallURCsKeepTheLinkOnlineAndARealDropRecovers() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline(timeout: 90)
        let onlineBefore = setup.count(online)

        try setup.fault("urc", "+QIURC:", "\"pdpdeact\",1")  // words joined with one space
        try setup.waitForLog("the data-call URC was spurious", after: 0, timeout: 20)
        try setup.fault("urc", "+CGEV:", "NW", "DETACH")
        try setup.waitForLog("the data-call URC was spurious", after: 1, timeout: 20)
        try setup.fault("urc", "+QNETDEVSTATUS:", "0")  // checked with AT+CGACT? and AT+QNETDEVCTL?
        try setup.waitForLog("the data-call URC was spurious", after: 2, timeout: 20)
        try setup.fault("urc", "RDY")
        try setup.waitForLog("the RDY was spurious", after: 0, timeout: 20)
        XCTAssertEqual(try setup.state(), "online")
        XCTAssertFalse(setup.log.contains("-> configuring-module (module restarted"), "no new bring-up:\n\(setup.tail(60))")
        XCTAssertEqual(setup.count("recovery: restarting the data call"), 0, "no data-call restart:\n\(setup.tail(60))")
        XCTAssertEqual(setup.count(online), onlineBefore, "never left online:\n\(setup.tail(60))")

        // A real drop: the sim deactivates the context (and, in this profile, also reports
        // `+QNETDEVSTATUS: 0`); the queries confirm it and the data call is restarted.
        try setup.fault("pdp-drop")
        try setup.waitForLog("recovery: restarting the data call", after: 0, timeout: 20)
        try setup.waitForLog(online, after: onlineBefore, timeout: 60)
        try setup.ping()
        XCTAssertEqual(try setup.stopDaemon(), 0)
    }
}
