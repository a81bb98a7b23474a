import BG95Control
import Foundation
import TestSupport
import XCTest

/// Operator truth on bg95sim: module and host are put into the states an operator meets, and
/// `bg95ctl status` and `bg95ctl doctor` must say what is really happening — status fields,
/// exit codes, doctor's headline and remedy — with every human line at most 80 columns.
/// doctor runs like bg95d does: in the host namespace under umockdev's preload, so it reads
/// the simulated sysfs and /dev.
final class OperatorScenarioTests: XCTestCase {
    struct Doctor {
        var status: Int32
        var text: String
        var report: DoctorReport
    }

    /// `bg95ctl doctor` (human and --json) as an operator on the host would run it.
    private func doctor(_ setup: SimulatedSetup, file: StaticString = #filePath, line: UInt = #line) throws -> Doctor {
        func run(_ extra: [String]) throws -> CommandResult {
            try setup.doctor(["--probe-target", setup.testHost] + extra)
        }
        let human = try run([])
        let json = try run(["--json"])
        XCTAssertEqual(human.status, json.status, file: file, line: line)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(json.stdout.utf8))
        assertFits(human.stdout, file: file, line: line)
        print("bg95ctl doctor (exit \(human.status)):\n\(human.stdout)")
        return Doctor(status: human.status, text: human.stdout, report: report)
    }

    /// `bg95ctl status` human, with its exit status; every line must fit 80 columns.
    private func status(_ setup: SimulatedSetup, file: StaticString = #filePath, line: UInt = #line) throws -> (Int32, String, StatusSnapshot) {
        let human = try Command.run([setup.bg95ctl, "status", "--socket", setup.socketPath])
        assertFits(human.stdout, file: file, line: line)
        let snapshot = try JSONDecoder().decode(StatusSnapshot.self, from: Data(setup.status().utf8))
        print("bg95ctl status (exit \(human.status)):\n\(human.stdout)")
        return (human.status, human.stdout, snapshot)
    }

    private func assertFits(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for row in text.split(separator: "\n") where row.count > 80 {
            XCTFail("wider than 80 columns (\(row.count)): \(row)", file: file, line: line)
        }
    }

    /// The status text's blocks: a labelled line with its continuation lines, joined.
    static func blocks(_ text: String) -> [String] {
        var blocks: [String] = []
        for row in text.split(separator: "\n") {
            if row.hasPrefix(" "), !blocks.isEmpty {
                blocks[blocks.count - 1] += " " + row.drop { $0 == " " }
            } else {
                blocks.append(String(row))
            }
        }
        return blocks
    }

    private func step(_ doctor: Doctor, _ id: String) -> DoctorReport.Step? {
        doctor.report.steps.first { $0.id == id }
    }

    /// Healthy, administratively down, carrier lost and AT stall, with bg95d running.
    func testDaemonStatesAsStatusAndDoctorSeeThem() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl")
        defer { setup.close() }
        let metricsFile = setup.folder + "/bg95.prom"
        try setup.startDaemon(configuration: try setup.writeConfiguration(["metrics_file": metricsFile, "metrics_interval": "1s"]))
        try setup.waitOnline()
        func metricsText() -> String { (try? String(contentsOfFile: metricsFile, encoding: .utf8)) ?? "" }
        try setup.waitFor("metrics file says online", timeout: 10) { metricsText().contains("\nbg95_online 1\n") }

        // Healthy.
        var (code, text, snapshot) = try status(setup)
        XCTAssertEqual(code, 0)
        XCTAssertEqual(snapshot.state, "online")
        XCTAssertEqual(snapshot.interface, "eth2")
        XCTAssertEqual(snapshot.lastProbe?.ok, true)
        XCTAssertTrue(text.hasPrefix("bg95d       ONLINE"), text)
        // From the module model: identity, network, signal, with their ages; kernel counters.
        XCTAssertNotNil(snapshot.module?.imei, text)
        XCTAssertNotNil(snapshot.module?.iccidMasked, text)
        XCTAssertNotNil(snapshot.plmn, text)
        XCTAssertNotNil(snapshot.signal?.rsrp, text)
        XCTAssertNotNil(snapshot.factAges?["network"], "\(String(describing: snapshot.factAges))")
        XCTAssertNotNil(snapshot.tac)
        XCTAssertGreaterThan(snapshot.counters?.rxBytesTotal ?? 0, 0, text)
        // DHCP and the probe ran after the data call started: they count as the call's bytes.
        XCTAssertGreaterThan(snapshot.counters?.rxBytes ?? 0, 0, text)
        XCTAssertLessThanOrEqual(snapshot.counters?.rxBytes ?? 0, snapshot.counters?.rxBytesTotal ?? 0)
        XCTAssertTrue(text.contains("IMEI "), text)
        XCTAssertTrue(text.contains("traffic     rx "), text)
        var report = try doctor(setup)
        XCTAssertEqual(report.status, 0, report.text + setup.tail())
        XCTAssertEqual(step(report, "at-port")?.detail?.hasSuffix("via bg95d"), true)
        XCTAssertEqual(step(report, "probe")?.outcome, .ok)
        XCTAssertEqual(step(report, "routes")?.outcome, .ok)
        XCTAssertFalse(step(report, "routes")?.detail?.contains("uid") ?? true)
        XCTAssertEqual(step(report, "drivers")?.detail, "if0 option, if1 option, if2 option, if3 cdc_ether, if4 cdc_ether")
        let metrics = try Command.run([setup.bg95ctl, "status", "--prometheus", "--socket", setup.socketPath])
        XCTAssertEqual(metrics.status, 0)
        XCTAssertTrue(metrics.stdout.contains("\nbg95_online 1\n"), metrics.stdout)

        // Administratively down: not a fault, and said so.
        XCTAssertEqual(try Command.run([setup.bg95ctl, "down", "--socket", setup.socketPath]).status, 0)
        (code, text, snapshot) = try status(setup)
        XCTAssertEqual(code, 1)
        XCTAssertEqual(snapshot.state, "down")
        XCTAssertTrue(text.hasPrefix("bg95d       DOWN"), text)
        // What bg95d last knew about the network is history now, and marked so.
        for block in Self.blocks(text) where block.hasPrefix("network") || block.hasPrefix("signal") {
            XCTAssertTrue(block.contains("[last known"), "shown as current while down: \(block)")
        }
        report = try doctor(setup)
        XCTAssertEqual(report.status, 0, "an operator's down is not a fault")
        XCTAssertEqual(report.report.headline, "bg95d is down: an operator took the link down (bg95ctl down)")
        XCTAssertEqual(report.report.remedy, "bg95ctl up")
        XCTAssertFalse(report.text.contains("new_id"), report.text)
        try setup.waitFor("metrics file says down", timeout: 10) { metricsText().contains("bg95_state{state=\"down\"} 1\n") }
        XCTAssertEqual(try Command.run([setup.bg95ctl, "up", "--socket", setup.socketPath, "--timeout", "120"]).status, 0)
        // A new data call: its bytes start from zero again, the kernel's totals do not.
        let again = try status(setup).2
        XCTAssertLessThan(again.counters?.rxBytes ?? .max, again.counters?.rxBytesTotal ?? 0, "\(String(describing: again.counters))")

        // Carrier lost: doctor sees it on the kernel's link, whatever bg95d remembers.
        try setup.fault("carrier-off")
        try setup.waitFor("no carrier in status", timeout: 30) { (try self.status(setup).2.carrier) == false }
        report = try doctor(setup)
        XCTAssertEqual(report.status, 5)
        XCTAssertEqual(step(report, "carrier")?.outcome, .failed)
        XCTAssertEqual(step(report, "carrier")?.detail, "eth2 is up but has no carrier")
        XCTAssertTrue(report.report.headline?.contains("no carrier") == true, report.report.headline ?? "")
        try setup.fault("carrier-on")
        try setup.waitOnline()

        // AT stall: the port does not answer, whatever the last answers were.
        try setup.fault("stall", "60")
        report = try doctor(setup)
        XCTAssertEqual(report.status, 5)
        XCTAssertEqual(step(report, "at-port")?.outcome, .failed, report.text)
        XCTAssertEqual(report.report.headline?.hasPrefix("AT port answers: no answer"), true, report.report.headline ?? "")
        try setup.fault("stall-off")
        try setup.waitOnline(timeout: 120)
    }

    /// Registration denied with cause 7 (subscription) and then cause 15 (no suitable cells):
    /// the cause in words in status, and remedies that differ.
    func testDeniedRegistrationCausesInWords() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", extra: ["--registration", "denied:7"])
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitFor("registration denied in status", timeout: 60) { (try self.status(setup).2.registration) == "denied" }
        var report = try doctor(setup)
        XCTAssertEqual(report.status, 5)
        XCTAssertEqual(step(report, "registration")?.detail, "denied, cause 7: EPS services not allowed")
        XCTAssertTrue(report.report.headline?.contains("cause 7: EPS services not allowed") == true, report.report.headline ?? "")
        XCTAssertTrue(report.report.remedy?.contains("subscription") == true, report.report.remedy ?? "")
        XCTAssertFalse(report.text.contains("check antenna, coverage, bands"), report.text)
        let (code, text, snapshot) = try status(setup)
        XCTAssertEqual(code, 1)
        XCTAssertEqual(snapshot.registration, "denied")
        XCTAssertEqual(snapshot.registrationCause, 7)
        XCTAssertEqual(snapshot.registrationCauseText, "EPS services not allowed")
        XCTAssertTrue(text.contains("denied  cause 7: EPS services not allowed"), text)

        try setup.fault("deregister", "15")
        try setup.waitFor("cause 15 seen by doctor", timeout: 60) {
            (try self.doctor(setup).report.steps.first { $0.id == "registration" }?.detail) == "denied, cause 15: no suitable cells in tracking area"
        }
        report = try doctor(setup)
        XCTAssertTrue(report.report.remedy?.contains("iot_mode") == true, report.report.remedy ?? "")
    }

    /// Without bg95d: not running, a lease with no data call, the AT port held by another
    /// program, QMI bound to interface 3, serial interfaces with no driver.
    func testHostWorldsWithoutTheDaemon() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm")
        defer { setup.close() }

        // bg95d not running: status says so (exit 3); doctor looks by itself.
        let notRunning = try Command.run([setup.bg95ctl, "status", "--socket", setup.socketPath])
        XCTAssertEqual(notRunning.status, 3)
        XCTAssertTrue(notRunning.stderr.contains("bg95d is not running"), notRunning.stderr)
        try setup.waitFor("module registered", timeout: 30) {
            (try self.doctor(setup).report.steps.first { $0.id == "registration" }?.outcome) == .ok
        }
        var report = try doctor(setup)
        XCTAssertEqual(step(report, "daemon")?.detail, "not running; doctor looked by itself")
        XCTAssertEqual(step(report, "at-port")?.detail?.hasSuffix("via direct"), true, report.text)
        XCTAssertEqual(report.report.headline, "bg95d is not running, so nothing starts the data call")
        XCTAssertEqual(report.report.remedy, "systemctl start bg95d (or bg95d run)")

        // A lease with no data call: the module's DHCP server answers anyway.
        let dhcp = Process()
        dhcp.executableURL = URL(fileURLWithPath: TestEnvironment.which("ip") ?? "/usr/sbin/ip")
        dhcp.arguments = ["netns", "exec", setup.hostNamespace, setup.bg95d, "dhcp", "eth2", "--configure", "--timeout", "20",
                          "--set", "dns_backend=none", "--set", "state_dir=\(setup.folder)/dhcp-state"]
        dhcp.standardOutput = FileHandle.nullDevice
        dhcp.standardError = FileHandle.nullDevice
        try dhcp.run()
        defer { if dhcp.isRunning { dhcp.terminate(); dhcp.waitUntilExit() } }
        try setup.waitFor("a lease on eth2", timeout: 30) {
            (try Command.inNamespace(setup.hostNamespace, ["ip", "-4", "addr", "show", "dev", "eth2"]).stdout).contains("192.168.225.")
        }
        report = try doctor(setup)
        XCTAssertEqual(step(report, "data-call")?.outcome, .failed)
        XCTAssertTrue(step(report, "data-call")?.detail?.hasPrefix("no data call, yet eth2 has 192.168.225.") == true, report.text)
        XCTAssertTrue(step(report, "data-call")?.fix?.contains("proves nothing") == true)
        XCTAssertEqual(step(report, "lease")?.outcome, .ok)
        XCTAssertEqual(step(report, "probe")?.outcome, .failed)
        dhcp.terminate()
        dhcp.waitUntilExit()

        // Another program holds the AT port: named, with the udev remedy; doctor does not touch it.
        let simStatus = try JSONSerialization.jsonObject(with: Data(Command.check([setup.bg95sim, "ctl", "--prefix", setup.prefix, "status"]).stdout.utf8)) as? [String: Any]
        let atPort = try XCTUnwrap(simStatus?["atPort"] as? String)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: TestEnvironment.which("ip") ?? "/usr/sbin/ip")
        holder.arguments = ["netns", "exec", setup.hostNamespace, "env",
                            "LD_PRELOAD=\(setup.environment["LD_PRELOAD"] ?? "libumockdev-preload.so.0")",
                            "UMOCKDEV_DIR=\(setup.environment["UMOCKDEV_DIR"] ?? "")", "python3", "-c",
                            "import ctypes, os, sys; ctypes.CDLL(None).prctl(15, b'ModemManager', 0, 0, 0); "
                                + "fd = os.open('\(atPort)', os.O_RDWR | os.O_NOCTTY); print('held', flush=True); sys.stdin.read()"]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer { if holder.isRunning { holder.terminate(); holder.waitUntilExit() } }
        // The holder says "held" once the port is open (read until its line is complete).
        var said = ""
        while !said.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertEqual(said, "held\n")
        report = try doctor(setup)
        XCTAssertEqual(step(report, "port-holder")?.outcome, .failed)
        XCTAssertTrue(report.report.headline?.hasPrefix("AT port free for bg95d: \(atPort) is held by ModemManager (pid ") == true,
                      report.report.headline ?? "")
        XCTAssertTrue(report.report.remedy?.contains("ID_MM_DEVICE_IGNORE=1") == true)
        XCTAssertEqual(step(report, "at-port")?.outcome, .skipped)
        XCTAssertTrue(step(report, "at-port")?.detail?.contains("held by ModemManager") == true)
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()

        // The vendor QMI driver on interface 3.
        XCTAssertTrue(try Command.check([setup.bg95sim, "ctl", "--prefix", setup.prefix, "host-world", "qmi"]).stdout.hasPrefix("ok"))
        report = try doctor(setup)
        XCTAssertTrue(report.report.headline?.contains("interface 3 is bound to qmi_wwan_q") == true, report.report.headline ?? "")
        XCTAssertTrue(report.report.remedy?.contains("no usable QMI data path") == true)

        // Serial interfaces without a driver: the new_id line with the device's product id.
        XCTAssertTrue(try Command.check([setup.bg95sim, "ctl", "--prefix", setup.prefix, "host-world", "no-serial-driver"]).stdout.hasPrefix("ok"))
        report = try doctor(setup)
        XCTAssertTrue(report.report.headline?.contains("serial interfaces without a driver") == true, report.report.headline ?? "")
        XCTAssertTrue(report.report.remedy?.contains("echo \"2c7c 0700 ff\" > /sys/bus/usb-serial/drivers/option1/new_id") == true)
        XCTAssertEqual(step(report, "at-port")?.outcome, .skipped)
    }

    /// DNS down (the module's resolver stops answering) and the DHCP server down while bg95d
    /// needs a lease: doctor checks both through the ECM interface itself.
    func testDNSAndDHCPServerDown() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline()
        let modem = setup.environment["BG95SIM_NETNS_MODEM"] ?? "\(setup.prefix)-modem"

        // DNS down: the simulated module's resolver drops queries (a table of this test, in
        // the simulator's modem namespace of this run).
        try Command.inNamespace(modem, ["nft", "add table inet bg95test { chain input { type filter hook input priority filter; udp dport 53 drop; tcp dport 53 drop; }; }"])
        var report = try doctor(setup)
        XCTAssertEqual(report.status, 5)
        XCTAssertEqual(step(report, "dns")?.outcome, .failed, report.text)
        XCTAssertEqual(step(report, "probe")?.outcome, .ok, report.text)
        XCTAssertEqual(report.report.headline, "DNS through the ECM interface: 192.168.225.1 did not answer")
        try Command.inNamespace(modem, ["nft", "delete table inet bg95test"])
        report = try doctor(setup)
        XCTAssertEqual(step(report, "dns")?.outcome, .ok, report.text)

        // DHCP server down, then the module re-enumerates (a fresh ECM interface): bg95d needs
        // a lease and gets none. (A carrier flap alone keeps the valid lease, rightly.)
        try setup.fault("dhcp-stop")
        try setup.fault("unplug")
        // Unplugged: not online, nothing shown as current, and doctor finds no module.
        try setup.waitFor("waiting for the device", timeout: 30) { (try setup.state()) == "waiting-for-device" }
        let (unpluggedCode, unpluggedText, _) = try status(setup)
        XCTAssertEqual(unpluggedCode, 1)
        for block in Self.blocks(unpluggedText) where block.hasPrefix("network") || block.hasPrefix("probe") {
            XCTAssertTrue(block.contains("[last known"), "shown as current while unplugged: \(block)")
        }
        report = try doctor(setup)
        XCTAssertEqual(report.report.headline, "Module on USB (2c7c:0700/0203): no 2c7c:0700 or 2c7c:0203 device in sysfs")
        try setup.fault("replug")
        try setup.waitFor("bg95d asking for a lease on a fresh eth2", timeout: 60) {
            let snapshot = try JSONDecoder().decode(StatusSnapshot.self, from: Data(setup.status().utf8))
            let addresses = (try? Command.inNamespace(setup.hostNamespace, ["ip", "-4", "addr", "show", "dev", "eth2"]).stdout) ?? ""
            return snapshot.state == "dhcp" && !addresses.contains("inet ")
        }
        report = try doctor(setup)
        XCTAssertEqual(step(report, "lease")?.outcome, .failed, report.text)
        XCTAssertEqual(step(report, "lease")?.detail, "no IPv4 address on eth2")
        XCTAssertTrue(report.report.headline?.hasPrefix("DHCP lease on the ECM interface: no IPv4 address on eth2") == true,
                      report.report.headline ?? "")
        let (code, _, snapshot) = try status(setup)
        XCTAssertEqual(code, 1)
        XCTAssertNotEqual(snapshot.state, "online")
        try setup.fault("dhcp-start")
        try setup.waitOnline(timeout: 120)
    }

    /// The data call drops while the lease stays: doctor says bg95d is already restarting it
    /// (not "check the APN"), and the lease is no proof.
    func testDataCallDownWithALeaseWhileBG95dRecovers() throws {
        let setup = try SimulatedSetup(profile: "qnetdevctl")
        defer { setup.close() }
        try setup.startDaemon(configuration: try setup.writeConfiguration())
        try setup.waitOnline()
        // A slow network: the restarted data call takes 300 s of module time (12 s at the
        // test's speed of 25), long enough to look at.
        try setup.fault("latency", "data-call", "300")
        try setup.fault("pdp-drop")
        try setup.waitFor("bg95d working on the data call", timeout: 30) {
            ["degraded", "recovering", "starting-data-call", "registering", "configuring-module"].contains(try setup.state())
        }
        let (code, _, snapshot) = try status(setup)
        XCTAssertEqual(code, 1)
        XCTAssertNotEqual(snapshot.dataCall?.state, "active")
        let report = try doctor(setup)
        XCTAssertEqual(report.status, 5)
        XCTAssertEqual(step(report, "data-call")?.outcome, .failed, report.text)
        XCTAssertTrue(step(report, "data-call")?.detail?.hasPrefix("no data call, yet eth2 has 192.168.225.") == true, report.text)
        XCTAssertTrue(report.report.headline?.contains("(bg95d is on it: ") == true, report.report.headline ?? "")
        XCTAssertTrue(report.report.remedy?.hasPrefix("wait: bg95d retries by itself") == true, report.report.remedy ?? "")
        XCTAssertFalse(report.text.contains("APN"), report.text)
        try setup.fault("latency", "data-call", "1.2")
        try setup.waitOnline(timeout: 120)
    }
}
