import XCTest
@testable import ATProtocol

final class ATCommandTests: XCTestCase {
    func testEveryCommandTheDaemonUsesIsBuiltExactly() throws {
        let expected: [(ATCommand, String)] = [
            (.attention, "AT"),
            (.echoOff, "ATE0"),
            (.identify, "ATI"),
            (.firmwareRevisionQuery, "AT+QGMR"),
            (.usbNetModeQuery, "AT+QCFGEXT=\"usbnet\""),
            (.extendedConfigurationTest, "AT+QCFGEXT=?"),
            (.setUSBNetMode(.ecm), "AT+QCFGEXT=\"usbnet\",\"ecm\""),
            (.setUSBNetMode(.modem), "AT+QCFGEXT=\"usbnet\",\"modem\""),
            (.simStatusQuery, "AT+CPIN?"),
            (try .enterPIN("1234"), "AT+CPIN=\"1234\""),
            (.scanModeQuery, "AT+QCFG=\"nwscanmode\""),
            (.setScanMode(.lteOnly), "AT+QCFG=\"nwscanmode\",3,1"),
            (.setScanMode(.automatic), "AT+QCFG=\"nwscanmode\",0,1"),
            (.iotOperatingModeQuery, "AT+QCFG=\"iotopmode\""),
            (.setIoTOperatingMode(.nbIoT), "AT+QCFG=\"iotopmode\",1,1"),
            (.setIoTOperatingMode(.catM1AndNBIoT), "AT+QCFG=\"iotopmode\",2,1"),
            (.scanSequenceQuery, "AT+QCFG=\"nwscanseq\""),
            (try .setScanSequence(ScanSequence([.catM1, .nbIoT, .gsm])), "AT+QCFG=\"nwscanseq\",\"020301\",1"),
            (.bandQuery, "AT+QCFG=\"band\""),
            (.setBands(BandConfiguration(gsm: BandMask(hex: "f")!, catM1: BandMask(bands: [3, 8, 20]), nbIoT: BandMask(bands: [20]))),
             "AT+QCFG=\"band\",0xf,0x80084,0x80000,1"),
            (try .defineContext(type: .ipv4, apn: "internet"), "AT+CGDCONT=1,\"IP\",\"internet\""),
            (try .defineContext(cid: 2, type: .ipv4v6, apn: ""), "AT+CGDCONT=2,\"IPV4V6\",\"\""),
            (.contextDefinitionsQuery, "AT+CGDCONT?"),
            (try .configureContext(type: .ipv4, apn: "internet.m2m", username: "user", password: "pa ss", authentication: .papOrChap),
             "AT+QICSGP=1,1,\"internet.m2m\",\"user\",\"pa ss\",3"),
            (try .configureContext(type: .ipv6, apn: "v6"), "AT+QICSGP=1,2,\"v6\",\"\",\"\",0"),
            (.setRegistrationReporting(.location), "AT+CEREG=2"),
            (.registrationQuery, "AT+CEREG?"),
            (.operatorQuery, "AT+COPS?"),
            (.networkInfoQuery, "AT+QNWINFO"),
            (.servingSignalQuery, "AT+QCSQ"),
            (.signalQualityQuery, "AT+CSQ"),
            (.attachQuery, "AT+CGATT?"),
            (.attach, "AT+CGATT=1"),
            (.detach, "AT+CGATT=0"),
            (.contextActivationQuery, "AT+CGACT?"),
            (try .activateContext(), "AT+CGACT=1,1"),
            (try .deactivateContext(cid: 1), "AT+CGACT=0,1"),
            (try .addressQuery(), "AT+CGPADDR=1"),
            (.netDeviceControlTest, "AT+QNETDEVCTL=?"),
            (.netDeviceControlQuery, "AT+QNETDEVCTL?"),
            (try .connectNetDevice(), "AT+QNETDEVCTL=1,1,1"),
            (try .disconnectNetDevice(), "AT+QNETDEVCTL=0,1,0"),
            (try .ping(host: "8.8.8.8"), "AT+QPING=1,\"8.8.8.8\""),
            (try .ping(host: "testhost.bg95.test", timeoutSeconds: 10, count: 3), "AT+QPING=1,\"testhost.bg95.test\",10,3"),
            (try .ping(host: "198.51.100.7", count: 2), "AT+QPING=1,\"198.51.100.7\",4,2"),
            (.functionalityQuery, "AT+CFUN?"),
            (.setFunctionality(.minimum), "AT+CFUN=0"),
            (.setFunctionality(.full), "AT+CFUN=1"),
            (.reboot, "AT+CFUN=1,1"),
            (.urcPortQuery, "AT+QURCCFG=\"urcport\""),
            (.setURCPort(.usbAT), "AT+QURCCFG=\"urcport\",\"usbat\""),
            (try .raw("AT+CGSN"), "AT+CGSN"),
        ]
        for (command, text) in expected {
            XCTAssertEqual(command.text, text)
            XCTAssertEqual(command.bytes, Array((text + "\r").utf8), text)
        }
    }

