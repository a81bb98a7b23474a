import BG95Control
import Foundation
import TestSupport
import XCTest

/// bg95ctl against a real bg95d on bg95sim (as root): `down` and `up` with progress, `status`
/// in both formats (JSON checked against the documented schema), `at` passthrough while online,
/// `doctor`. One daemon for the whole scenario to keep the run short.
final class BG95ctlIntegrationTests: XCTestCase {
    /// Issue 11: `watch` shows a URC as the module sent it (`+CFUN: 1`), not the daemon's
    /// reading of it (`+CFUN: full`).
    func testWatchShowsURCsAsTheModuleSentThem() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline()
        let client = try ControlClient(path: setup.socketPath)
        guard case .success(.accepted) = try client.request(.watch(urcs: true)).outcome else {
            return XCTFail("watch refused")
        }
        for line in ["+CFUN: 1", "+CEREG: 2", "+QIND: SMS DONE"] {
            try setup.fault(["urc"] + line.split(separator: " ").map(String.init))
            var seen: [String] = []
            do {
                while true {
                    guard case .urc(let received) = try client.nextEvent(timeout: 10) else { continue }
                    if received == line { break }
                    seen.append(received)
                }
            } catch {
                return XCTFail("\(line) never shown verbatim (\(error)); the daemon showed \(seen)")
            }
        }
    }

    func testOperatorSessionAgainstTheDaemon() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        func bg95ctl(_ arguments: String...) throws -> CommandResult {
            try Command.run([setup.bg95ctl] + [arguments[0], "--socket", setup.socketPath] + arguments.dropFirst())
        }

        // Wait for the cold start with the CLI itself.
        let watch = try bg95ctl("watch", "--until", "online", "--timeout", "120")
        XCTAssertEqual(watch.status, 0, watch.stderr + "\n" + setup.tail())
        XCTAssertTrue(watch.stdout.contains("state online"), watch.stdout)

        // down: waits until the daemon says down, then the status says so too.
        let down = try bg95ctl("down", "--timeout", "60")
        XCTAssertEqual(down.status, 0, down.stderr + "\n" + setup.tail())
        XCTAssertTrue(down.stdout.split(separator: "\n").last?.hasSuffix("down") == true, down.stdout)
        XCTAssertEqual(try snapshot(bg95ctl("status", "--json")).state, "down")
        // ... and the module agrees: the data call is ended, not just hidden (issue 10, #4).
        try setup.waitFor("the module's data call to end", timeout: 10) {
            try setup.simulatorStatus()["dataPath"] as? Bool == false
        }
        XCTAssertTrue(try setup.simulatorStatus()["netdevConnected"] is NSNull, "QNETDEVCTL=0 was not sent")
        XCTAssertEqual(try snapshot(bg95ctl("status", "--json")).dataCall?.state, "inactive")

        // up: progress through the bring-up states, then the summary line.
        let up = try bg95ctl("up", "--timeout", "120")
        print("bg95ctl up:\n\(up.stdout)")
        XCTAssertEqual(up.status, 0, up.stderr + "\n" + setup.tail())
        let progress = up.stdout.split(separator: "\n").map(String.init)
        let states = progress.compactMap { line -> String? in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            return words.count >= 2 && words[0].hasSuffix("s") ? String(words[1]) : nil
        }
        XCTAssertGreaterThanOrEqual(Set(states).count, 3, "too little progress shown:\n\(up.stdout)")
        XCTAssertEqual(states.last, "online", up.stdout)
        XCTAssertTrue(progress.last?.hasPrefix("online: ") == true, up.stdout)
        XCTAssertTrue(progress.last?.contains("192.168.225.") == true, up.stdout)

        // status, human.
        let human = try bg95ctl("status")
        print("bg95ctl status:\n\(human.stdout)")
        XCTAssertEqual(human.status, 0, human.stderr)
        for fragment in ["ONLINE", "192.168.225.", "gw 192.168.225.1", "probe", "ok"] {
            XCTAssertTrue(human.stdout.contains(fragment), "status lacks \(fragment):\n\(human.stdout)")
        }

        // status --json: the documented schema.
        let json = try bg95ctl("status", "--json")
        print("bg95ctl status --json:\n\(json.stdout)")
        XCTAssertEqual(json.status, 0, json.stderr)
        try StatusSchema.validate(json.stdout)
        let status = try snapshot(json)
        XCTAssertEqual(status.state, "online")
        XCTAssertEqual(status.address?.hasPrefix("192.168.225."), true)
        XCTAssertEqual(status.gateway, "192.168.225.1")
        XCTAssertEqual(status.lastProbe?.ok, true)
        // The module model behind the status: identity, SIM, network and signal (issue 10).
        XCTAssertEqual(status.module?.imei, "866349041234567")
        XCTAssertEqual(status.module?.model, "BG95-M3")
        XCTAssertEqual(status.module?.iccidMasked, "894902**********7890")
        XCTAssertEqual(status.plmn, "26201")
        XCTAssertEqual(status.operator, "Telekom.de")
        XCTAssertNotNil(status.signal?.rsrp)
        XCTAssertEqual(status.dataCall?.state, "active")
        XCTAssertEqual(status.lastProbe?.target, setup.testHost)
        XCTAssertGreaterThan(status.leaseRemaining ?? 0, 0)
        XCTAssertNotNil(status.uptime)
        XCTAssertNotNil(status.counters)

        // at passthrough while online, through the daemon's AT queue.
        let qcsq = try bg95ctl("at", "AT+QCSQ")
        print("bg95ctl at AT+QCSQ:\n\(qcsq.stdout)")
        XCTAssertEqual(qcsq.status, 0, qcsq.stderr)
        XCTAssertTrue(qcsq.stdout.contains("+QCSQ:"), qcsq.stdout)
        XCTAssertTrue(qcsq.stdout.hasSuffix("OK\n"), qcsq.stdout)
        let gmr = try bg95ctl("at", "AT+QGMR", "--json")
        XCTAssertEqual(gmr.status, 0, gmr.stderr)
        let answer = try JSONDecoder().decode(ATPassthroughResult.self, from: Data(gmr.stdout.utf8))
        XCTAssertEqual(answer.final, "OK")
        XCTAssertTrue(answer.lines.contains { $0.contains("BG95") }, "\(answer)")
        let unsafe = try bg95ctl("at", "AT+CFUN=0\r\nAT")
        XCTAssertEqual(unsafe.status, 2)
        // The passthrough did not disturb the link.
        XCTAssertEqual(try snapshot(bg95ctl("status", "--json")).state, "online")
        try setup.ping()

        // doctor: every step passes while online. It looks at the host itself, so it runs where
        // bg95d runs: in the host namespace under umockdev's preload.
        let doctor = try setup.doctor()
        print("bg95ctl doctor:\n\(doctor.stdout)")
        XCTAssertEqual(doctor.status, 0, doctor.stdout + doctor.stderr)
        XCTAssertTrue(doctor.stdout.contains("[ ok ] End-to-end probe"), doctor.stdout)
        XCTAssertFalse(doctor.stdout.contains("[FAIL]"), doctor.stdout)

        // reset: the module reboots (re-enumerates) and the link comes back, shown as progress.
        let reset = try bg95ctl("reset", "--timeout", "120")
        print("bg95ctl reset:\n\(reset.stdout)")
        XCTAssertEqual(reset.status, 0, reset.stdout + reset.stderr + "\n" + setup.tail())
        XCTAssertTrue(reset.stdout.split(separator: "\n").last?.hasPrefix("online: ") == true, reset.stdout)
        try setup.ping()

        // down again, as an operator ends the session.
        let finalDown = try bg95ctl("down", "--timeout", "60")
        XCTAssertEqual(finalDown.status, 0, finalDown.stderr)
        XCTAssertEqual(try snapshot(bg95ctl("status", "--json")).state, "down")
        XCTAssertEqual(try setup.stopDaemon(), 0)
    }

    private func snapshot(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> StatusSnapshot {
        let snapshot = try JSONDecoder().decode(StatusSnapshot.self, from: Data(result.stdout.utf8))
        // The exit status classifies the state: 0 online, 1 not online, 5 failed.
        let expected: Int32 = snapshot.state == "online" ? 0 : snapshot.state == "failed" ? 5 : 1
        XCTAssertEqual(result.status, expected, result.stderr, file: file, line: line)
        return snapshot
    }
}

