/// How the host's kernel binds the module's USB interfaces: the forum cases of the user story
/// that `bg95ctl doctor` must recognise. The module itself is unchanged; only the drivers the
/// fake sysfs shows (and the children they would create) differ.
public enum HostWorld: String, Sendable, CaseIterable {
    /// Drivers as on a current kernel: `option` on the serial interfaces, `cdc_ether` on ECM.
    case normal
    /// A vendor QMI driver (`qmi_wwan_q`) took interface 3 (rmnet-style); no ECM net device.
    case qmi
    /// An old kernel whose `option` driver does not know 2c7c:0700: the serial interfaces have
    /// no driver, so there is no ttyUSB at all (and no AT port).
    case noSerialDriver = "no-serial-driver"

    /// Whether the AT port (a tty under interface 2) exists in this world.
    var hasSerialPorts: Bool { self != .noSerialDriver }

    /// The module's devices as this host would show them.
    func apply(to devices: [FakeDevice]) -> [FakeDevice] {
        switch self {
        case .normal:
            return devices
        case .qmi:
            let interface3 = USBComposition.devicePath + "/1-1:1.3"
            let interface4 = USBComposition.devicePath + "/1-1:1.4"
            return devices.compactMap { device in
                if device.devpath.hasPrefix(interface3 + "/") || device.devpath.hasPrefix(interface4) { return nil }
                guard device.devpath == interface3 else { return device }
                return device.rebound(to: "qmi_wwan_q")
            }
        case .noSerialDriver:
            let serial = (0...4).filter { $0 != 3 }.map { USBComposition.devicePath + "/1-1:1.\($0)" }
            return devices.compactMap { device in
                if serial.contains(where: { device.devpath.hasPrefix($0 + "/") }) { return nil }
                guard serial.contains(device.devpath), device.driver == "option" else { return device }
                return device.rebound(to: nil)
            }
        }
    }
}

extension FakeDevice {
    /// The same device bound to `driver` (nil: unbound), with `ID_USB_DRIVER` to match.
    func rebound(to driver: String?) -> FakeDevice {
        var properties = self.properties.filter { $0.0 != "ID_USB_DRIVER" }
        if let driver { properties.append(("ID_USB_DRIVER", driver)) }
        return FakeDevice(devpath: devpath, subsystem: subsystem, devtype: devtype, driver: driver,
                          properties: properties, attributes: attributes, node: node)
    }
}
