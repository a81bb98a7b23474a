import Foundation
import BG95Config
import Supervisor
import XCTest

final class ConfigurationParserTests: XCTestCase {
    private func parse(_ text: String) throws -> DaemonConfiguration {
        try ConfigurationParser.parse(text, file: "/etc/bg95d.conf")
    }

    private func refusal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigurationError? {
        do {
            _ = try ConfigurationParser.parse(text, file: "/etc/bg95d.conf")
            XCTFail("accepted: \(text)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testEmptyFileGivesTheDefaults() throws {
        XCTAssertEqual(try parse(""), DaemonConfiguration())
        XCTAssertEqual(try parse("\n# only a comment\n; another\n   \n"), DaemonConfiguration())
    }

    func testEveryKeyIsAccepted() throws {
        let text = """
        apn = internet.m2m
        pdp_type = ipv4v6
        username = user
        password = "p#ss word"
        auth = chap
        pin_file = /etc/bg95d.pin
        iot_mode = nbiot
        bands = 20, 8,3
        route_metric = 900
        take_default_route = no
        policy_table = 300
        policy_priority = 2000
        dns_backend = resolvconf
        dns_file = /run/x/resolv.conf
        probe_target = dns:testhost.bg95.test
        probe_interval = 5m
        probe_timeout = 1500ms
        probe_attempts = 4
        module_survey_interval = 2m
        bringup_timeout = 2m
        link_timeout = 10s
        dhcp_timeout = 20
        registration_timeout = 1m
        recovery_step_timeout = 90s
        device_timeout = 1m
        diagnosis_timeout = 30s
        backoff_initial = 1s
        backoff_max = 1h
        attempts_per_rung = 3
        release_on_shutdown = off
        control_socket = /run/bg95d/c.sock
        control_group = bg95
        control_group_may_change = yes
        state_dir = /var/lib/bg95
        usb_path = 1-1.2
        usb_serial = 0123ABC
        log_level = debug
        metrics_file = /var/lib/prometheus/node-exporter/bg95.prom
        metrics_interval = 30s
        """
        let c = try parse(text)
        XCTAssertEqual(c.metricsFile, "/var/lib/prometheus/node-exporter/bg95.prom")
        XCTAssertEqual(c.metricsInterval, .seconds(30))
        XCTAssertEqual(c.apn, "internet.m2m")
        XCTAssertEqual(c.pdpType, .ipv4v6)
        XCTAssertEqual(c.password, "p#ss word")
        XCTAssertEqual(c.auth, .chap)
        XCTAssertEqual(c.pinFile, "/etc/bg95d.pin")
        XCTAssertEqual(c.iotMode, .nbiot)
        XCTAssertEqual(c.bands, [3, 8, 20])
        XCTAssertEqual(c.routeMetric, 900)
        XCTAssertFalse(c.takeDefaultRoute)
        XCTAssertEqual(c.policyTable, 300)
        XCTAssertEqual(c.policyPriority, 2000)
        XCTAssertEqual(c.dnsBackend, .resolvconf)
        XCTAssertEqual(c.probeTarget, .dns("testhost.bg95.test"))
        XCTAssertEqual(c.supervisor.probeInterval, .seconds(300))
        XCTAssertEqual(c.probeTimeout, .milliseconds(1500))
        XCTAssertEqual(c.moduleSurveyInterval, .seconds(120))
        XCTAssertNil(try parse("module_survey_interval = 0\n").moduleSurveyInterval)
        XCTAssertEqual(c.supervisor.dhcpTimeout, .seconds(20))
        XCTAssertEqual(c.supervisor.backoff.maximum, .seconds(3600))
        XCTAssertFalse(c.supervisor.releaseOnShutdown)
        XCTAssertTrue(c.controlGroupMayChange)
        XCTAssertEqual(c.logLevel, .debug)
        XCTAssertEqual(c.usbPath, "1-1.2")
        // Every documented key was used above.
        let used = Set(text.split(separator: "\n").map { String($0.split(separator: "=")[0]).trimmingCharacters(in: .whitespaces) })
        XCTAssertEqual(used.union(["pin"]), Set(ConfigurationParser.keys))
    }

    func testUnknownKeyIsRefusedWithFileAndLine() {
        let error = refusal("apn = x\n\nprobe_intervall = 10\n")
        XCTAssertEqual(error?.description, "/etc/bg95d.conf:3: unknown key `probe_intervall`")
    }

    func testDuplicateKeyIsRefused() {
        XCTAssertEqual(refusal("apn = a\napn = b")?.description, "/etc/bg95d.conf:2: `apn` is already set on line 1")
    }

    func testLineWithoutEqualsIsRefused() {
        XCTAssertEqual(refusal("apn internet")?.location.line, 1)
    }

    func testBadValuesAreRefusedWithAReason() {
        let bad = [
            "apn = in\"ternet", "apn = a b", "apn = \(String(repeating: "a", count: 63))", "pdp_type = ipx",
            "auth = magic", "pin = 12", "pin = 12ab", "pin_file = relative/path", "iot_mode = 5g",
            "bands = 0", "bands = 3,,8", "bands = 89", "route_metric = -1", "route_metric = 4294967296",
            "take_default_route = maybe", "policy_table = 254", "policy_table = 0", "policy_priority = 0",
            "dns_backend = dnsmasq", "probe_target = 8.8.8", "probe_target = 256.1.1.1", "probe_target = dns:",
            "probe_target = dns:bad_name", "probe_interval = 0", "probe_interval = 5 minutes",
            "probe_timeout = 10ms", "probe_attempts = 0", "backoff_initial = fast", "attempts_per_rung = 101",
            "control_socket = run/x", "control_group = a b", "usb_serial = \"a b\"", "log_level = verbose",
            "username = \u{1}", "password = tab\there",
        ]
        for line in bad {
            let error = refusal(line)
            XCTAssertEqual(error?.location.line, 1, line)
            XCTAssertFalse(error?.reason.isEmpty ?? true, line)
        }
    }

    func testValuesOfTheATLayerUseTheConfigurationSpelling() throws {
        // The file's words map onto the module's types; refusals list the words, not "IP"/3.
        XCTAssertEqual(try parse("pdp_type = ip").pdpType, .ipv4)
        XCTAssertEqual(try parse("pdp_type = IPv6").pdpType, .ipv6)
        XCTAssertEqual(try parse("username = u\nauth = either").auth, .papOrChap)
        XCTAssertEqual(refusal("pdp_type = IPV4")?.reason, "pdp_type: expected one of ip, ipv6, ipv4v6")
        XCTAssertEqual(refusal("pdp_type = non-ip")?.reason, "pdp_type: expected one of ip, ipv6, ipv4v6")
        XCTAssertEqual(refusal("auth = 3")?.reason, "auth: expected one of none, pap, chap, either")
        XCTAssertEqual(refusal("auth = either")?.reason, "auth either needs a username")
    }

    func testSecretsAreNeverRepeatedInErrors() {
        XCTAssertFalse(refusal("pin = 12345678901")?.description.contains("12345678901") ?? true)
        XCTAssertFalse(refusal("password = a\"b")?.description.contains("a\"b") ?? true)
    }

    func testCrossKeyChecks() {
        XCTAssertNil(refusal("pin = 1234\npin_file = /etc/pin")?.location.line)
        XCTAssertNotNil(refusal("auth = pap"))
        XCTAssertNotNil(refusal("backoff_initial = 10m\nbackoff_max = 1m"))
    }

    func testWindowsLineEndingsAndTabsAreTolerated() throws {
        let c = try parse("apn\t=\tinternet\r\nroute_metric = 5\r\n")
        XCTAssertEqual(c.apn, "internet")
        XCTAssertEqual(c.routeMetric, 5)
    }

    func testOverridesUseTheSameKeysAndWin() throws {
        let file = try parse("apn = fromfile\nprobe_interval = 10m")
        let split = try ConfigurationParser.splitOverride("apn=fromcli")
        let c = try ConfigurationParser.applyOverrides([split, ("probe_interval", "30s")], to: file)
        XCTAssertEqual(c.apn, "fromcli")
        XCTAssertEqual(c.supervisor.probeInterval, .seconds(30))
        XCTAssertThrowsError(try ConfigurationParser.applyOverrides([("nope", "1")], to: file))
        XCTAssertThrowsError(try ConfigurationParser.splitOverride("apn"))
        do {
            _ = try ConfigurationParser.applyOverrides([("pin", "x")], to: file)
            XCTFail()
        } catch {
            XCTAssertFalse(error.description.contains("=x"))
            XCTAssertTrue(error.description.hasPrefix("command line (pin=***)"))
        }
    }

    func testDurations() {
        XCTAssertEqual(ConfigurationParser.parseDuration("300"), .seconds(300))
        XCTAssertEqual(ConfigurationParser.parseDuration("250ms"), .milliseconds(250))
        XCTAssertEqual(ConfigurationParser.parseDuration("2h"), .seconds(7200))
        XCTAssertNil(ConfigurationParser.parseDuration("s"))
        XCTAssertNil(ConfigurationParser.parseDuration("-1s"))
        XCTAssertNil(ConfigurationParser.parseDuration("1.5s"))
        XCTAssertNil(ConfigurationParser.parseDuration("9999999999s"))
    }

    func testBandMask() throws {
        XCTAssertNil(DaemonConfiguration().bandMask)
        var c = DaemonConfiguration()
        c.bands = [1]
        XCTAssertEqual(c.bandMask, "1")
        c.bands = [3, 8, 20]
        XCTAssertEqual(c.bandMask, "80084")
        c.bands = [66, 85]
        XCTAssertEqual(c.bandMask, "1000020000000000000000")
    }

    func testSettingsComeFromTheConfiguration() throws {
        let c = try parse("probe_interval = 42s\nattempts_per_rung = 5\nbackoff_initial = 3s\nbackoff_max = 9s")
        let s = c.supervisor
        XCTAssertEqual(s.probeInterval, .seconds(42))
        XCTAssertEqual(s.attemptsPerRung, 5)
        XCTAssertEqual(s.backoff, Backoff(initial: .seconds(3), maximum: .seconds(9)))
    }

    /// Issue 13: idle and online, nothing periodic runs unless configured (the probe, whose
    /// default interval the operator sees in the example, and the watchdog, which systemd sets).
    func testNoModuleSurveyTimerUnlessConfigured() throws {
        XCTAssertNil(DaemonConfiguration().moduleSurveyInterval, "no survey timer by default")
        XCTAssertNil(try parse("").moduleSurveyInterval)
        XCTAssertEqual(try parse("module_survey_interval = 5m\n").moduleSurveyInterval, .seconds(300))
        XCTAssertEqual(DaemonConfiguration().metricsFile, "", "no metrics file (and so no metrics timer) by default")
    }

    func testTheExampleFileParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/bg95d.conf.example")
        let text = try String(contentsOf: path, encoding: .utf8)
        XCTAssertEqual(try parse(text), DaemonConfiguration(), "the example documents the defaults")
        for key in ConfigurationParser.keys {
            XCTAssertTrue(text.contains("\n# \(key) ="), "example misses \(key)")
        }
    }

    // Issue 11: values that can never work are refused with the key's name and a clear reason.

    func testACommentAfterAValueIsRefusedClearly() throws {
        let error = try XCTUnwrap(refusal("apn = internet  # the provider's APN\n"))
        XCTAssertEqual(error.location.line, 1)
        XCTAssertTrue(error.reason.hasPrefix("apn: comments after a value are not supported"), error.reason)
        XCTAssertFalse(error.reason.contains("contains no spaces"))
        XCTAssertTrue(try XCTUnwrap(refusal("probe_interval = 5m\t# five minutes\n")).reason.hasPrefix("probe_interval:"))
        // A `#` inside a value, or a quoted value, is still a value.
        XCTAssertEqual(try parse("password = ab#cd\n").password, "ab#cd")
        XCTAssertEqual(try parse("password = \"ab #cd\"\n").password, "ab #cd")
    }

    func testTheSystemResolvConfIsNeverTheDNSFile() throws {
        let error = try XCTUnwrap(refusal("dns_file = /etc/resolv.conf\n"))
        XCTAssertTrue(error.reason.hasPrefix("dns_file: "), error.reason)
        XCTAssertThrowsError(try ConfigurationParser.applyOverrides([("dns_file", "/etc/resolv.conf")], to: DaemonConfiguration()))
    }
}
