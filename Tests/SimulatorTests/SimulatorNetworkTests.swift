import Foundation
import TestSupport
import XCTest

/// The module's USB composition and network side: re-enumeration into ECM, the net device,
/// DHCP from dnsmasq, and connectivity gated by the simulated data call in each profile.
final class SimulatorNetworkTests: XCTestCase {
    func testECMSwitchAndRebootProduceTheNewTreeAndTheNetDevice() throws {
        // Speed 5: slow enough that the client has the new port open before the boot URCs.
        let sim = try SimulatorHarness(speed: 5)
        defer { sim.stop() }
        let sys = sim.testbedRoot + "/sys"
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: sys + "/bus/usb/devices/1-1:1.4"), "modem mode has interface 4 (PPP)")
        XCTAssertFalse(fm.fileExists(atPath: sys + "/class/net/eth2"), "no net device in modem mode")
        XCTAssertFalse(try sim.inHost(["ip", "link", "show", "eth2"]).succeeded, "no ECM veth in modem mode")
        let oldTTYs = try fm.contentsOfDirectory(atPath: sys + "/bus/usb/devices/1-1:1.2").filter { $0.hasPrefix("ttyUSB") }
        XCTAssertEqual(oldTTYs, ["ttyUSB2"])

        let t = try sim.atOK([
            "cmd:AT+QCFGEXT=\"usbnet\",\"ecm\"", "cmd:AT+CFUN=1,1", "gone", "reopen", "expect:^\\+CPIN: READY$",
            "expect:^\\+QUSIM: 1$", "expect:^APP RDY$",
        ])
        XCTAssertTrue(t.output.contains("@ port /dev/ttyUSB6"), "modem mode used ttyUSB0-3, so the AT port is now ttyUSB6:\n\(t)")

        let interfaces = try fm.contentsOfDirectory(atPath: sys + "/bus/usb/devices").sorted()
        XCTAssertEqual(interfaces, ["1-1", "1-1:1.0", "1-1:1.1", "1-1:1.2", "1-1:1.3", "1-1:1.4", "usb1"])
        let ifDir = sys + "/bus/usb/devices/1-1:1.3"
        XCTAssertEqual(try String(contentsOfFile: ifDir + "/bInterfaceClass", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), "02")
        XCTAssertEqual(try fm.destinationOfSymbolicLink(atPath: ifDir + "/driver").split(separator: "/").last, "cdc_ether")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: ifDir + "/net"), ["eth2"])
        let uevent = try String(contentsOfFile: ifDir + "/net/eth2/uevent", encoding: .utf8)
        let link = try sim.inHost(["ip", "-o", "link", "show", "eth2"])
        XCTAssertTrue(link.succeeded, "the ECM veth exists in the host namespace")
        let ifindex = link.stdout.split(separator: ":").first.map(String.init) ?? "?"
        XCTAssertTrue(uevent.contains("IFINDEX=\(ifindex)\n"), "sysfs IFINDEX matches the real veth (\(ifindex)):\n\(uevent)")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: sys + "/bus/usb/devices/1-1:1.2").filter { $0.hasPrefix("ttyUSB") }, ["ttyUSB6"])
        XCTAssertEqual(try sim.status()["usbnetActive"] as? String, "ecm")
    }

    func testDHCPWorksWithoutDataCallButTrafficOnlyFlowsAfterQNETDEVCTL() throws {
        let sim = try SimulatorHarness(["--mode", "ecm", "--verbose"])
        defer { sim.stop() }
        let lease = try sim.dhcp()
        XCTAssertTrue(lease.succeeded, "udhcpc: \(lease.stderr)\(lease.stdout)")
        XCTAssertTrue(lease.stdout.contains("router 192.168.225.1 dns 192.168.225.1"), lease.stdout)
        let leases = try String(contentsOfFile: "/run/bg95sim/\(sim.prefix)/dnsmasq.leases", encoding: .utf8)
        XCTAssertTrue(leases.contains("192.168.225."), "dnsmasq recorded the lease: \(leases)")
        XCTAssertFalse(try sim.pingTestHost(), "a lease alone gives no connectivity")

        // An active PDP context is not enough for this firmware: the net device needs QNETDEVCTL.
        try sim.atOK(["until:AT+CGATT? ~ ^\\+CGATT: 1$", "cmd:AT+CGACT=1,1"])
        XCTAssertFalse(try sim.pingTestHost(), "CGACT alone does not bind the data call to the ECM path")
        let t = try sim.atOK([
            "cmd:AT+QPING=1,\"testhost.bg95.test\",2,2", "expect:^\\+QPING: 0,2,2,0", "cmd:AT+QNETDEVCTL=1,1,1",
            "expect:^\\+QNETDEVSTATUS: 1$", "cmd:AT+QNETDEVCTL?",
        ])
        XCTAssertTrue(t.received.contains(where: { $0.hasPrefix("+QPING: 0,\"198.51.100.7\",32,") }), "QPING works without the ECM path:\n\(t)")
        XCTAssertEqual(t.response(to: "AT+QNETDEVCTL?").dropFirst().first, "+QNETDEVCTL: 1,1,1,1")
        XCTAssertTrue(try sim.pingTestHost(), "traffic flows once the data call is up")
        // The path is up before the URC says so (a host may send at once).
        sim.assertLogged("data path up", before: "-> +QNETDEVSTATUS: 1")
        let dns = try sim.inHost(["dig", "+short", "+time=2", "+tries=1", "@192.168.225.1", "testhost.bg95.test"])
        XCTAssertEqual(dns.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "198.51.100.7")

        try sim.atOK(["cmd:AT+QNETDEVCTL=0,1,1", "expect:^\\+QNETDEVSTATUS: 0$"])
        XCTAssertFalse(try sim.pingTestHost(), "disconnecting the data call stops the traffic")

        // When the module first registered since power-on (for make bench): a host's radio
        // cycle registers it again but does not move that instant.
        let first = try XCTUnwrap(try sim.status()["firstRegisteredNs"] as? NSNumber, "registered, so known").uint64Value
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        XCTAssertLessThanOrEqual(first, UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec))
        try sim.atOK(["cmd:AT+CFUN=0", "cmd:AT+CFUN=1", "until:AT+CGATT? ~ ^\\+CGATT: 1$"])
        XCTAssertEqual((try sim.status()["firstRegisteredNs"] as? NSNumber)?.uint64Value, first)
    }

    func testAutoconnectProfileFlowsWithTheActivePDPContext() throws {
        let sim = try SimulatorHarness(["--mode", "ecm", "--profile", "autoconnect", "--verbose"])
        defer { sim.stop() }
        XCTAssertTrue(try sim.dhcp().succeeded)
        XCTAssertFalse(try sim.pingTestHost(), "no data call yet")
        let t = try sim.atOK([
            "cmd:ATE0", "until:AT+CGATT? ~ ^\\+CGATT: 1$", "cmd:AT+QNETDEVCTL=?", "cmd:AT+CGACT=1,1", "cmd:AT+CGPADDR=1", "cmd:AT+CGACT?",
        ])
        XCTAssertEqual(t.response(to: "AT+QNETDEVCTL=?"), ["ERROR"])
        XCTAssertEqual(t.response(to: "AT+CGACT=1,1"), ["+CGEV: ME PDN ACT 1", "OK"], "the URC arrives inside the command's response")
        XCTAssertEqual(t.response(to: "AT+CGPADDR=1"), ["+CGPADDR: 1,10.64.11.124", "OK"])
        XCTAssertEqual(t.response(to: "AT+CGACT?"), ["+CGACT: 1,1", "OK"])
        XCTAssertTrue(try sim.pingTestHost(), "the active context carries the ECM traffic")
        sim.assertLogged("data path up", before: "-> +CGEV: ME PDN ACT 1")
        try sim.atOK(["cmd:AT+CGACT=0,1"])
        XCTAssertFalse(try sim.pingTestHost())
    }
}

