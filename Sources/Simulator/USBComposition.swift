/// The sysfs tree a BG95-M3 (2c7c:0700) shows in one usbnet mode (bg95-reference.md, "USB").
///
/// modem: interfaces 0 (Diag), 1 (GNSS), 2 (AT), 4 (modem/PPP) bound to `option`, each with a
/// usb-serial port and a tty child; interface 3 is reserved and absent.
/// ecm: interfaces 0-2 as above, 3 (CDC-ECM comm 02/06) and 4 (CDC data 0a) bound to
/// `cdc_ether`, with the `net` child under interface 3.
struct USBComposition {
    static let hostControllerPath = "/devices/pci0000:00/0000:00:14.0"
    static let rootHubPath = hostControllerPath + "/usb1"
    static let devicePath = rootHubPath + "/1-1"

    struct NetDevice {
        let name: String
        let ifindex: Int
        let mac: String
    }

    let mode: UsbnetMode
    /// The first ttyUSB number of this enumeration; names never repeat within a run because
    /// umockdev aborts when a pty node name comes back.
    let firstTTY: Int
    let devnum: Int
    let serial: String
    let net: NetDevice?

    /// Interface number of the AT port.
    static let atInterface = 2

    /// tty interfaces in this mode, in order.
    var ttyInterfaces: [Int] { mode == .ecm ? [0, 1, 2] : [0, 1, 2, 4] }

    /// The tty name of interface `number` (nil when it has no tty in this mode).
    func ttyName(interface number: Int) -> String? {
        guard let index = ttyInterfaces.firstIndex(of: number) else { return nil }
        return "ttyUSB\(firstTTY + index)"
    }

    /// Devices that exist regardless of the module: the xHCI controller and its root hub.
    static func staticDevices() -> [FakeDevice] {
        [
            FakeDevice(
                devpath: hostControllerPath, subsystem: "pci", devtype: nil, driver: "xhci_hcd",
                properties: [("PCI_CLASS", "C0330"), ("PCI_ID", "8086:A36D"), ("PCI_SLOT_NAME", "0000:00:14.0")],
                attributes: [("vendor", "0x8086"), ("device", "0xa36d"), ("class", "0x0c0330")], node: nil),
            FakeDevice(
                devpath: rootHubPath, subsystem: "usb", devtype: "usb_device", driver: "usb",
                properties: [("PRODUCT", "1d6b/2/606"), ("TYPE", "9/0/1"), ("BUSNUM", "001"), ("DEVNUM", "001"),
                             ("ID_VENDOR_ID", "1d6b"), ("ID_MODEL_ID", "0002")],
                attributes: [("idVendor", "1d6b"), ("idProduct", "0002"), ("busnum", "1"), ("devnum", "1"),
                             ("bDeviceClass", "09"), ("speed", "480"), ("product", "xHCI Host Controller"), ("maxchild", "12")],
                node: nil),
        ]
    }

    private var commonIDs: [(String, String)] {
        [("ID_VENDOR", "Quectel"), ("ID_VENDOR_ENC", "Quectel"), ("ID_VENDOR_ID", "2c7c"),
         ("ID_MODEL", "Quectel_LPWA_Module"), ("ID_MODEL_ENC", "Quectel\\x20LPWA\\x20Module"), ("ID_MODEL_ID", "0700"),
         ("ID_REVISION", "0000"), ("ID_SERIAL", "Quectel_Quectel_LPWA_Module_\(serial)"), ("ID_SERIAL_SHORT", serial),
         ("ID_BUS", "usb"), ("ID_USB_INTERFACES", usbInterfacesSummary), ("ID_PATH", "pci-0000:00:14.0-usb-0:1"),
         ("ID_PATH_TAG", "pci-0000_00_14_0-usb-0_1")]
    }

    private var usbInterfacesSummary: String {
        mode == .ecm ? ":ffffff:020600:0a0000:" : ":ffffff:fffeff:"
    }

    private struct InterfaceSpec {
        let number: Int
        let cls: String, sub: String, proto: String
        let driver: String
        let endpoints: Int
        let label: String
    }

    private var interfaces: [InterfaceSpec] {
        var list = [
            InterfaceSpec(number: 0, cls: "ff", sub: "ff", proto: "ff", driver: "option", endpoints: 2, label: "Diag"),
            InterfaceSpec(number: 1, cls: "ff", sub: "ff", proto: "ff", driver: "option", endpoints: 3, label: "GNSS NMEA"),
            InterfaceSpec(number: 2, cls: "ff", sub: "ff", proto: "ff", driver: "option", endpoints: 3, label: "AT"),
        ]
        switch mode {
        case .modem:
            list.append(InterfaceSpec(number: 4, cls: "ff", sub: "fe", proto: "ff", driver: "option", endpoints: 3, label: "Modem"))
        case .ecm:
            list.append(InterfaceSpec(number: 3, cls: "02", sub: "06", proto: "00", driver: "cdc_ether", endpoints: 1, label: "CDC ECM"))
            list.append(InterfaceSpec(number: 4, cls: "0a", sub: "00", proto: "00", driver: "cdc_ether", endpoints: 2, label: "CDC Data"))
        }
        return list
    }