    func testTimeoutsFollowTheReferenceTable() throws {
        let table: [(ATCommand, Duration)] = [
            (.operatorQuery, .seconds(180)),
            (.attach, .seconds(140)), (.attachQuery, .seconds(140)), (.detach, .seconds(140)),
            (try .activateContext(), .seconds(150)), (.contextActivationQuery, .seconds(150)),
            (try .raw("AT+QIACT=1"), .seconds(150)),
            (try .ping(host: "8.8.8.8"), .seconds(300)),
            (.netDeviceControlTest, .seconds(2)), (try .connectNetDevice(), .seconds(2)), (.netDeviceControlQuery, .seconds(2)),
            (.simStatusQuery, .seconds(15)), (.echoOff, .seconds(15)), (.registrationQuery, .seconds(15)),
            (.reboot, .seconds(15)), (try .defineContext(type: .ipv4, apn: "a"), .seconds(15)),
            (try .addressQuery(), .seconds(15)), (.servingSignalQuery, .seconds(15)),
        ]
        for (command, timeout) in table { XCTAssertEqual(command.timeout, timeout, command.text) }
        XCTAssertEqual(ATCommand.timeout(for: "at+cops=0"), .seconds(180))
        XCTAssertEqual(ATCommand.name(of: "AT+COPS?"), "+COPS")
        XCTAssertEqual(ATCommand.name(of: "ATI"), "I")
        XCTAssertEqual(ATCommand.name(of: "AT+QCFG=\"band\""), "+QCFG")
    }

    // MARK: Refusals, one field at a time

    /// Values that must never reach the port inside quotes, with the reason each must give.
    private let hostileValues: [(String, ATCommandError.Reason)] = [
        ("inter\"net", .containsQuote),
        ("a\"\r\nAT+CFUN=0\r\n\"", .containsQuote),
        ("inter\\net", .containsBackslash),
        ("internet\r", .containsControlCharacter),
        ("internet\nAT+CFUN=0", .containsControlCharacter),
        ("inter\u{0}net", .containsControlCharacter),
        ("inter\tnet", .containsControlCharacter),
        ("inter\u{7F}net", .containsControlCharacter),
        ("intérnet", .containsNonASCII),
        ("internet\u{2028}", .containsNonASCII),
    ]

