/// One device of the fake sysfs tree: what umockdev writes under `/sys` and what the uevent
/// for it carries.
struct FakeDevice {
    /// The sysfs path without `/sys`, starting with `/devices/`.
    let devpath: String
    let subsystem: String
    let devtype: String?
    /// The driver name; becomes the `driver` link and the DRIVER property.
    let driver: String?
    /// udev properties, in the order a uevent lists them.
    var properties: [(String, String)]
    var attributes: [(String, String)]
    /// The `/dev` node name (a pty for tty devices), if any.
    let node: String?

    var syspath: String { "/sys" + devpath }

    /// The umockdev-record text of this device (one paragraph).
    var record: String {
        var lines = ["P: \(devpath)"]
        if let node { lines.append("N: \(node)") }
        lines.append("E: SUBSYSTEM=\(subsystem)")
        if let devtype { lines.append("E: DEVTYPE=\(devtype)") }
        if let driver { lines.append("E: DRIVER=\(driver)") }
        for (key, value) in properties { lines.append("E: \(key)=\(value)") }
        for (key, value) in attributes {
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            lines.append("A: \(key)=\(escaped)")
        }
        if let driver {
            // A relative link like the kernel's; libudev only reads its basename.
            let depth = devpath.split(separator: "/").count
            let up = String(repeating: "../", count: depth)
            lines.append("L: driver=\(up)bus/\(busOfDriver)/drivers/\(driver)")
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// Every property a real uevent for this device would carry.
    var ueventProperties: [(String, String)] {
        var props: [(String, String)] = []
        if let driver { props.append(("DRIVER", driver)) }
        props += properties
        return props
    }

    private var busOfDriver: String {
        switch subsystem {
        case "usb-serial": return "usb-serial"
        case "pci": return "pci"
        default: return "usb"
        }
    }
}
