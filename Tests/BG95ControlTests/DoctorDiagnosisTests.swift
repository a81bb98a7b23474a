import BG95Control
import XCTest

/// doctor's judgement over scripted observations: the forum cases, causes in words, the
/// daemon's own state, and 80 columns.
final class DoctorDiagnosisTests: XCTestCase {
    typealias O = DoctorObservations

    /// A healthy host with bg95d online.
    static func healthy() -> O {
        var o = O(daemon: .running(ScriptedDaemon.onlineSnapshot), devices: [
            .init(name: "1-1", vendor: "2c7c", product: "0700", interfaces: [
                .init(number: 0, interfaceClass: "ff", driver: "option", ttys: ["ttyUSB0"]),
                .init(number: 1, interfaceClass: "ff", driver: "option", ttys: ["ttyUSB1"]),
                .init(number: 2, interfaceClass: "ff", driver: "option", ttys: ["ttyUSB2"]),
                .init(number: 3, interfaceClass: "02", driver: "cdc_ether", nets: ["eth2"]),
                .init(number: 4, interfaceClass: "0a", driver: "cdc_ether"),
            ]),
        ], portHolders: [.init(pid: 100, command: "bg95d")])
        var m = O.ModuleAnswers(via: "bg95d", answered: true)
        m.model = "BG95-M3"
        m.firmware = "BG95M3LAR02A03_01.202.01.202"
        m.usbnet = "ecm"
        m.sim = "READY"
        m.registrationStatus = 1
        m.contextActive = true
        o.module = m
        o.link = .init(name: "eth2", exists: true, adminUp: true, carrier: true, addresses: ["192.168.225.20/24"])
        o.routeGet = "198.51.100.7 via 192.168.225.1 dev eth2 table 1095 src 192.168.225.20"
        o.routeUsesLink = true
        o.rpFilter = 2
        o.dnsServers = ["192.168.225.1"]
        o.dnsAnswered = true
        o.probe = .init(target: "198.51.100.7", ok: true, detail: "answered in 12 ms")
        return o
    }

    func testHealthy() {
        let report = DoctorDiagnosis.diagnose(Self.healthy())
        XCTAssertTrue(report.healthy, DoctorText.render(report))
        XCTAssertEqual(report.headline, "no problem found")
        XCTAssertEqual(report.steps.map(\.id), DoctorDiagnosis.Check.allCases.map(\.rawValue))
        XCTAssertTrue(report.steps.allSatisfy { $0.outcome == .ok }, DoctorText.render(report))
    }

    func testQMIDriverOnInterfaceThreeExplainsECM() {
        var o = Self.healthy()
        o.devices[0].interfaces[3] = .init(number: 3, interfaceClass: "ff", driver: "qmi_wwan_q", nets: ["wwan0"])
        o.devices[0].interfaces.removeLast()
        let report = DoctorDiagnosis.diagnose(o)
        XCTAssertFalse(report.healthy)
        XCTAssertTrue(report.headline?.contains("interface 3 is bound to qmi_wwan_q") == true, report.headline ?? "")
        XCTAssertTrue(report.remedy?.contains("no usable QMI data path") == true, report.remedy ?? "")
        XCTAssertTrue(report.remedy?.contains("AT+QCFGEXT=\"usbnet\",\"ecm\"") == true, report.remedy ?? "")
    }

    func testSerialInterfacesWithoutDriverGiveNewIDWithTheRealProduct() {
        var o = Self.healthy()
        o.devices[0].product = "0203"
        for index in 0...2 { o.devices[0].interfaces[index].driver = nil; o.devices[0].interfaces[index].ttys = [] }
        o.daemon = .notRunning
        o.portHolders = []
        o.module = nil
        o.atNotAsked = "no AT tty"
        let report = DoctorDiagnosis.diagnose(o)
        XCTAssertTrue(report.headline?.contains("serial interfaces without a driver") == true, report.headline ?? "")
        XCTAssertTrue(report.remedy?.contains("echo \"2c7c 0203 ff\" > /sys/bus/usb-serial/drivers/option1/new_id") == true, report.remedy ?? "")
        XCTAssertTrue(report.remedy?.contains("70-bg95.rules") == true)
    }

    func testModemManagerHoldingThePortIsNamedWithTheUdevRemedy() {
        var o = Self.healthy()
        o.daemon = .notRunning
        o.portHolders = [.init(pid: 812, command: "ModemManager")]
        o.module = nil
        o.atNotAsked = "held by ModemManager (pid 812)"
        let report = DoctorDiagnosis.diagnose(o)
        XCTAssertEqual(report.headline, "AT port free for bg95d: /dev/ttyUSB2 is held by ModemManager (pid 812)")
        XCTAssertTrue(report.remedy?.contains("ID_MM_DEVICE_IGNORE=1") == true)
    }

