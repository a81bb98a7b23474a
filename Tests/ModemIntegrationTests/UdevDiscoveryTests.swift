import Foundation
import TestSupport
import XCTest

/// Discovery through real libudev over fake sysfs trees (umockdev-run, no simulator): the AT
/// port is chosen by interface number whatever the tty names, both product ids match, other
/// devices are ignored, several modules are chosen between and said so, and a module whose
/// serial driver is not bound is reported with the fix instead of waited for.
final class UdevDiscoveryTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        try TestEnvironment.requireTools(["umockdev-run"])
        directory = NSTemporaryDirectory() + "bg95-udev-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One USB module in umockdev's text format. `ttys` maps interface number to tty name.
    private func module(
        bus: String, product: String = "0700", vendor: String = "2c7c", serial: String, ttys: [Int: String],
        interfaces: [Int] = [0, 1, 2], net: String? = nil
    ) -> String {
        let base = "/devices/pci0000:00/0000:00:14.0/usb1/\(bus)"
        var text = """
        P: \(base)
        E: SUBSYSTEM=usb
        E: DEVTYPE=usb_device
        A: idVendor=\(vendor)
        A: idProduct=\(product)
        A: serial=\(serial)


        """
        for number in interfaces.sorted() {
            let interface = "\(base)/\(bus):1.\(number)"
            text += """
            P: \(interface)
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_interface
            A: bInterfaceNumber=0\(number)


            """
            if let tty = ttys[number] {
                text += """
                P: \(interface)/\(tty)/tty/\(tty)
                N: \(tty)
                E: SUBSYSTEM=tty
                E: DEVNAME=/dev/\(tty)
                E: ID_USB_INTERFACE_NUM=0\(number)


                """
            }
        }
        if let net {
            text += """
            P: \(base)/\(bus):1.3
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_interface
            E: DRIVER=cdc_ether
            A: bInterfaceNumber=03
            L: driver=../../../../../../bus/usb/drivers/cdc_ether

            P: \(base)/\(bus):1.3/net/\(net)
            E: SUBSYSTEM=net
            E: INTERFACE=\(net)
            E: IFINDEX=41
            E: ID_USB_DRIVER=cdc_ether


            """
        }
        return text
    }

    private func run(_ description: String, _ arguments: [String]) throws -> CommandResult {
        let file = directory + "/devices.umockdev"
        try description.write(toFile: file, atomically: true, encoding: .utf8)
        let bg95d = try TestEnvironment.product("bg95d")
        return try Command.run(["umockdev-run", "-d", file, "--", bg95d, "modem", "--lock-dir", directory] + arguments)
    }

    func testATPortIsTheTTYOfInterfaceTwoWhateverItsName() throws {
        let tree = module(bus: "1-1", serial: "A1", ttys: [0: "ttyUSB2", 1: "ttyUSB9", 2: "ttyUSB0"], net: "usb3")
            + module(bus: "1-4", vendor: "1d6b", serial: "HUB", ttys: [2: "ttyUSB5"])
        let result = try run(tree, ["--list"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "2c7c:0700 at usb 1-1 serial A1, AT port /dev/ttyUSB0, net usb3")
        XCTAssertFalse(result.stderr.contains("modules found"), "the other vendor's device is not a module")
    }

    func testSeveralModulesArePickedByUSBPathOrSerialElseTheFirstAndSaidSo() throws {
        let tree = module(bus: "1-1", serial: "A1", ttys: [2: "ttyUSB2"])
            + module(bus: "1-2", product: "0203", serial: "B2", ttys: [2: "ttyUSB7"])
        let first = try run(tree, ["--list"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("at usb 1-1 serial A1, AT port /dev/ttyUSB2"), first.stdout)
        XCTAssertTrue(first.stderr.contains("2 modules found (1-1, 1-2); using the first, usb 1-1"), first.stderr)

        let byPath = try run(tree, ["--list", "--usb-path", "1-2"])
        XCTAssertTrue(byPath.stdout.contains("2c7c:0203 at usb 1-2 serial B2, AT port /dev/ttyUSB7"), byPath.stdout)

        let bySerial = try run(tree, ["--list", "--serial", "B2"])
        XCTAssertTrue(bySerial.stdout.contains("at usb 1-2 serial B2"), bySerial.stdout)

        let absent = try run(tree, ["--list", "--serial", "C3"])
        XCTAssertNotEqual(absent.status, 0)
        XCTAssertTrue(absent.stdout.contains("no module found"), absent.stdout)
        XCTAssertTrue(absent.stderr.contains("not present; ignoring 1-1, 1-2"), absent.stderr)
    }

    func testSerialDriverNotBoundIsReportedWithTheFix() throws {
        let tree = module(bus: "1-1", serial: "A1", ttys: [:])
        let result = try run(tree, ["--apn", "internet", "--serial-driver-grace", "1", "--timeout", "30"])
        XCTAssertEqual(result.status, 2, "needs an operator: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("the serial driver is not bound"), result.stderr)
        XCTAssertTrue(result.stderr.contains("echo \"2c7c 0700 ff\" > /sys/bus/usb-serial/drivers/option1/new_id"), result.stderr)
    }
}
