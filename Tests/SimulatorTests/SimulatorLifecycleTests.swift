import Foundation
import TestSupport
import XCTest

/// `bg95sim run` exit status, its environment, and teardown: nothing survives a run, also when
/// it is killed with SIGTERM.
final class SimulatorLifecycleTests: XCTestCase {
    private func prefix() -> String {
        "r" + TestEnvironment.uniquePrefix().dropFirst().prefix(5).lowercased()
    }

    func testRunGivesTheCommandItsEnvironmentAndExitsWithItsStatus() throws {
        try TestEnvironment.requireRoot()
        let bin = try TestEnvironment.product("bg95sim")
        let p = prefix()
        let script = """
            test "$BG95SIM_PREFIX" = \(p) || exit 11
            test "$BG95SIM_NETNS_HOST" = \(p)-host || exit 12
            test "$(ip netns identify $$)" = \(p)-host || exit 13
            test "$BG95SIM_TEST_HOST" = 198.51.100.7 || exit 14
            test "$BG95SIM_TEST_NAME" = testhost.bg95.test || exit 15
            test -e /sys/bus/usb/devices/1-1:1.2 || exit 16
            test -S "$BG95SIM_CTL" || exit 17
            exit 7
            """
        let result = try Command.run([bin, "run", "--prefix", p, "--speed", "30", "--", "/bin/sh", "-c", script])
        XCTAssertEqual(result.status, 7, result.stderr)
        SimulatorHarness.assertNothingLeft(prefix: p)
    }

    func testSIGTERMTearsEverythingDown() throws {
        try TestEnvironment.requireRoot()
        let bin = try TestEnvironment.product("bg95sim")
        let p = prefix()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["run", "--prefix", p, "--speed", "30", "--mode", "ecm", "--", "sleep", "60"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.interrupt() } }
        // Ready once the command runs: the sleep process lives in the host namespace.
        let deadline = Date().addingTimeInterval(30)
        var ready = false
        while Date() < deadline && !ready {
            let pids = try Command.run(["ip", "netns", "pids", "\(p)-host"])
            ready = pids.succeeded && !pids.stdout.isEmpty
            if !ready { usleep(50_000) }
        }
        XCTAssertTrue(ready, "the command never started")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM)
        SimulatorHarness.assertNothingLeft(prefix: p)
    }

    func testStartCleansUpLeftoversOfItsPrefixAndStopIsIdempotent() throws {
        try TestEnvironment.requireRoot()
        let bin = try TestEnvironment.product("bg95sim")
        let p = prefix()
        // A leftover of a killed run: a namespace of the prefix with a process in it.
        try Command.check(["ip", "netns", "add", "\(p)-modem"])
        let first = try Command.run([bin, "start", "--prefix", p, "--speed", "30"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("BG95SIM_PREFIX=\(p)\n"))
        let env = try Command.run([bin, "env", "--prefix", p])
        XCTAssertEqual(env.stdout, first.stdout)
        XCTAssertEqual(try Command.run([bin, "stop", "--prefix", p]).status, 0)
        XCTAssertEqual(try Command.run([bin, "stop", "--prefix", p]).status, 0, "stop is idempotent")
        XCTAssertNotEqual(try Command.run([bin, "env", "--prefix", p]).status, 0)
        SimulatorHarness.assertNothingLeft(prefix: p)
    }

    func testStateFilePersistsAcrossRuns() throws {
        let stateFile = "/tmp/bg95sim-state-\(getpid()).json"
        defer { unlink(stateFile) }
        do {
            let sim = try SimulatorHarness(["--state-file", stateFile])
            defer { sim.stop() }
            try sim.atOK(["cmd:AT+QCFGEXT=\"usbnet\",\"ecm\"", "cmd:AT+QICSGP=1,1,\"iot.example\",\"user\",\"secret\",1"])
            XCTAssertEqual(try sim.status()["usbnetActive"] as? String, "modem", "usbnet takes effect at the next boot")
        }
        let sim = try SimulatorHarness(["--state-file", stateFile])
        defer { sim.stop() }
        XCTAssertEqual(try sim.status()["usbnetActive"] as? String, "ecm", "the module boots in the persisted mode")
        let t = try sim.atOK(["cmd:ATE0", "cmd:AT+QICSGP=1", "cmd:AT+CGDCONT?"])
        XCTAssertEqual(t.response(to: "AT+QICSGP=1"), ["+QICSGP: 1,\"iot.example\",\"user\",\"secret\",1", "OK"])
        XCTAssertEqual(t.response(to: "AT+CGDCONT?"), ["+CGDCONT: 1,\"IP\",\"iot.example\",\"0.0.0.0\",0,0,0,0", "OK"])
    }

    func testBadOptionsAreRefused() throws {
        let bin = try TestEnvironment.product("bg95sim")
        for args in [["--prefix", "Bad-Prefix"], ["--speed", "0"], ["--sim", "pin=12"], ["--registration", "denied:x"],
                     ["--lease-time", "60"], ["--ecm-ifname", "this-name-is-too-long"]] {
            let result = try Command.run([bin, "run"] + args + ["--", "true"])
            XCTAssertNotEqual(result.status, 0, "\(args) accepted")
            XCTAssertTrue(result.stderr.contains("Error"), "\(args): \(result.stderr)")
        }
    }
}
