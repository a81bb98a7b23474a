import ATProtocol
import CUdev

/// What one scan of sysfs found for one matching USB device.
struct ScannedModem: Equatable {
    var syspath: String
    var usbPath: String
    var vendorID: String
    var productID: String
    var serial: String?
    /// The tty child of interface 2: (device node, tty syspath).
    var atPort: (devnode: String, syspath: String)?
    var netInterface: NetInterface?
    /// bInterfaceNumber values of the device's interfaces.
    var interfaceNumbers: Set<Int>
    /// Interfaces that have at least one tty child.
    var interfacesWithTTY: Set<Int>
    /// `bInterfaceClass/bInterfaceSubClass` (lower-case hex) by interface number.
    var interfaceClasses: [Int: String] = [:]

    static func == (a: ScannedModem, b: ScannedModem) -> Bool {
        a.syspath == b.syspath && a.atPort?.devnode == b.atPort?.devnode && a.atPort?.syspath == b.atPort?.syspath
            && a.netInterface == b.netInterface && a.interfaceNumbers == b.interfaceNumbers
            && a.interfaceClasses == b.interfaceClasses
    }

    /// See `ModemDevice.usbnetShown`.
    var usbnetShown: USBNetMode? {
        if interfaceClasses.values.contains("02/06") { return .ecm }
        if interfaceClasses[4]?.hasPrefix("ff/") == true { return .modem }
        return nil
    }

    /// The public shape, once there is an AT port.
    var device: ModemDevice? {
        guard let atPort else { return nil }
        return ModemDevice(
            syspath: syspath, usbPath: usbPath, vendorID: vendorID, productID: productID, serial: serial,
            atPort: atPort.devnode, atPortSyspath: atPort.syspath, netInterface: netInterface, usbnetShown: usbnetShown)
    }

    /// Interface 2 exists (so the device has enumerated its serial functions) but has no tty.
    var serialDriverMissing: Bool {
        atPort == nil && interfaceNumbers.contains(2) && !interfacesWithTTY.contains(2)
    }
}

/// Finds BG95 modules in sysfs through libudev enumeration.
///
/// Matching is by `idVendor` 2c7c and `idProduct` 0700 or 0203 only. The AT port is the tty whose
/// USB interface number is 2, the net device the `net` child whose interface is bound to
/// `cdc_ether`. Names (ttyUSBn, ethN, 1-1:1.2) are never assumed; udev tags and the
/// "initialized" flag are never consulted (both are missing in containers and under umockdev).
/// Devices in `removed` are treated as absent (a "remove" uevent can precede the sysfs removal).
struct ModemScanner {
    static let vendorID = "2c7c"
    static let productIDs: Set<String> = ["0700", "0203"]
    static let atInterface = 2

    let udev: OpaquePointer

    func scan(excluding removed: Set<String>) -> [ScannedModem] {
        let usbDevices = enumerate(subsystem: "usb", sysattr: ("idVendor", Self.vendorID))
        var result: [ScannedModem] = []
        for syspath in usbDevices.sorted() where !removed.contains(syspath) {
            guard let device = device(at: syspath),
                let vendor = device.attribute("idVendor")?.lowercased(), vendor == Self.vendorID,
                let product = device.attribute("idProduct")?.lowercased(), Self.productIDs.contains(product)
            else { continue }
            result.append(scanChildren(of: device, syspath: syspath, vendor: vendor, product: product, removed: removed))
        }
        return result
    }

    private func scanChildren(
        of usb: UdevDevice, syspath: String, vendor: String, product: String, removed: Set<String>
    ) -> ScannedModem {
        var scanned = ScannedModem(
            syspath: syspath, usbPath: usb.sysname ?? lastComponent(syspath), vendorID: vendor, productID: product,
            serial: usb.attribute("serial"), atPort: nil, netInterface: nil, interfaceNumbers: [], interfacesWithTTY: [])
        let prefix = syspath + "/"
        var interfaceCache: [String: UdevDevice?] = [:]

        // The USB interface a descendant belongs to is the first path component below the device.
        func interface(of childPath: String) -> UdevDevice? {
            guard childPath.hasPrefix(prefix) else { return nil }
            let rest = childPath.dropFirst(prefix.count)
            guard let component = rest.split(separator: "/").first else { return nil }
            let path = prefix + component
            if let cached = interfaceCache[path] { return cached }
            let found = device(at: path)
            interfaceCache[path] = found
            return found
        }
        func interfaceNumber(_ interface: UdevDevice?, _ child: UdevDevice) -> Int? {
            if let value = interface?.attribute("bInterfaceNumber"), let number = Int(value, radix: 16) { return number }
            if let value = child.property("ID_USB_INTERFACE_NUM"), let number = Int(value, radix: 16) { return number }
            return nil
        }

        for path in enumerate(subsystem: "usb", parent: syspath) where path.hasPrefix(prefix) && !removed.contains(path) {
            guard let interface = device(at: path),
                let value = interface.attribute("bInterfaceNumber"), let number = Int(value, radix: 16) else { continue }
            scanned.interfaceNumbers.insert(number)
            if let cls = interface.attribute("bInterfaceClass"), let sub = interface.attribute("bInterfaceSubClass") {
                scanned.interfaceClasses[number] = "\(cls.lowercased())/\(sub.lowercased())"
            }
        }
        for path in enumerate(subsystem: "tty", parent: syspath).sorted() where path.hasPrefix(prefix) && !removed.contains(path) {
            guard let tty = device(at: path) else { continue }
            let owner = interface(of: path)
            guard let number = interfaceNumber(owner, tty) else { continue }
            scanned.interfacesWithTTY.insert(number)
            scanned.interfaceNumbers.insert(number)
            if number == Self.atInterface, scanned.atPort == nil, let node = tty.devnode {
                scanned.atPort = (node, path)
            }
        }
        for path in enumerate(subsystem: "net", parent: syspath).sorted() where path.hasPrefix(prefix) && !removed.contains(path) {
            guard let net = device(at: path) else { continue }
            let driver = interface(of: path)?.driver ?? net.property("ID_USB_DRIVER") ?? net.property("ID_NET_DRIVER")
            guard driver == "cdc_ether", scanned.netInterface == nil else { continue }
            guard let name = net.property("INTERFACE") ?? net.sysname else { continue }
            scanned.netInterface = NetInterface(name: name, index: net.property("IFINDEX").flatMap { Int32($0) }, syspath: path)
        }
        return scanned
    }

    func device(at syspath: String) -> UdevDevice? {
        udev_device_new_from_syspath(udev, syspath).map { UdevDevice(adopting: $0) }
    }

    /// Syspaths of devices in `subsystem`, optionally below `parent` and with a sysattr value.
    private func enumerate(subsystem: String, parent: String? = nil, sysattr: (String, String)? = nil) -> [String] {
        guard let enumerator = udev_enumerate_new(udev) else { return [] }
        defer { udev_enumerate_unref(enumerator) }
        udev_enumerate_add_match_subsystem(enumerator, subsystem)
        if let (name, value) = sysattr { udev_enumerate_add_match_sysattr(enumerator, name, value) }
        if let parent, let parentDevice = device(at: parent) {
            udev_enumerate_add_match_parent(enumerator, parentDevice.pointer)
        }
        guard udev_enumerate_scan_devices(enumerator) >= 0 else { return [] }
        var paths: [String] = []
        var entry = udev_enumerate_get_list_entry(enumerator)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) { paths.append(String(cString: name)) }
            entry = udev_list_entry_get_next(current)
        }
        return paths
    }

    private func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