/// The uevents of a re-enumeration as a libudev monitor under the preload receives them.
final class SimulatorUeventTests: XCTestCase {
    func testRebootSendsRemoveDeepestFirstThenAddParentsFirstToAFilteredMonitor() throws {
        let sim = try SimulatorHarness(["--mode", "ecm"])
        defer { sim.stop() }
        let script = NSTemporaryDirectory() + "bg95sim-udevmon-\(getpid()).py"
        try UdevMonitorScript.source.write(toFile: script, atomically: true, encoding: .utf8)
        defer { unlink(script) }
        var argv = ["ip", "netns", "exec", sim.hostNS, "env"]
        for key in ["LD_PRELOAD", "UMOCKDEV_DIR"] { argv.append("\(key)=\(sim.environment[key] ?? "")") }
        argv += ["BG95SIM_BIN=\(sim.binary)", "BG95SIM_CTL=\(sim.environment["BG95SIM_CTL"] ?? "")", "/usr/bin/python3", script,
                 "tty", "net"]
        let result = try Command.run(argv)
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = result.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("ctl ") }
        XCTAssertTrue(result.stdout.contains("ctl ok reboot at=ttyUSB5"), result.stdout)
        // Only the filtered subsystems arrive (the usb and usb-serial events are filtered out by
        // their subsystem hash), each exactly once, removal before addition.
        XCTAssertEqual(events, [
            "remove tty ttyUSB0 /dev/ttyUSB0 00 -",
            "remove tty ttyUSB1 /dev/ttyUSB1 01 -",
            "remove tty ttyUSB2 /dev/ttyUSB2 02 -",
            "remove net eth2 - 03 -",
            "add tty ttyUSB3 /dev/ttyUSB3 00 -",
            "add tty ttyUSB4 /dev/ttyUSB4 01 -",
            "add tty ttyUSB5 /dev/ttyUSB5 02 -",
            "add net eth2 - 03 -",
        ], result.stdout)
    }
}