    private func assertRefused(
        _ field: ATArgumentField, _ reason: ATCommandError.Reason, value: String,
        file: StaticString = #filePath, line: UInt = #line, _ build: () throws -> ATCommand
    ) {
        do {
            let command = try build()
            XCTFail("built \(command.text.debugDescription) for \(field)", file: file, line: line)
        } catch let error as ATCommandError {
            XCTAssertEqual(error, ATCommandError(field: field, reason: reason), value.debugDescription, file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix(field.rawValue + ":"), error.description, file: file, line: line)
            if value.count >= 4 {
                XCTAssertFalse(error.description.contains(value), "error echoes the value", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testAPNRefusals() {
        for (value, reason) in hostileValues {
            assertRefused(.apn, reason, value: value) { try .defineContext(type: .ipv4, apn: value) }
            assertRefused(.apn, reason, value: value) { try .configureContext(type: .ipv4, apn: value) }
        }
        assertRefused(.apn, .tooLong(maximum: 100), value: "") { try .defineContext(type: .ipv4, apn: String(repeating: "a", count: 101)) }
        XCTAssertNoThrow(try ATCommand.defineContext(type: .ipv4, apn: String(repeating: "a", count: 100)))
    }

    func testUsernameRefusals() {
        for (value, reason) in hostileValues {
            assertRefused(.username, reason, value: value) { try .configureContext(type: .ipv4, apn: "ok", username: value) }
        }
        assertRefused(.username, .tooLong(maximum: 127), value: "") {
            try .configureContext(type: .ipv4, apn: "ok", username: String(repeating: "u", count: 128))
        }
    }

    func testPasswordRefusals() {
        for (value, reason) in hostileValues {
            assertRefused(.password, reason, value: value) {
                try .configureContext(type: .ipv4, apn: "ok", username: "u", password: value, authentication: .chap)
            }
        }
    }

    func testPINRefusals() {
        for (value, reason) in hostileValues {
            assertRefused(.pin, reason, value: value) { try .enterPIN(value) }
        }
        assertRefused(.pin, .containsQuote, value: "12\"4") { try .enterPIN("12\"4") }
        assertRefused(.pin, .notAPIN, value: "123") { try .enterPIN("123") }
        assertRefused(.pin, .notAPIN, value: "12a4") { try .enterPIN("12a4") }
        assertRefused(.pin, .notAPIN, value: "1234 ") { try .enterPIN("1234 ") }
        assertRefused(.pin, .tooLong(maximum: 8), value: "123456789") { try .enterPIN("123456789") }
        assertRefused(.pin, .empty, value: "") { try .enterPIN("") }
        XCTAssertNoThrow(try ATCommand.enterPIN("0000"))
        XCTAssertNoThrow(try ATCommand.enterPIN("12345678"))
    }

    func testHostRefusals() {
        for (value, reason) in hostileValues {
            assertRefused(.host, reason, value: value) { try .ping(host: value) }
        }
        for value in ["8.8.8.8;+CFUN=0", "host name", "a,b", "a/b", "(x)"] {
            assertRefused(.host, .forbiddenCharacter, value: value) { try .ping(host: value) }
        }
        assertRefused(.host, .empty, value: "") { try .ping(host: "") }
        assertRefused(.pingTimeout, .outOfRange, value: "") { try .ping(host: "a", timeoutSeconds: 0) }
        assertRefused(.pingTimeout, .outOfRange, value: "") { try .ping(host: "a", timeoutSeconds: 256) }
        assertRefused(.pingCount, .outOfRange, value: "") { try .ping(host: "a", count: 11) }
        XCTAssertNoThrow(try ATCommand.ping(host: "2001:db8::1"))
    }

    func testContextIDAndScanSequenceRefusals() {
        for cid in [0, -1, 16, Int.max] {
            assertRefused(.contextID, .outOfRange, value: "") { try .activateContext(cid: cid) }
            assertRefused(.contextID, .outOfRange, value: "") { try .defineContext(cid: cid, type: .ipv4, apn: "a") }
            assertRefused(.contextID, .outOfRange, value: "") { try .connectNetDevice(cid: cid) }
            assertRefused(.contextID, .outOfRange, value: "") { try .addressQuery(cid: cid) }
            assertRefused(.contextID, .outOfRange, value: "") { try .ping(host: "a", cid: cid) }
        }
        assertRefused(.scanSequence, .empty, value: "") { try .setScanSequence(ScanSequence([])) }
        assertRefused(.scanSequence, .tooLong(maximum: 4), value: "") {
            try .setScanSequence(ScanSequence([.gsm, .catM1, .nbIoT, .gsm, .catM1]))
        }
    }

    func testRawCommandRefusals() {
        let cases: [(String, ATCommandError.Reason)] = [
            ("AT+CFUN=0\r", .containsControlCharacter),
            ("AT+CFUN=0\nAT+CFUN=1", .containsControlCharacter),
            ("AT\u{0}", .containsControlCharacter),
            ("AT+CFUN=0;+CFUN=1", .chained(offset: 9)),
            ("ATE0;", .chained(offset: 4)),
            ("AT+QPING=1,\"a\\b\"", .containsBackslash),
            ("AT+QPING=1,\"host", .containsQuote),
            ("AT+COPS=1,0,\"Tëlekom\"", .containsNonASCII),
            ("+CFUN=0", .notAnATCommand),
            ("ping", .notAnATCommand),
            ("", .empty),
            ("AT" + String(repeating: "E", count: 255), .tooLong(maximum: 256)),
        ]
        for (value, reason) in cases {
            assertRefused(.rawCommand, reason, value: value) { try .raw(value) }
        }
        // `;` inside quotes is data, not a command separator.
        XCTAssertEqual(try ATCommand.raw("AT+QICSGP=1,1,\"a;b\",\"\",\"\",0").text, "AT+QICSGP=1,1,\"a;b\",\"\",\"\",0")
        XCTAssertEqual(try ATCommand.raw("at+cops?").text, "at+cops?")
    }

    func testRawCommandResponsePrefix() throws {
        XCTAssertEqual(try ATCommand.raw("AT+CGSN").responsePrefix, "+CGSN")
        XCTAssertEqual(try ATCommand.raw("AT+QCFG=?").responsePrefix, "+QCFG")
        XCTAssertEqual(try ATCommand.raw("AT+CFUN?").responsePrefix, "+CFUN")
        XCTAssertNil(try ATCommand.raw("AT+CFUN=1").responsePrefix)
        XCTAssertNil(try ATCommand.raw("AT+QPING=1,\"a\"").responsePrefix)
        XCTAssertTrue(try ATCommand.raw("AT+CEREG?").claims("+CEREG: 2,1"))
        XCTAssertFalse(try ATCommand.raw("AT+CEREG?").claims("+CEREG: 1,\"1A2B\",\"01A2B3C4\",8"))
    }

    func testSecretsAreRedactedFromDescription() throws {
        let pin = try ATCommand.enterPIN("4711")
        XCTAssertTrue(pin.text.contains("4711"))
        XCTAssertFalse(pin.description.contains("4711"))
        XCTAssertTrue(pin.isSensitive)
        let context = try ATCommand.configureContext(type: .ipv4, apn: "apn", username: "bob", password: "s3cr3t", authentication: .pap)
        XCTAssertTrue(context.text.contains("s3cr3t"))
        XCTAssertFalse(context.description.contains("s3cr3t"))
        XCTAssertEqual(context.description, "AT+QICSGP=1,1,\"apn\",\"bob\",\"***\",1")
        XCTAssertFalse(ATCommand.attach.isSensitive)
        XCTAssertEqual(ATCommand.attach.description, "AT+CGATT=1")
        // A failed command's error names the command by its redacted text.
        let response = ATResponse(id: ATCommandID(rawValue: 1), command: pin, lines: [], result: .cme(.incorrectPassword))
        XCTAssertThrowsError(try response.checked()) { error in
            XCTAssertFalse("\(error)".contains("4711"))
        }
    }

    /// Whatever the inputs, a built command is one line: a single trailing CR, printable ASCII
    /// before it, balanced quotes, and no `;` outside quotes.
    func testNoInputCanSmuggleASecondCommand() {
        var random = SplitMix64(seed: 0xB695)
        let alphabet: [Character] = ["a", "Z", "0", "9", "\"", "\\", "\r", "\n", ";", ",", " ", "\u{0}", "\u{7F}", "é", "=", "+", "A", "T", ".", "-", ":"]
        for _ in 0..<20_000 {
            let length = Int(random.next() % 12)
            let value = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            let builders: [() throws -> ATCommand] = [
                { try .defineContext(type: .ipv4, apn: value) },
                { try .configureContext(type: .ipv4, apn: value, username: value, password: value) },
                { try .enterPIN(value) },
                { try .ping(host: value) },
                { try .raw("AT" + value) },
            ]
            for build in builders {
                guard let command = try? build() else { continue }
                assertSingleCommandLine(command.bytes, value: value)
            }
        }
    }

    private func assertSingleCommandLine(_ bytes: [UInt8], value: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bytes.last, 0x0D, file: file, line: line)
        var inQuote = false
        for byte in bytes.dropLast() {
            XCTAssertTrue((0x20...0x7E).contains(byte), "byte \(byte) from \(value.debugDescription)", file: file, line: line)
            XCTAssertNotEqual(byte, UInt8(ascii: "\\"), file: file, line: line)
            if byte == UInt8(ascii: "\"") { inQuote.toggle() }
            if byte == UInt8(ascii: ";") { XCTAssertTrue(inQuote, value.debugDescription, file: file, line: line) }
        }
        XCTAssertFalse(inQuote, value.debugDescription, file: file, line: line)
    }
}

/// A tiny deterministic PRNG so randomised tests replay identically.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
