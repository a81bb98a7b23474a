import CUdev

/// An owned reference to a `udev_device`, with the few accessors discovery needs.
///
/// libudev returns NULL for anything missing; every accessor here maps that to `nil`, so a
/// half-populated fake sysfs (umockdev) or a device that vanished between event and lookup
/// yields "absent", never a crash. Not thread-safe: used only on the queue that owns its `Udev`.
final class UdevDevice {
    let pointer: OpaquePointer

    /// Takes over one reference (as returned by the `udev_device_new_*` / `receive` calls).
    init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Adds a reference to a pointer libudev still owns (e.g. from `udev_device_get_parent`).
    init(retaining pointer: OpaquePointer) {
        self.pointer = udev_device_ref(pointer)
    }

    deinit { udev_device_unref(pointer) }

    var syspath: String? { string(udev_device_get_syspath(pointer)) }
    var sysname: String? { string(udev_device_get_sysname(pointer)) }
    var subsystem: String? { string(udev_device_get_subsystem(pointer)) }
    var devtype: String? { string(udev_device_get_devtype(pointer)) }
    var devnode: String? { string(udev_device_get_devnode(pointer)) }
    var driver: String? { string(udev_device_get_driver(pointer)) }
    /// "add", "remove", "change", "bind", ... for monitor events; nil for enumerated devices.
    var action: String? { string(udev_device_get_action(pointer)) }

    func property(_ key: String) -> String? {
        string(udev_device_get_property_value(pointer, key))
    }

    /// A sysfs attribute with surrounding whitespace removed.
    func attribute(_ name: String) -> String? {
        string(udev_device_get_sysattr_value(pointer, name))?.trimmingWhitespace()
    }

    var parent: UdevDevice? {
        udev_device_get_parent(pointer).map { UdevDevice(retaining: $0) }
    }

    private func string(_ value: UnsafePointer<CChar>?) -> String? {
        guard let value else { return nil }
        let result = String(cString: value)
        return result.isEmpty ? nil : result
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
