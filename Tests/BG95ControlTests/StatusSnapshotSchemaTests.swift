import BG95Control
import Foundation
import TestSupport
import XCTest

/// The StatusSnapshot schema stays documented: every key a fully populated snapshot encodes
/// appears in the StatusSnapshot section of docs/control-api.md.
final class StatusSnapshotSchemaTests: XCTestCase {
    func testEveryEncodedFieldIsDocumented() throws {
        let doc = try String(contentsOfFile: TestEnvironment.packageRoot + "/docs/control-api.md", encoding: .utf8)
        guard let start = doc.range(of: "\nStatusSnapshot\n"), let end = doc.range(of: "\nExample session\n") else {
            return XCTFail("docs/control-api.md lacks the StatusSnapshot section")
        }
        let section = String(doc[start.upperBound..<end.lowerBound])
        var snapshot = ScriptedDaemon.onlineSnapshot
        snapshot.registrationCause = 15
        snapshot.lastError = "x"
        snapshot.recoveryRung = "renew-dhcp"
        snapshot.lastProbe?.detail = "x"
        snapshot.registrationCauseText = "x"
        snapshot.tac = "1A2B"
        snapshot.cellID = "01A2B3C"
        snapshot.factAges = ["network": 1]
        snapshot.counters?.rxBytesTotal = 1
        snapshot.counters?.txBytesTotal = 1
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(snapshot))
        var keys: [String] = []
        func collect(_ value: JSONValue, recoveries: Bool = false) {
            guard case .object(let object) = value else { return }
            for (key, child) in object {
                if recoveries { keys.append(key); continue }
                keys.append(key)
                collect(child, recoveries: key == "recoveries")
            }
        }
        collect(encoded)
        XCTAssertGreaterThan(keys.count, 40)
        for key in Set(keys) {
            XCTAssertTrue(section.contains(key), "StatusSnapshot field \(key) is not documented")
        }
    }
}