/// The StatusSnapshot schema of docs/control-api.md: every key the daemon sends is documented,
/// with the documented JSON type.
enum StatusSchema {
    enum Kind { case string, int, number, bool, strings, object([String: Kind]), map }

    static let fields: [String: Kind] = [
        "state": .string, "stateAge": .int, "daemonVersion": .string,
        "module": .object(["model": .string, "firmware": .string, "imei": .string, "iccidMasked": .string, "usbnet": .string, "atPort": .string]),
        "sim": .string, "operator": .string, "plmn": .string, "rat": .string, "band": .string,
        "signal": .object(["rsrp": .number, "rsrq": .number, "sinr": .number, "rssi": .number]),
        "registration": .string, "registrationCause": .int, "registrationCauseText": .string,
        "tac": .string, "cellID": .string, "factAges": .map,
        "dataCall": .object(["state": .string, "cid": .int, "apn": .string, "pdnAddress": .string]),
        "interface": .string, "carrier": .bool, "address": .string, "gateway": .string, "dns": .strings,
        "leaseRemaining": .int, "routes": .strings,
        "lastProbe": .object(["method": .string, "target": .string, "ok": .bool, "age": .int, "rttMs": .number, "detail": .string]),
        "onlineSince": .int, "uptime": .int,
        "counters": .object(["recoveries": .map, "rxBytes": .int, "txBytes": .int, "rxBytesTotal": .int, "txBytesTotal": .int]),
        "lastError": .string, "recoveryRung": .string,
    ]

    struct Violation: Error, CustomStringConvertible { let description: String }

    static func validate(_ text: String) throws {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            throw Violation(description: "status is not a JSON object")
        }
        guard case .string = object["state"] else { throw Violation(description: "state missing") }
        try check(object, against: fields, path: "")
    }

    private static func check(_ object: [String: JSONValue], against schema: [String: Kind], path: String) throws {
        for (key, value) in object {
            guard let kind = schema[key] else { throw Violation(description: "undocumented field \(path)\(key)") }
            let ok: Bool
            switch (kind, value) {
            case (.string, .string), (.bool, .bool), (.number, .number): ok = true
            case (.int, .number(let number)): ok = number.rounded() == number
            case (.strings, .array(let items)):
                ok = items.allSatisfy { if case .string = $0 { return true } else { return false } }
            case (.map, .object(let entries)):
                ok = entries.values.allSatisfy { if case .number = $0 { return true } else { return false } }
            case (.object(let nested), .object(let inner)):
                try check(inner, against: nested, path: path + key + ".")
                ok = true
            default: ok = false
            }
            if !ok { throw Violation(description: "\(path)\(key) has the wrong type: \(value)") }
        }
    }
}