    /// All devices of the module, parents before children (the order of "add" uevents).
    func devices() -> [FakeDevice] {
        var result: [FakeDevice] = []
        let productProp = "2c7c/700/0"
        let devnumText = String(devnum).leftPadded(3)
        result.append(FakeDevice(
            devpath: Self.devicePath, subsystem: "usb", devtype: "usb_device", driver: "usb",
            properties: [("PRODUCT", productProp), ("TYPE", mode == .ecm ? "239/2/1" : "0/0/0"), ("BUSNUM", "001"),
                         ("DEVNUM", devnumText), ("MAJOR", "189"), ("MINOR", String(devnum - 1))] + commonIDs,
            attributes: [("idVendor", "2c7c"), ("idProduct", "0700"), ("bcdDevice", "0000"), ("manufacturer", "Quectel"),
                         ("product", "Quectel LPWA Module"), ("serial", serial), ("busnum", "1"), ("devnum", String(devnum)),
                         ("devpath", "1"), ("speed", "480"), ("version", " 2.00"), ("bDeviceClass", mode == .ecm ? "ef" : "00"),
                         ("bDeviceSubClass", mode == .ecm ? "02" : "00"), ("bDeviceProtocol", mode == .ecm ? "01" : "00"),
                         ("bNumInterfaces", mode == .ecm ? " 5" : " 4"), ("bConfigurationValue", "1"),
                         ("bNumConfigurations", "1"), ("bmAttributes", "a0"), ("bMaxPower", "500mA"), ("maxchild", "0"),
                         ("removable", "unknown"), ("authorized", "1")],
            node: nil))
        for spec in interfaces {
            let ifNum = String(format2: spec.number)
            let ifPath = Self.devicePath + "/1-1:1.\(spec.number)"
            let interfaceTriple = "\(Int(spec.cls, radix: 16)!)/\(Int(spec.sub, radix: 16)!)/\(Int(spec.proto, radix: 16)!)"
            let modalias = "usb:v2C7Cp0700d0000dc00dsc00dp00ic\(spec.cls.uppercased())isc\(spec.sub.uppercased())ip\(spec.proto.uppercased())in\(ifNum)"
            result.append(FakeDevice(
                devpath: ifPath, subsystem: "usb", devtype: "usb_interface", driver: spec.driver,
                properties: [("PRODUCT", productProp), ("TYPE", "0/0/0"), ("INTERFACE", interfaceTriple), ("MODALIAS", modalias),
                             ("ID_VENDOR_ID", "2c7c"), ("ID_MODEL_ID", "0700"), ("ID_USB_INTERFACE_NUM", ifNum),
                             ("ID_USB_DRIVER", spec.driver)],
                attributes: [("bInterfaceNumber", ifNum), ("bAlternateSetting", " 0"), ("bInterfaceClass", spec.cls),
                             ("bInterfaceSubClass", spec.sub), ("bInterfaceProtocol", spec.proto),
                             ("bNumEndpoints", String(format2: spec.endpoints)), ("interface", spec.label),
                             ("supports_autosuspend", "1"), ("authorized", "1"), ("modalias", modalias)],
                node: nil))
            if let tty = ttyName(interface: spec.number) {
                let minor = Int(tty.dropFirst(6))!
                result.append(FakeDevice(
                    devpath: ifPath + "/\(tty)", subsystem: "usb-serial", devtype: nil, driver: "option1",
                    properties: [], attributes: [("port_number", "0")], node: nil))
                result.append(FakeDevice(
                    devpath: ifPath + "/\(tty)/tty/\(tty)", subsystem: "tty", devtype: nil, driver: nil,
                    properties: [("DEVNAME", "/dev/\(tty)"), ("MAJOR", "188"), ("MINOR", String(minor))] + commonIDs
                        + [("ID_USB_INTERFACE_NUM", ifNum), ("ID_USB_DRIVER", "option"),
                           ("ID_USB_CLASS_FROM_DATABASE", "Vendor Specific"),
                           ("ID_PATH", "pci-0000:00:14.0-usb-0:1:1.\(spec.number)")],
                    attributes: [("dev", "188:\(minor)")], node: tty))
            }
            if spec.number == 3, let net {
                result.append(FakeDevice(
                    devpath: ifPath + "/net/\(net.name)", subsystem: "net", devtype: nil, driver: nil,
                    properties: [("INTERFACE", net.name), ("IFINDEX", String(net.ifindex))] + commonIDs
                        + [("ID_USB_INTERFACE_NUM", "03"), ("ID_USB_DRIVER", "cdc_ether"),
                           ("ID_NET_NAME_MAC", "enx" + net.mac.replacingOccurrences(of: ":", with: "")),
                           ("ID_NET_NAME_PATH", "enp0s20f0u1i3"), ("ID_PATH", "pci-0000:00:14.0-usb-0:1:1.3")],
                    attributes: [("ifindex", String(net.ifindex)), ("iflink", String(net.ifindex)), ("address", net.mac),
                                 ("addr_len", "6"), ("type", "1"), ("mtu", "1500"), ("carrier", "1"), ("operstate", "down"),
                                 ("flags", "0x1002"), ("dev_id", "0x0"), ("tx_queue_len", "1000")],
                    node: nil))
            }
        }
        return result
    }
}

extension String {
    /// Two hex digits, like sysfs' bInterfaceNumber.
    init(format2 value: Int) {
        let hex = String(value, radix: 16)
        self = hex.count < 2 ? "0" + hex : hex
    }

    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
