import Foundation
import TestSupport
import XCTest

/// `udev/70-bg95.rules` processed by real udev: `udevadm test --action=add` (systemd 252's
/// udevadm; `udevadm verify` only exists from 253 on) on a BG95 device tree that umockdev
/// presents as /sys. Checks what udev makes of each device: ID_MM_DEVICE_IGNORE, the systemd
/// tag and SYSTEMD_WANTS, the /dev/bg95-at symlinks (created in a scratch /dev), and the
/// `option` new_id binding only for a vendor interface no driver claimed.
///
/// udevadm test writes symlinks into /dev and its database into /run/udev, so it runs in its own
/// mount namespace over a scratch /dev and /run; the rule folders hold only our rule. RUN
/// programs are never executed by `udevadm test` (it prints them).
final class UdevRuleUnderUdevadmTests: XCTestCase {
    static let devicePath = "/devices/pci0000:00/0000:00:14.0/usb1/1-1"

    /// A BG95 in ECM mode as umockdev-record text: interfaces 0 and 2 (vendor class, `option`
    /// when `bound`, then with their ttyUSB), 3 (CDC-ECM with eth2).
    static func deviceTree(vendor: String = "2c7c", product: String = "0700", bound: Bool) -> String {
        var paragraphs = [
            "P: /devices/pci0000:00/0000:00:14.0\nE: SUBSYSTEM=pci\nA: vendor=0x8086\n",
            """
            P: \(devicePath)
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_device
            A: idVendor=\(vendor)
            A: idProduct=\(product)
            A: serial=bg95test
            A: manufacturer=Quectel
            A: product=Quectel LPWA Module
            A: busnum=1
            A: devnum=2
            A: devpath=1
            L: driver=../../../../../bus/usb/drivers/usb

            """,
        ]
        for (number, vendorClass) in [(0, true), (2, true), (3, false)] {
            var interface = """
                P: \(devicePath)/1-1:1.\(number)
                E: SUBSYSTEM=usb
                E: DEVTYPE=usb_interface
                A: bInterfaceNumber=0\(number)
                A: bInterfaceClass=\(vendorClass ? "ff" : "02")
                A: bInterfaceSubClass=\(vendorClass ? "ff" : "06")
                A: bInterfaceProtocol=\(vendorClass ? "ff" : "00")

                """
            if let driver = vendorClass ? (bound ? "option" : nil) : "cdc_ether" {
                interface += "L: driver=../../../../../../bus/usb/drivers/\(driver)\n"
            }
            paragraphs.append(interface)
            if vendorClass && bound {
                paragraphs.append("""
                    P: \(devicePath)/1-1:1.\(number)/ttyUSB\(number)/tty/ttyUSB\(number)
                    N: ttyUSB\(number)
                    E: SUBSYSTEM=tty
                    E: DEVNAME=/dev/ttyUSB\(number)
                    E: MAJOR=188
                    E: MINOR=\(number)
                    A: dev=188:\(number)

                    """)
            }
            if number == 3 {
                paragraphs.append("P: \(devicePath)/1-1:1.3/net/eth2\nE: SUBSYSTEM=net\nE: INTERFACE=eth2\nE: IFINDEX=2\nA: ifindex=2\nA: address=02:50:f4:00:00:01\n")
            }
        }
        return paragraphs.joined(separator: "\n")
    }

    /// What `udevadm test` printed for one device.
    struct Outcome {
        let properties: [String: String]
        let runs: [String]
        /// Everything in the scratch /dev afterwards.
        let dev: [String]
        let log: String
    }

    /// `udevadm test --action=add /sys<devpath>` under umockdev with only `rules` installed.
    func udevadmTest(tree: String, device: String, rules: String = TestEnvironment.packageRoot + "/udev/70-bg95.rules",
                     expectComplaints: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["udevadm", "umockdev-run", "unshare", "mount", "mknod"])
        let folder = NSTemporaryDirectory() + "bg95-udevadm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try tree.write(toFile: folder + "/bg95.umockdev", atomically: false, encoding: .utf8)
        let ruleFolders = ["/etc/udev/rules.d", "/usr/lib/udev/rules.d"]
        let script = """
            set -e
            mount --make-rprivate /
            mount -t tmpfs -o mode=755 tmpfs /dev
            mkdir /dev/pts
            mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
            ln -s pts/ptmx /dev/ptmx
            mknod -m 666 /dev/null c 1 3
            for d in \(ruleFolders.joined(separator: " ")); do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done
            mount -t tmpfs tmpfs /run
            mkdir -p /run/udev/rules.d
            cp "$1" /run/udev/rules.d/70-bg95.rules
            # Driver links point at /sys/bus/usb/drivers/<name>, which exists on real sysfs.
            umockdev-run -d "$2" -- sh -c 'for d in usb option cdc_ether; do mkdir -p "$UMOCKDEV_DIR/sys/bus/usb/drivers/$d"; done
              exec udevadm test --action=add "$0"' "$3"
            echo "--- dev"
            find /dev -path /dev/pts -prune -o -print
            """
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = folder
        let result = try Command.run(["unshare", "-m", "sh", "-c", script, "sh", rules, folder + "/bg95.umockdev", "/sys" + device],
                                     environment: environment)
        let log = result.stdout + result.stderr
        XCTAssertEqual(result.status, 0, "udevadm test failed:\n\(log)", file: file, line: line)
        var properties: [String: String] = [:]
        var runs: [String] = []
        var dev: [String] = []
        var inDev = false
        for raw in result.stdout.split(separator: "\n") {
            let text = String(raw)
            if text == "--- dev" { inDev = true; continue }
            if inDev { dev.append(text); continue }
            if text.hasPrefix("run: ") { runs.append(text); continue }
            if let equals = text.firstIndex(of: "="), text[..<equals].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
                properties[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
        }
        XCTAssertEqual(properties["DEVPATH"], device, "udevadm printed no properties for \(device):\n\(log)", file: file, line: line)
        // The rule file loaded without complaint.
        let complaints = log.split(separator: "\n").filter {
            $0.contains("70-bg95.rules:") && ["nvalid", "gnoring", "rror", "nknown", "ailed"].contains(where: $0.contains)
        }
        if expectComplaints {
            XCTAssertFalse(complaints.isEmpty, "udev did not report the broken rule:\n\(log)", file: file, line: line)
        } else {
            XCTAssertEqual(complaints, [], "udev complains about the rules:\n\(log)", file: file, line: line)
        }
        return Outcome(properties: properties, runs: runs, dev: dev, log: log)
    }

