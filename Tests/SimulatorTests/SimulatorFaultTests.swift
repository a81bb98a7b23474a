import Foundation
import TestSupport
import XCTest

/// Every fault verb of `bg95sim ctl` and its observable effect. Verbs are acknowledged only
/// once in effect, so each check runs right after the ack without waiting.
final class SimulatorFaultTests: XCTestCase {
    func testRadioAndSIMFaults() throws {
        let sim = try SimulatorHarness(["--mode", "ecm"])
        defer { sim.stop() }
        let t = try sim.atOK([
            "cmd:ATE0", "cmd:AT+CEREG=3", "until:AT+CGATT? ~ ^\\+CGATT: 1$", "cmd:AT+QNETDEVCTL=1,1,1", "expect:^\\+QNETDEVSTATUS: 1$",
            // signal
            "ctl:signal -118", "cmd:AT+QCSQ",
            // the network drops the PDP context
            "ctl:pdp-drop", "expect:^\\+CGEV: NW PDN DEACT 1$", "expect:^\\+QIURC: \"pdpdeact\",1$", "cmd:AT+CGACT?",
            // detach and attach again
            "ctl:detach", "expect:^\\+CGEV: NW DETACH$", "cmd:AT+CGATT?", "ctl:attach", "cmd:AT+CGATT?",
            // deregistration with a reject cause
            "ctl:deregister 11", "expect:^\\+CEREG: 3,.*,0,11$", "cmd:AT+CGATT=1",
            "ctl:attach",
            // SIM removed and inserted
            "ctl:sim-remove", "expect:^\\+CPIN: NOT READY$", "cmd:AT+CPIN?", "ctl:sim-insert", "expect:^\\+CPIN: READY$",
            "cmd:AT+CPIN?",
        ])
        // URCs may arrive between a command and its answer, as on the real module.
        let urcs = ["+CEREG:", "+CGEV:", "+QNETDEVSTATUS:", "+QIURC:"]
        XCTAssertEqual(t.responses(to: "AT+QCSQ", ignoring: urcs), [["+QCSQ: \"eMTC\",-88,-118,35,-10", "OK"]])
        XCTAssertEqual(t.responses(to: "AT+CGACT?", ignoring: urcs), [["+CGACT: 1,0", "OK"]])
        XCTAssertEqual(t.responses(to: "AT+CGATT?", ignoring: urcs).suffix(2), [["+CGATT: 0", "OK"], ["+CGATT: 1", "OK"]])
        XCTAssertEqual(t.responses(to: "AT+CGATT=1", ignoring: urcs), [["+CME ERROR: 111"]], "reject cause 11: PLMN not allowed")
        XCTAssertEqual(t.responses(to: "AT+CPIN?", ignoring: urcs), [["+CME ERROR: 10"], ["+CPIN: READY", "OK"]])
    }

    func testPortFaultsStallAndGarbage() throws {
        let sim = try SimulatorHarness()
        defer { sim.stop() }
        let t = try sim.atOK([
            "ctl:garbage", "raw:0.3", "ctl:stall 30", "timeout:1", "noanswer:AT", "timeout:20",
            "ctl:stall-off", "cmd:AT",
        ])
        let raw = t.output.split(separator: "\n").first { $0.hasPrefix("= ") } ?? ""
        XCTAssertTrue(raw.contains("fffe00"), "garbage bytes arrive on the AT port: \(raw)")
        XCTAssertTrue(t.output.contains("@ no answer"), "\(t)")
        XCTAssertEqual(t.responses(to: "AT").last, ["AT", "OK"], "the port answers again after stall-off")
        // A timed stall ends by itself.
        try sim.atOK(["ctl:stall 1.5", "timeout:0.5", "noanswer:ATI", "timeout:20", "sync"])
        // The speed factor scales latencies: AT+COPS=? takes 8 s of module time.
        try sim.atOK([
            "cmd:ATE0", "ctl:speed 3", "timeout:1", "noanswer:AT+COPS=?", "timeout:5", "expect:^OK$",
            "ctl:speed 30", "timeout:1", "cmd:AT+COPS=?",
        ])
        // Per-phase latencies: registration made slow (150 s of module time = 5 s at speed 30)
        // keeps the module searching well past the default 4 s (0.13 s), then it registers.
        try sim.atOK([
            "cmd:ATE0", "cmd:AT+CEREG=1", "ctl:latency registration 150", "cmd:AT+CFUN=0", "cmd:AT+CFUN=1",
            "timeout:1.5", "silent:^\\+CEREG: [15]$", "timeout:20", "expect:^\\+CEREG: 1$",
        ])
        XCTAssertEqual((try sim.status()["latencies"] as? [String: Any])?["registration"] as? Double, 150)
        XCTAssertFalse(try sim.ctl("latency", "warp", "3").succeeded, "an unknown phase is refused")
    }