    func testLeaseWithoutDataCallSaysTheLeaseProvesNothing() {
        var o = Self.healthy()
        o.daemon = .notRunning
        o.portHolders = []
        o.module?.via = "direct"
        o.module?.contextActive = false
        o.probe = .init(target: "198.51.100.7", ok: false, detail: "no answer")
        let report = DoctorDiagnosis.diagnose(o)
        let step = report.steps.first { $0.id == "data-call" }
        XCTAssertEqual(step?.outcome, .failed)
        XCTAssertEqual(step?.detail, "no data call, yet eth2 has 192.168.225.20/24")
        XCTAssertTrue(step?.fix?.contains("proves nothing") == true)
        XCTAssertEqual(report.headline, "bg95d is not running, so nothing starts the data call")
    }

    func testDeniedCausesGetDifferentRemedies() {
        var o = Self.healthy()
        o.module?.registrationStatus = 3
        o.module?.rejectCause = 7
        o.module?.contextActive = false
        var report = DoctorDiagnosis.diagnose(o)
        XCTAssertEqual(report.headline, "Network registration: denied, cause 7: EPS services not allowed")
        XCTAssertTrue(report.remedy?.contains("subscription") == true, report.remedy ?? "")
        XCTAssertFalse(report.remedy?.contains("antenna, coverage") == true)
        o.module?.rejectCause = 15
        report = DoctorDiagnosis.diagnose(o)
        XCTAssertEqual(report.headline, "Network registration: denied, cause 15: no suitable cells in tracking area")
        XCTAssertTrue(report.remedy?.contains("iot_mode") == true)
    }

    func testAdminDownIsNotAFault() {
        var o = Self.healthy()
        var s = ScriptedDaemon.onlineSnapshot
        s.state = "down"
        o.daemon = .running(s)
        o.module?.contextActive = false
        o.link?.addresses = []
        o.link?.carrier = false
        o.probe = nil
        let report = DoctorDiagnosis.diagnose(o)
        XCTAssertEqual(report.headline, "bg95d is down: an operator took the link down (bg95ctl down)")
        XCTAssertEqual(report.remedy, "bg95ctl up")
        XCTAssertTrue(report.healthy)
        XCTAssertFalse(report.steps.contains { $0.outcome == .failed && $0.id != "daemon" }, DoctorText.render(report))
        XCTAssertFalse(DoctorText.render(report).contains("new_id"))
    }

    func testRecoveryInProgressIsSaidNotTheAPN() {
        var o = Self.healthy()
        var s = ScriptedDaemon.onlineSnapshot
        s.state = "recovering"
        s.recoveryRung = "restart-data-call"
        o.daemon = .running(s)
        o.module?.contextActive = false
        let report = DoctorDiagnosis.diagnose(o)
        XCTAssertTrue(report.headline?.hasPrefix("Data call (PDP context): no data call") == true, report.headline ?? "")
        XCTAssertTrue(report.headline?.contains("bg95d is on it: recovering: restart-data-call") == true, report.headline ?? "")
        XCTAssertTrue(report.remedy?.hasPrefix("wait: bg95d retries by itself") == true)
        XCTAssertFalse(DoctorText.render(report).contains("APN"))
    }

    func testCarrierLostAndStalledPort() {
        var o = Self.healthy()
        o.link?.carrier = false
        var report = DoctorDiagnosis.diagnose(o)
        XCTAssertEqual(report.steps.first { $0.id == "carrier" }?.outcome, .failed)
        XCTAssertEqual(report.headline, "ECM interface and carrier: eth2 is up but has no carrier")
        o = Self.healthy()
        o.module = .init(via: "bg95d", answered: false, failure: "no answer within 3 s")
        report = DoctorDiagnosis.diagnose(o)
        XCTAssertEqual(report.headline, "AT port answers: no answer: no answer within 3 s (via bg95d)")
    }

    func testNoDeviceAndEightyColumns() {
        let report = DoctorDiagnosis.diagnose(O(daemon: .notRunning))
        XCTAssertEqual(report.headline, "Module on USB (2c7c:0700/0203): no 2c7c:0700 or 2c7c:0203 device in sysfs")
        var cases = [report, DoctorDiagnosis.diagnose(Self.healthy())]
        var o = Self.healthy()
        o.devices[0].interfaces[3].driver = "qmi_wwan_q"
        o.routeGet = String(repeating: "198.51.100.7 via 192.168.225.1 dev eth2 ", count: 8)
        o.routeUsesLink = false
        cases.append(DoctorDiagnosis.diagnose(o))
        for report in cases {
            let text = DoctorText.render(report)
            for line in text.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, 80, "too wide: \(line)")
            }
        }
    }
}
