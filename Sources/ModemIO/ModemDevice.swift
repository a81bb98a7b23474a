import ATProtocol

/// A BG95 found through libudev: the USB device, its AT port and (in ECM mode) its net device.
///
/// Everything here comes from sysfs/udev at discovery time; names are never assumed. `atPort` is
/// the device node of the tty child of USB interface 2 (by `bInterfaceNumber` or
/// `ID_USB_INTERFACE_NUM`), `netInterface` the `net` child bound to `cdc_ether`.
public struct ModemDevice: Equatable, Sendable, CustomStringConvertible {
    /// The USB device's sysfs path, e.g. `/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1`.
    public var syspath: String
    /// The USB device's kernel name (bus path), e.g. `1-1`: what `usb-path` configuration matches.
    public var usbPath: String
    /// `idVendor`, lower-case hex (always `2c7c` here).
    public var vendorID: String
    /// `idProduct`, lower-case hex (`0700` or `0203`).
    public var productID: String
    /// The USB serial number, when the device reports one.
    public var serial: String?
    /// The AT port's device node, e.g. `/dev/ttyUSB2` (whatever udev says; never assumed).
    public var atPort: String
    /// The AT port tty's sysfs path (identity of the port across events).
    public var atPortSyspath: String
    /// The ECM network interface, when the module is in ECM mode and cdc_ether bound it.
    public var netInterface: NetInterface?
    /// The usbnet mode the USB interfaces show (bg95-reference.md, "USB"): `.ecm` with a CDC-ECM
    /// interface (02/06), `.modem` with interface 4 the vendor-class modem/PPP port and no
    /// CDC-ECM one; nil when they do not tell (interface 4 not enumerated yet, rmnet, ...).
    /// The mode in effect, which `AT+QCFGEXT="usbnet"` (the configured one) need not be.
    public var usbnetShown: USBNetMode?

    public init(
        syspath: String, usbPath: String, vendorID: String, productID: String, serial: String?,
        atPort: String, atPortSyspath: String, netInterface: NetInterface?, usbnetShown: USBNetMode? = nil
    ) {
        self.syspath = syspath
        self.usbPath = usbPath
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
        self.atPort = atPort
        self.atPortSyspath = atPortSyspath
        self.netInterface = netInterface
        self.usbnetShown = usbnetShown
    }

    public var description: String {
        var text = "\(vendorID):\(productID) at usb \(usbPath)"
        if let serial { text += " serial \(serial)" }
        text += ", AT port \(atPort)"
        if let netInterface { text += ", net \(netInterface.name)" } else { text += ", no ECM interface" }
        return text
    }
}

/// The ECM network device of a module as udev reports it.
public struct NetInterface: Equatable, Sendable, CustomStringConvertible {
    /// Kernel interface name (`eth2`, `usb0`, ...).
    public var name: String
    /// `IFINDEX` when udev reports it (it is the real kernel index, also under umockdev).
    public var index: Int32?
    /// The net device's sysfs path.
    public var syspath: String

    public init(name: String, index: Int32?, syspath: String) {
        self.name = name
        self.index = index
        self.syspath = syspath
    }

    public var description: String { index.map { "\(name) (index \($0))" } ?? name }
}