    func testPlugFaults() throws {
        let sim = try SimulatorHarness(["--mode", "ecm"])
        defer { sim.stop() }
        XCTAssertTrue(try sim.ctl("unplug").succeeded)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sim.testbedRoot + "/sys/bus/usb/devices/1-1"), "USB device gone")
        XCTAssertFalse(try sim.inHost(["ip", "link", "show", "eth2"]).succeeded, "ECM veth gone")
        XCTAssertEqual(try sim.status()["plugged"] as? Bool, false)

        let replug = try sim.ctl("replug")
        XCTAssertEqual(replug.stdout, "ok replug at=ttyUSB5\n", "new tty names after the replug")
        XCTAssertTrue(try sim.inHost(["ip", "link", "show", "eth2"]).succeeded)
        try sim.atOK(["sync"])

        XCTAssertNil(try sim.status()["lastReboot"], "no reboot yet")
        let reboot = try sim.ctl("reboot")
        XCTAssertEqual(reboot.stdout, "ok reboot at=ttyUSB8\n")
        try sim.atOK(["sync"])
        // The reboot's gap as the simulator took it: at least USB gone 0.3 s after the reset
        // plus the boot latency (module seconds at the run's speed).
        let status = try sim.status()
        let last = try XCTUnwrap(status["lastReboot"] as? [String: Any], "\(status)")
        let started = try XCTUnwrap((last["startedNs"] as? NSNumber)?.doubleValue)
        let poweredOn = try XCTUnwrap((last["poweredOnNs"] as? NSNumber)?.doubleValue)
        let boot = try XCTUnwrap((status["latencies"] as? [String: Any])?["boot"] as? Double)
        let speed = try XCTUnwrap(status["speed"] as? Double)
        XCTAssertGreaterThanOrEqual((poweredOn - started) / 1e9, (0.3 + boot) / speed - 0.001)
    }

    func testUnplugDuringARebootKeepsTheModuleAwayAndAnswersTheReboot() throws {
        let sim = try SimulatorHarness(speed: 2)
        defer { sim.stop() }
        let reboot = Process()
        reboot.executableURL = URL(fileURLWithPath: sim.binary)
        reboot.arguments = ["ctl", "--prefix", sim.prefix, "reboot"]
        let output = Pipe()
        reboot.standardOutput = output
        try reboot.run()
        // Wait (bounded) for the reboot's gap: the device is gone, not back yet.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try sim.status()["plugged"] as? Bool != false { usleep(20_000) }
        XCTAssertEqual(try sim.ctl("unplug").status, 0)
        reboot.waitUntilExit()
        let reply = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(reboot.terminationStatus, 1)
        XCTAssertEqual(reply, "error reboot: unplugged before the module came back\n")
        XCTAssertEqual(try sim.status()["plugged"] as? Bool, false, "the unplugged module stays away")
    }

    func testNetworkFaults() throws {
        let sim = try SimulatorHarness(["--mode", "ecm"])
        defer { sim.stop() }
        try sim.inHost(["ip", "link", "set", "eth2", "up"])
        XCTAssertTrue(try sim.ctl("carrier-off").succeeded)
        XCTAssertTrue(try sim.inHost(["ip", "link", "show", "eth2"]).stdout.contains("NO-CARRIER"))
        XCTAssertTrue(try sim.ctl("carrier-on").succeeded)
        XCTAssertTrue(try sim.inHost(["ip", "link", "show", "eth2"]).stdout.contains("LOWER_UP"))

        XCTAssertTrue(try sim.ctl("dhcp-stop").succeeded)
        XCTAssertFalse(try sim.dhcp().succeeded, "no DHCP server")
        XCTAssertTrue(try sim.ctl("lease-time", "300").succeeded)
        XCTAssertTrue(try sim.ctl("dhcp-start").succeeded)
        let lease = try sim.dhcp()
        XCTAssertTrue(lease.stdout.contains("lease 300"), "the new lease time is offered: \(lease.stdout)\(lease.stderr)")

        XCTAssertTrue(try sim.ctl("speed", "40").succeeded)
        XCTAssertEqual(try sim.status()["speed"] as? Double, 40)
        XCTAssertEqual(try sim.ctl("lease-time", "60").status, 1, "below dnsmasq's minimum")
        XCTAssertEqual(try sim.ctl("no-such-verb").status, 1)
    }
    /// `urc` answers with how many commands the module had received; `await-command` then
    /// answers with the host's next matching command once it reached the module (the bench
    /// times bg95d's confirming `AT+CEREG?` after a spurious `+CEREG: 0` this way).
    func testURCAndAwaitCommandTimeTheHostsReaction() throws {
        let sim = try SimulatorHarness(["--mode", "ecm"])
        defer { sim.stop() }
        func fields(_ reply: String) -> [String: String] {
            Dictionary(reply.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").compactMap { word -> (String, String)? in
                let parts = word.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
        }
        try sim.atOK(["cmd:ATE0", "cmd:AT+COPS?"])
        let urc = try sim.ctl("urc", "+CEREG:", "0")
        XCTAssertTrue(urc.succeeded, urc.stdout + urc.stderr)
        let base = try XCTUnwrap(fields(urc.stdout)["command"]), sent = try XCTUnwrap(UInt64(fields(urc.stdout)["ns"] ?? ""))
        XCTAssertEqual(Int(base), 2, "two commands so far")
        try sim.atOK(["cmd:AT+QCSQ", "cmd:AT+CEREG?"])
        let seen = try sim.ctl("await-command", base, "30", "AT+CEREG?")
        XCTAssertTrue(seen.succeeded, seen.stdout + seen.stderr)
        XCTAssertTrue(seen.stdout.hasPrefix("ok command=4 "), seen.stdout)
        XCTAssertTrue(seen.stdout.hasSuffix(" AT+CEREG?\n"), seen.stdout)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(UInt64(fields(seen.stdout)["ns"] ?? "")), sent, "after the URC")
        // Only a later command counts: the next `AT+CEREG?` after this URC, case ignored.
        let later = try sim.ctl("urc", "+CEREG:", "0")
        try sim.atOK(["cmd:AT+CEREG?"])
        let next = try sim.ctl("await-command", try XCTUnwrap(fields(later.stdout)["command"]), "30", "at+cereg?")
        XCTAssertTrue(next.stdout.hasPrefix("ok command=5 "), next.stdout + next.stderr)
        XCTAssertFalse(try sim.ctl("await-command", "x", "1", "AT").succeeded, "a bad number is refused")
        XCTAssertFalse(try sim.ctl("await-command", "0", "601", "AT").succeeded, "so is a timeout over 600 s")
    }
}
