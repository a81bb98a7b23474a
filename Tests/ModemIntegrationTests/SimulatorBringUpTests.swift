import Foundation
import TestSupport
import XCTest

/// `bg95d modem` against bg95sim (root: namespaces, umockdev): discovery through libudev,
/// the AT port found by interface number, the switch to ECM with re-enumeration, both firmware
/// profiles, unplug/replug in the middle of the bring-up, and a stalled AT port.
///
/// Scenarios that must act while bg95d runs use a small driver script inside `bg95sim run`:
/// it starts bg95d in the background and waits for named log lines (with deadlines) before
/// each fault, so nothing depends on sleeps.
final class SimulatorBringUpTests: XCTestCase {
    private var workDirectory = ""

    override func setUpWithError() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["ip", "dnsmasq", "nft"])
        workDirectory = NSTemporaryDirectory() + "bg95-modem-it-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if !workDirectory.isEmpty { try? FileManager.default.removeItem(atPath: workDirectory) }
    }

    private struct ModemJSON: Decodable {
        var device: String
        var usbPath: String
        var atPort: String
        var netInterface: String?
        var netInterfaceIndex: Int32?
        var firmware: String?
        var profile: String
        var address: String?
        var apn: String
        var recovered: String?
        var diagnosis: Diagnosis?

        struct Diagnosis: Decodable {
            var registration: Int?
            var activeContexts: [Int]?
            var netDeviceConnected: Bool?
            var pingSent: Int?
            var pingReceived: Int?
            var pingError: String?
        }
    }

    /// Runs `bg95sim run <simArguments> -- <command>` and returns its result.
    private func simulate(_ simArguments: [String], _ command: [String]) throws -> CommandResult {
        let sim = try TestEnvironment.product("bg95sim")
        let prefix = String(TestEnvironment.uniquePrefix().prefix(8))
        // BG95_SIM_VERBOSE=1 adds the simulator's AT transcript to the output when debugging.
        let verbose = ProcessInfo.processInfo.environment["BG95_SIM_VERBOSE"] == "1" ? ["--verbose"] : []
        return try Command.run([sim, "run", "--prefix", prefix] + simArguments + verbose + ["--"] + command)
    }

    private func decode(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> ModemJSON {
        let jsonLine = result.stdout.split(separator: "\n").last { $0.hasPrefix("{") }
        guard let jsonLine else {
            XCTFail("no JSON on stdout (status \(result.status)):\n\(result.stdout)\n\(result.stderr)", file: file, line: line)
            throw TestEnvironmentError.missing("bg95d modem JSON")
        }
        return try JSONDecoder().decode(ModemJSON.self, from: Data(jsonLine.utf8))
    }

    // MARK: Cold start, both firmware profiles

    func testColdStartInModemModeReachesDataCallWithBothFirmwareProfiles() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        for (profile, ifname) in [("qnetdevctl", "wwecm0"), ("autoconnect", "usb5")] {
            let result = try simulate(
                ["--mode", "modem", "--profile", profile, "--speed", "30", "--ecm-ifname", ifname],
                [bg95d, "modem", "--apn", "internet", "--json", "--lock-dir", workDirectory])
            XCTAssertEqual(result.status, 0, "\(profile): \(result.stderr)")
            let json = try decode(result)
            XCTAssertEqual(json.profile, profile)
            // The ECM interface is the one udev reported under cdc_ether, by whatever name it has.
            XCTAssertEqual(json.netInterface, ifname)
            XCTAssertNotNil(json.netInterfaceIndex)
            XCTAssertEqual(json.apn, "internet")
            XCTAssertEqual(json.address, "10.64.11.124")
            XCTAssertEqual(json.usbPath, "1-1")
            XCTAssertTrue(json.device.hasSuffix("/1-1"), json.device)
            // Modem mode first: the module was switched to ECM and re-enumerated, so the AT port
            // is a different node than at power-on, found again through interface 2.
            XCTAssertNotEqual(json.atPort, "/dev/ttyUSB2", "the AT port must come from udev after re-enumeration")
            // Told by the USB interfaces libudev found (no CDC-ECM, interface 4 modem/PPP).
            XCTAssertTrue(result.stderr.contains("usbnet: the USB interfaces show modem mode"), result.stderr)
            XCTAssertTrue(result.stderr.contains("reboot: module is back"), result.stderr)
            XCTAssertTrue(result.stderr.contains("usbnet: ecm already"), result.stderr)
            XCTAssertTrue(result.stderr.contains("bring-up: activating -> up"), result.stderr)
            XCTAssertNotNil(json.firmware)
        }
    }

    // MARK: SIM PIN

    func testSIMPINIsEnteredOnceUnloggedAndAWrongPINIsNeverRetried() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        let sim = try TestEnvironment.product("bg95sim")
        let good = workDirectory + "/pin", bad = workDirectory + "/bad-pin"
        try "4711\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "0815\n".write(toFile: bad, atomically: true, encoding: .utf8)

        let accepted = try simulate(
            ["--mode", "ecm", "--sim", "pin=4711", "--speed", "30"],
            [bg95d, "modem", "--apn", "internet", "--json", "--lock-dir", workDirectory, "--timeout", "60",
             "--pin-file", good, "--verbose"])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertTrue(accepted.stderr.contains("SIM: ready (PIN accepted)"), accepted.stderr)
        XCTAssertTrue(accepted.stderr.contains("AT> AT+CPIN=\"***\""), "the transcript shows the command, redacted")
        XCTAssertFalse(accepted.stderr.contains("4711"), "the PIN must never reach the log, not even with --verbose")

        // The wrong PIN: bg95d stops with exit 2, and the SIM lost exactly one attempt.
        let script = workDirectory + "/wrong-pin.sh"
        try """
        #!/bin/sh
        sim=$1; shift
        "$@"; status=$?
        env -u LD_PRELOAD "$sim" ctl --socket "$BG95SIM_CTL" status
        exit $status

        """.write(toFile: script, atomically: true, encoding: .utf8)
        let refused = try simulate(
            ["--mode", "ecm", "--sim", "pin=4711", "--speed", "30"],
            ["/bin/sh", script, sim, bg95d, "modem", "--apn", "internet", "--lock-dir", workDirectory,
             "--timeout", "60", "--pin-file", bad])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("the SIM refused the configured PIN; not retrying"), refused.stderr)
        XCTAssertTrue(refused.stdout.contains("\"pinAttemptsLeft\":2"), "one attempt used, not more: \(refused.stdout)")
        XCTAssertFalse(refused.stderr.contains("0815"))
    }

    // MARK: Recovery actions and diagnosis (what the supervisor uses)

    func testRecoveryActionsBringTheDataCallBackAndDiagnosisAnswers() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        for (recovery, profile) in [("restart-data-call", "qnetdevctl"), ("radio-cycle", "autoconnect"), ("reboot", "qnetdevctl")] {
            let result = try simulate(
                ["--mode", "ecm", "--profile", profile, "--speed", "30"],
                [bg95d, "modem", "--apn", "internet", "--json", "--lock-dir", workDirectory, "--timeout", "60",
                 "--recover", recovery, "--diagnose", "--ping", "198.51.100.7"])
            XCTAssertEqual(result.status, 0, "\(recovery): \(result.stderr)")
            let json = try decode(result)
            XCTAssertEqual(json.recovered, recovery)
            let diagnosis = try XCTUnwrap(json.diagnosis, recovery)
            XCTAssertEqual(diagnosis.registration, 1, recovery)
            XCTAssertEqual(diagnosis.activeContexts, [1], recovery)
            XCTAssertEqual(diagnosis.netDeviceConnected, profile == "qnetdevctl" ? true : nil, recovery)
            XCTAssertEqual(diagnosis.pingSent, 2, "\(recovery): \(diagnosis.pingError ?? "")")
            XCTAssertEqual(diagnosis.pingReceived, 2, recovery)
            let log = result.stderr
            XCTAssertTrue(log.contains("modem: recovery \(recovery) finished: data call up again"), log)
            switch recovery {
            case "restart-data-call":
                XCTAssertTrue(log.contains("recovery: AT+QNETDEVCTL=0,1,0 -> OK"), log)
                XCTAssertEqual(log.components(separatedBy: "connecting the net device").count - 1, 2, log)
            case "radio-cycle":
                XCTAssertTrue(log.contains("recovery: AT+CFUN=0 -> OK"), log)
                XCTAssertTrue(log.contains("recovery: AT+CFUN=1 -> OK"), log)
            default:
                XCTAssertTrue(log.contains("udev: module at usb 1-1 gone"), log)
                XCTAssertNotEqual(json.atPort, "/dev/ttyUSB2", "re-enumerated after the reboot")
            }
        }
    }

    // MARK: Faults while bg95d runs

    /// A driver script running the steps in order: `start "$@"` (bg95d in the background),
    /// `wait_for <text> <seconds>` (a fixed string in bg95d's log), `wait_status <text> <seconds>`
    /// (a fixed string in the simulator's status JSON) or `ctl <verb...>`.
    private func driver(steps: [String]) throws -> String {
        let script = workDirectory + "/driver.sh"
        var text = """
        #!/bin/sh
        # $1: bg95sim, $2: work folder; bg95d's arguments follow.
        sim=$1; dir=$2; shift 2
        log=$dir/bg95d.log
        : >"$log"
        pid=
        start() { "$@" >"$dir/bg95d.json" 2>"$log" & pid=$!; }
        wait_for() {  # pattern seconds: poll the log (20/s) until the line is there or bg95d exits
            n=0
            while ! grep -qF -- "$1" "$log"; do
                if ! kill -0 $pid 2>/dev/null; then echo "bg95d exited before: $1" >&2; return 1; fi
                n=$((n + 1)); if [ $n -gt $(($2 * 20)) ]; then echo "timed out waiting for: $1" >&2; return 1; fi
                sleep 0.05
            done
        }
        ctl() { env -u LD_PRELOAD "$sim" ctl --socket "$BG95SIM_CTL" "$@" >&2 || { echo "ctl $* failed" >&2; return 1; }; }
        wait_status() {  # fixed string in `ctl status` (the simulator's JSON), polled 20/s
            n=0
            while ! env -u LD_PRELOAD "$sim" ctl --socket "$BG95SIM_CTL" status | grep -qF -- "$1"; do
                n=$((n + 1)); if [ $n -gt $(($2 * 20)) ]; then echo "simulator never showed: $1" >&2; return 1; fi
                sleep 0.05
            done
        }
        fail() { [ -n "$pid" ] && kill $pid 2>/dev/null && wait $pid; cat "$log" >&2; exit 90; }

        """
        for step in steps {
            text += step + " || fail\n"
        }
        text += """
        wait $pid; status=$?
        cat "$log" >&2
        cat "$dir/bg95d.json"
        exit $status

        """
        try text.write(toFile: script, atomically: true, encoding: .utf8)
        return script
    }

    func testUnplugAndReplugMidBringUpRestartsCleanly() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        let sim = try TestEnvironment.product("bg95sim")
        let arguments = [bg95d, "modem", "--apn", "internet", "--json", "--lock-dir", workDirectory, "--timeout", "60"]
        // `detach` keeps the network searching, so bg95d is reliably waiting for registration
        // (mid-bring-up) when the module is pulled.
        let script = try driver(steps: [
            "wait_status '\"registration\":1' 20",
            "ctl detach",
            "start \"$@\"",
            "wait_for 'waiting for +CEREG' 30",
            "ctl unplug",
            "wait_for 'module vanished; the bring-up starts over' 20",
            "ctl replug",
        ])
        let result = try simulate(["--mode", "ecm", "--profile", "qnetdevctl", "--speed", "30"],
                                  ["/bin/sh", script, sim, workDirectory] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try decode(result)
        XCTAssertEqual(json.profile, "qnetdevctl")
        XCTAssertEqual(json.netInterface, "eth2")
        let log = result.stderr
        XCTAssertTrue(log.contains("bring-up: registering -> waiting-for-module"), log)
        XCTAssertTrue(log.contains("udev: module at usb 1-1 gone"), log)
        // The replugged module has new tty names; the port in the result is the new one.
        let opened = log.split(separator: "\n").filter { $0.hasPrefix("modem: opened AT port ") }
        XCTAssertEqual(opened.count, 2, log)
        XCTAssertEqual(opened.last.map { String($0.dropFirst("modem: opened AT port ".count)) }, json.atPort)
        XCTAssertNotEqual(opened.first, opened.last)
        XCTAssertEqual(log.components(separatedBy: "-> identifying").count - 1, 2, "exactly one restart")
    }

    func testGarbageAndAStalledATPortAreDetectedAndRecovered() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        let sim = try TestEnvironment.product("bg95sim")
        let arguments = [bg95d, "modem", "--apn", "internet", "--json", "--lock-dir", workDirectory,
                         "--max-command-timeout", "2"]
        // Registration is pending (detach), the port stalls, the network comes back meanwhile
        // (its URC is lost in the stall): bg95d's poll times out, resync probes go unanswered
        // until it reports the stall; once the port answers again the poll is repeated.
        let script = try driver(steps: [
            "wait_status '\"registration\":1' 20",
            "ctl detach",
            "start \"$@\"",
            "wait_for 'waiting for +CEREG' 30",
            "ctl garbage",
            "wait_for 'AT: garbage on the port' 10",
            "ctl stall 600",
            "ctl attach",
            "wait_for 'AT: port stalled' 40",
            "ctl stall-off",
        ])
        let result = try simulate(["--mode", "ecm", "--profile", "autoconnect", "--speed", "30"],
                                  ["/bin/sh", script, sim, workDirectory] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try decode(result)
        XCTAssertEqual(json.profile, "autoconnect")
        let log = result.stderr
        XCTAssertTrue(log.contains("AT: garbage on the port; resynchronising before the next command"), log)
        XCTAssertTrue(log.contains("AT: AT+CEREG? timed out; resynchronising"), log)
        XCTAssertTrue(log.contains("modem: AT port: stalled"), log)
        XCTAssertTrue(log.contains("AT: port answers again"), log)
        XCTAssertTrue(log.contains("registration: AT+CEREG? timed out; sending it again after resync"), log)
        XCTAssertTrue(log.contains("bring-up: activating -> up"), log)
    }
}
