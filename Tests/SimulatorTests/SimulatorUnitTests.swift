import Foundation
@testable import Simulator
import XCTest

/// The simulator's pure pieces: option parsing, AT argument splitting, the uevent wire format
/// and the persisted state. No root needed.
final class SimulatorUnitTests: XCTestCase {
    func testOptionsAreValidatedWithReasons() {
        XCTAssertEqual(try SIMConfig(parsing: "pin=1234"), .pin("1234"))
        XCTAssertThrowsError(try SIMConfig(parsing: "pin=12a4"))
        XCTAssertThrowsError(try SIMConfig(parsing: "pin=123"))
        XCTAssertEqual(try RegistrationConfig(parsing: "denied:15"), .denied(cause: 15))
        XCTAssertThrowsError(try RegistrationConfig(parsing: "denied:256"))
        XCTAssertThrowsError(try RegistrationConfig(parsing: "visiting"))
        XCTAssertEqual(SIMConfig.pin("1234").description, "pin=****", "the PIN never reaches a log")
        var options = SimulatorOptions()
        XCTAssertNoThrow(try options.validate())
        for prefix in ["", "toolong12", "Upper", "a-b", "ä"] {
            options.prefix = prefix
            XCTAssertThrowsError(try options.validate(), prefix)
        }
        options.prefix = "ok1"
        options.ecmInterfaceName = "eth 2"
        XCTAssertThrowsError(try options.validate())
        options.ecmInterfaceName = "wwecm0"
        options.leaseTime = 119
        XCTAssertThrowsError(try options.validate())
    }

    func testATArgumentsSplitOutsideQuotesAndRefuseMalformedStrings() {
        XCTAssertEqual(ATArgument.split("1,\"IP\",\"a,b\""), [.bare("1"), .quoted("IP"), .quoted("a,b")])
        XCTAssertEqual(ATArgument.split(" 1 , \"x\" ,"), [.bare("1"), .quoted("x"), .bare("")])
        XCTAssertNil(ATArgument.split("1,\"open"), "unterminated quote")
        XCTAssertNil(ATArgument.split("1,\"a\rb\""), "control byte inside a string")
        XCTAssertNil(ATArgument.split("1,\"a\"b"), "text after a closing quote")
        let command = ATCommandLine(extended: "+qcfgext=\"usbnet\",\"ecm\"")
        XCTAssertEqual(command?.name, "+QCFGEXT")
        XCTAssertEqual(command?.form, .set([.quoted("usbnet"), .quoted("ecm")]))
        XCTAssertEqual(ATCommandLine(extended: "+CEREG?")?.form, .read)
        XCTAssertEqual(ATCommandLine(extended: "+CEREG=?")?.form, .test)
        XCTAssertEqual(ATCommandLine(extended: "+CGATT")?.form, .execute)
        XCTAssertNil(ATCommandLine(extended: "+CEREG?x"))
        XCTAssertNil(ATCommandLine(extended: "+"))
    }

    func testSecretsAreRedactedInTheVerboseLog() {
        XCTAssertEqual(ModemEngine.redacted("AT+CPIN=\"1234\""), "AT+CPIN=<redacted>")
        XCTAssertEqual(ModemEngine.redacted("AT+QICSGP=1,1,\"apn\",\"user\",\"secret\",1"), "AT+QICSGP=1,1,\"apn\",<redacted>")
        XCTAssertEqual(ModemEngine.redacted("AT+CGATT=1"), "AT+CGATT=1")
    }