    func testModuleStartsBG95dAndIsHiddenFromModemManager() throws {
        let outcome = try udevadmTest(tree: Self.deviceTree(bound: true), device: Self.devicePath)
        XCTAssertEqual(outcome.properties["ID_MM_DEVICE_IGNORE"], "1", outcome.log)
        XCTAssertTrue((outcome.properties["TAGS"] ?? "").contains(":systemd:"), outcome.log)
        XCTAssertEqual(outcome.properties["SYSTEMD_WANTS"], "bg95d.service", outcome.log)
        XCTAssertEqual(outcome.runs, [], "the device event binds nothing")
    }

    func testATPortGetsItsSymlinksAndOtherPortsDoNot() throws {
        let at = try udevadmTest(tree: Self.deviceTree(bound: true), device: Self.devicePath + "/1-1:1.2/ttyUSB2/tty/ttyUSB2")
        XCTAssertEqual(at.properties["ID_MM_DEVICE_IGNORE"], "1", at.log)
        XCTAssertEqual(at.properties["ID_USB_INTERFACE_NUM"], "02", at.log)
        let links = (at.properties["DEVLINKS"] ?? "").split(separator: " ").map(String.init)
        XCTAssertEqual(Set(links), ["/dev/bg95-at", "/dev/bg95/pci-0000:00:14.0-usb-0:1:1.2-at"], at.log)
        for link in links {
            XCTAssertTrue(at.dev.contains(link), "\(link) not created: \(at.dev)")
        }

        let diag = try udevadmTest(tree: Self.deviceTree(bound: true), device: Self.devicePath + "/1-1:1.0/ttyUSB0/tty/ttyUSB0")
        XCTAssertEqual(diag.properties["ID_MM_DEVICE_IGNORE"], "1", diag.log)
        XCTAssertFalse((diag.properties["DEVLINKS"] ?? "").contains("bg95"), diag.log)
        XCTAssertFalse(diag.dev.contains("/dev/bg95-at"), "\(diag.dev)")

        let net = try udevadmTest(tree: Self.deviceTree(bound: true), device: Self.devicePath + "/1-1:1.3/net/eth2")
        XCTAssertEqual(net.properties["ID_MM_DEVICE_IGNORE"], "1", net.log)
    }

    func testOptionGetsTheIdOnlyForAnInterfaceWithoutDriver() throws {
        let bound = try udevadmTest(tree: Self.deviceTree(bound: true), device: Self.devicePath + "/1-1:1.2")
        XCTAssertEqual(bound.runs, [], "new_id written although option is bound:\n\(bound.log)")

        let unbound = try udevadmTest(tree: Self.deviceTree(bound: false), device: Self.devicePath + "/1-1:1.2")
        XCTAssertEqual(unbound.runs.count, 1, unbound.log)
        XCTAssertTrue(unbound.runs.first?.contains("echo 2c7c 0700 ff > $f") == true, "\(unbound.runs)")
        XCTAssertTrue(unbound.runs.first?.contains("/sys/bus/usb-serial/drivers/option1/new_id") == true, "\(unbound.runs)")

        // The ECM composition's product id; the CDC interface is never handed to option.
        let other = try udevadmTest(tree: Self.deviceTree(product: "0203", bound: false), device: Self.devicePath + "/1-1:1.0")
        XCTAssertTrue(other.runs.first?.contains("echo 2c7c 0203 ff > $f") == true, "\(other.runs)")
        let ecm = try udevadmTest(tree: Self.deviceTree(bound: false), device: Self.devicePath + "/1-1:1.3")
        XCTAssertEqual(ecm.runs, [])
    }

    func testOtherDevicesAreLeftAlone() throws {
        let tree = Self.deviceTree(vendor: "1234", product: "5678", bound: false)
        let device = try udevadmTest(tree: tree, device: Self.devicePath)
        XCTAssertNil(device.properties["ID_MM_DEVICE_IGNORE"])
        XCTAssertNil(device.properties["SYSTEMD_WANTS"])
        let interface = try udevadmTest(tree: tree, device: Self.devicePath + "/1-1:1.2")
        XCTAssertEqual(interface.runs, [])
    }

    /// The parse check is real: a broken copy of the rules is reported.
    func testABrokenRuleIsReported() throws {
        let broken = NSTemporaryDirectory() + "bg95-broken-\(getpid()).rules"
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let text = try String(contentsOfFile: TestEnvironment.packageRoot + "/udev/70-bg95.rules", encoding: .utf8)
        try (text + "SUBSYSTEM==\"tty\", FOO{bar}=\"1\"\n").write(toFile: broken, atomically: false, encoding: .utf8)
        let outcome = try udevadmTest(tree: Self.deviceTree(bound: true), device: Self.devicePath, rules: broken, expectComplaints: true)
        // The rest of the file still applies.
        XCTAssertEqual(outcome.properties["SYSTEMD_WANTS"], "bg95d.service", outcome.log)
    }
}
