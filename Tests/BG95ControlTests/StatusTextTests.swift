import BG95Control
import BG95Core
import XCTest

/// `bg95ctl status` as text: the golden online layout, 80 columns whatever the values, stale
/// marks when the daemon cannot vouch for a fact, causes in words, and the exit class.
final class StatusTextTests: XCTestCase {
    func testOnlineLayoutIsTheDocumentedOne() {
        var s = ScriptedDaemon.onlineSnapshot
        s.counters?.rxBytesTotal = 1_234_567
        s.counters?.txBytesTotal = 7_654
        XCTAssertEqual(StatusText.render(s), """
            bg95d       ONLINE  for 1m15s  (online 1m15s)
            module      BG95-M3  fw BG95M3LAR02A03_01.202.01.202  IMEI 866123456789012
                        ICCID 894902**********7890  usbnet ecm  /dev/ttyUSB2
            sim         ready
            network     Telekom.de (26201)  Cat-M1  LTE BAND 20  home
            signal      RSRP -95 dBm  RSRQ -10 dB  SINR 12.4 dB  RSSI -65 dBm  good
            data call   active  cid 1  apn internet  pdn 10.64.11.124
            eth2        UP  192.168.225.20/24  gw 192.168.225.1  dns 192.168.225.1
                        lease 58m20s
            routes      default via 192.168.225.1 dev eth2 table 225 metric 700
                        from 192.168.225.20 lookup 225
            probe       ok  icmp  198.51.100.7  12.5 ms  8s ago
            traffic     rx 12.1 KiB  tx 6.6 KiB  since boot rx 1.2 MiB tx 7.5 KiB
            recoveries  renew-dhcp 1

            """)
        XCTAssertEqual(StatusText.health(s), .online)
    }

    func testEveryLineFitsEightyColumnsEvenWithLongValues() {
        var s = ScriptedDaemon.onlineSnapshot
        s.state = "recovering"
        s.recoveryRung = "restart-data-call"
        s.lastError = String(repeating: "the module answered +CME ERROR: 148 (unspecified GPRS error) ", count: 3)
        s.routes = ["default via 192.168.225.1 dev eth2 proto 149 src 192.168.225.20 metric 1024 table 1095 mtu 1500 advmss 1460"]
        s.operator = String(repeating: "X", count: 120)
        s.lastProbe?.ok = false
        s.lastProbe?.detail = "no answer from 198.51.100.7 within 1500 ms on eth2 (3 attempts, source 192.168.225.20)"
        let text = StatusText.render(s)
        for line in text.split(separator: "\n") {
            XCTAssertLessThanOrEqual(line.count, 80, "too wide: \(line)")
        }
        XCTAssertTrue(text.contains("last error  the module answered"), text)
        XCTAssertTrue(text.contains("(installed by bg95d; path not proven while recovering)"), text)
    }

    func testDownAndUnpluggedMarkWhatIsNoLongerCurrent() {
        var s = ScriptedDaemon.onlineSnapshot
        s.state = "down"
        s.factAges = ["network": 52, "signal": 52]
        let text = StatusText.render(s)
        XCTAssertTrue(text.contains("network     Telekom.de (26201)  Cat-M1  LTE BAND 20  home"), text)
        XCTAssertTrue(text.contains("            [last known, 52s ago]"), text)
        XCTAssertTrue(text.contains("probe       ok  icmp  198.51.100.7  12.5 ms  8s ago  [last known]"), text)
        XCTAssertEqual(StatusText.health(s), .notOnline)
        // While online an old fact is stale too; a fresh one is not.
        s.state = "online"
        s.factAges = ["signal": 400, "network": 3]
        let online = StatusText.render(s)
        XCTAssertTrue(online.contains("[stale 6m40s]"), online)
        XCTAssertFalse(online.contains("home  [stale"), online)
    }

    func testMainTableIsNotNamedLikeIpRoute() {
        var s = StatusSnapshot(state: "online")
        s.routes = ["default via 192.168.225.1 dev eth2 src 192.168.225.20 table 254 metric 1024"]
        XCTAssertEqual(StatusText.render(s), """
            bg95d       ONLINE
            routes      default via 192.168.225.1 dev eth2 src 192.168.225.20 metric 1024

            """)
    }

    func testDeniedShowsTheCauseInWordsAndFailedIsItsOwnExit() {
        var s = StatusSnapshot(state: "registering")
        s.registration = "denied"
        s.registrationCause = 7
        XCTAssertTrue(StatusText.render(s).contains("network     denied  cause 7: EPS services not allowed"), StatusText.render(s))
        s.state = "failed"
        XCTAssertEqual(StatusText.health(s), .failed)
    }

    func testControlBytesInValuesNeverReachTheTerminal() {
        var s = StatusSnapshot(state: "online")
        s.operator = "Evil\u{1B}[2JNet\nsecond line"
        let text = StatusText.render(s)
        XCTAssertFalse(text.contains("\u{1B}"))
        XCTAssertEqual(text.split(separator: "\n").count, 2, text)
    }

    func testEMMCausesSayWhoCanFixThem() {
        XCTAssertEqual(EMMCause(7).text, "EPS services not allowed")
        XCTAssertEqual(EMMCause(7).kind, .subscription)
        XCTAssertTrue(EMMCause(7).remedy.contains("operator"))
        XCTAssertFalse(EMMCause(7).remedy.hasPrefix("check antenna"))
        XCTAssertEqual(EMMCause(15).text, "no suitable cells in tracking area")
        XCTAssertEqual(EMMCause(15).kind, .location)
        XCTAssertTrue(EMMCause(15).remedy.contains("iot_mode"))
        XCTAssertEqual(EMMCause(22).kind, .transient)
        XCTAssertEqual(EMMCause(3).text, "illegal UE")
        XCTAssertEqual(EMMCause(250).text, "unknown cause 250")
    }

    func testSignalVerdict() {
        XCTAssertEqual(StatusSnapshot.Signal(rsrp: -85).verdict, "excellent")
        XCTAssertEqual(StatusSnapshot.Signal(rsrp: -100).verdict, "good")
        XCTAssertEqual(StatusSnapshot.Signal(rsrp: -112).verdict, "fair")
        XCTAssertEqual(StatusSnapshot.Signal(rsrp: -120).verdict, "poor")
        XCTAssertEqual(StatusSnapshot.Signal(rsrp: -100, sinr: -3).verdict, "fair")
        XCTAssertNil(StatusSnapshot.Signal(rssi: -60).verdict)
    }
}