    func testUeventHeaderMatchesLibudevMonitorFormat() {
        let header = UeventSender.header(subsystem: "tty", devtype: nil, propertiesLength: 77)
        XCTAssertEqual(header.count, 40)
        XCTAssertEqual(Array(header[0..<8]), Array("libudev\0".utf8))
        XCTAssertEqual(Array(header[8..<12]), [0xfe, 0xed, 0xca, 0xfe], "magic in network order")
        func host32(_ offset: Int) -> UInt32 { header[offset..<offset + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
        XCTAssertEqual(host32(12), 40, "header size")
        XCTAssertEqual(host32(16), 40, "properties offset")
        XCTAssertEqual(host32(20), 77, "properties length")
        XCTAssertEqual(UInt32(bigEndian: host32(24)), UeventSender.murmurHash2("tty"))
        XCTAssertEqual(host32(28), 0, "no devtype")
        // MurmurHash2 (seed 0) reference values, computed with the C string_hash32 of
        // systemd/umockdev (lengths 3, 10 and 13 cover every tail case and the 4-byte loop).
        XCTAssertEqual(UeventSender.murmurHash2(""), 0)
        XCTAssertEqual(UeventSender.murmurHash2("tty"), 0x8afa_90c8)
        XCTAssertEqual(UeventSender.murmurHash2("net"), 0xa74d_3cc8)
        XCTAssertEqual(UeventSender.murmurHash2("usb"), 0x0577_c5e5)
        XCTAssertEqual(UeventSender.murmurHash2("usb_interface"), 0xb102_4765)
        XCTAssertEqual(UeventSender.murmurHash2("usb-serial"), 0x4563_f9ab)
    }

    func testCompositionsFollowTheReferenceTable() {
        let modem = USBComposition(mode: .modem, firstTTY: 0, devnum: 2, serial: "x", net: nil)
        XCTAssertEqual(modem.ttyInterfaces, [0, 1, 2, 4])
        XCTAssertEqual(modem.ttyName(interface: 2), "ttyUSB2")
        XCTAssertNil(modem.ttyName(interface: 3))
        let ecm = USBComposition(mode: .ecm, firstTTY: 4, devnum: 3, serial: "x", net: .init(name: "usb0", ifindex: 5, mac: "02:4b:00:00:00:01"))
        XCTAssertEqual(ecm.ttyName(interface: 2), "ttyUSB6")
        let devices = ecm.devices()
        let net = devices.first { $0.subsystem == "net" }
        XCTAssertEqual(net?.devpath, USBComposition.devicePath + "/1-1:1.3/net/usb0")
        XCTAssertTrue(net?.properties.contains { $0 == ("IFINDEX", "5") } ?? false)
        let drivers = devices.filter { $0.devtype == "usb_interface" }.map { $0.driver ?? "-" }
        XCTAssertEqual(drivers, ["option", "option", "option", "cdc_ether", "cdc_ether"])
        // Parents come before children: the order of "add" uevents.
        for (index, device) in devices.enumerated() {
            for later in devices[(index + 1)...] {
                XCTAssertFalse(device.devpath.hasPrefix(later.devpath + "/"), "\(device.devpath) before its parent")
            }
        }
        XCTAssertTrue(devices[0].record.contains("A: idProduct=0700\n"))
    }

    func testModuleStateRoundTripsThroughItsFile() throws {
        var state = ModuleState(usbnet: .ecm, urcport: .uart1, pin: "1234")
        state.contexts[2] = .init(pdpType: "IPV6", apn: "v6.example")
        state.autoConnectCID = 1
        let path = NSTemporaryDirectory() + "bg95sim-state-unit-\(getpid()).json"
        defer { unlink(path) }
        XCTAssertNil(try ModuleState.load(from: path), "no file: factory defaults")
        try state.save(to: path)
        XCTAssertEqual(try ModuleState.load(from: path), state)
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModuleState.load(from: path))
    }
    /// `await-command` finds the first later matching command whether it arrived before the
    /// request or after it (no race with the host), and forgets old commands.
    func testCommandJournalAnswersEarlierAndLaterCommands() {
        var journal = CommandJournal(capacity: 3)
        XCTAssertEqual(journal.record("AT+COPS?", at: 10).count, 0)
        let base = journal.count
        XCTAssertEqual(base, 1)
        XCTAssertEqual(journal.lookup(after: base, prefix: "AT+CEREG?", id: 1), .waiting)
        XCTAssertEqual(journal.lookup(after: base, prefix: "at+qcsq", id: 2), .waiting)
        // A command that matches no waiter answers none; one that matches answers only its own.
        XCTAssertTrue(journal.record("AT+COPS?", at: 20).isEmpty)
        let answered = journal.record("AT+CEREG?", at: 30)
        XCTAssertEqual(answered.map(\.waiter.id), [1])
        XCTAssertEqual(answered.first?.entry, CommandJournal.Entry(number: 3, nanoseconds: 30, line: "AT+CEREG?"))
        XCTAssertEqual(journal.waiters.map(\.id), [2])
        // Arrived before the request: answered at once; the number bounds it.
        XCTAssertEqual(journal.lookup(after: base, prefix: "AT+CEREG", id: 3),
                       .found(CommandJournal.Entry(number: 3, nanoseconds: 30, line: "AT+CEREG?")))
        XCTAssertEqual(journal.lookup(after: 3, prefix: "AT+CEREG?", id: 4), .waiting)
        XCTAssertTrue(journal.cancel(id: 4), "a timed-out waiter is dropped")
        XCTAssertFalse(journal.cancel(id: 4))
        // Case is ignored as the module ignores it.
        XCTAssertEqual(journal.record("at+qcsq", at: 40).map(\.waiter.id), [2])
        // Capacity 3: commands 1 and 2 are gone; asking after 0 cannot be answered honestly.
        _ = journal.record("ATI", at: 50)
        XCTAssertEqual(journal.entries.map(\.number), [3, 4, 5])
        XCTAssertEqual(journal.lookup(after: 0, prefix: "AT", id: 5), .forgotten)
        XCTAssertEqual(journal.lookup(after: 2, prefix: "ATI", id: 6),
                       .found(CommandJournal.Entry(number: 5, nanoseconds: 50, line: "ATI")))
    }
}
