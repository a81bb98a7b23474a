/// What `UdevMonitor` reports about the BG95 it manages.
///
/// Events are delivered on the monitor's queue, in order. `modemAppeared` is sent once the
/// module's AT port exists; `netInterfaceAppeared`/`netInterfaceVanished` follow the ECM device
/// of the module currently reported; `modemVanished` ends that module (unplug, reboot or the AT
/// port going away). After `modemVanished` the same or another module may appear again.
public enum DiscoveryEvent: Equatable, Sendable, CustomStringConvertible {
    /// The monitor is armed and the initial enumeration is done: later plug events are not lost.
    case ready
    /// A module with an AT port is present and selected.
    case modemAppeared(ModemDevice)
    /// The selected module (or its AT port) is gone.
    case modemVanished(ModemDevice)
    /// The selected module's ECM net device appeared (e.g. cdc_ether bound after the module booted).
    case netInterfaceAppeared(ModemDevice, NetInterface)
    /// The selected module's ECM net device went away while the AT port stayed.
    case netInterfaceVanished(ModemDevice, NetInterface)
    /// A matching module is present but unusable; the message says why and how to fix it.
    case problem(DiscoveryProblem)

    public var description: String {
        switch self {
        case .ready: return "udev monitor ready"
        case .modemAppeared(let device): return "modem appeared: \(device)"
        case .modemVanished(let device): return "modem vanished: usb \(device.usbPath) (\(device.atPort))"
        case .netInterfaceAppeared(_, let net): return "ECM interface appeared: \(net)"
        case .netInterfaceVanished(_, let net): return "ECM interface vanished: \(net.name)"
        case .problem(let problem): return problem.description
        }
    }
}

/// A module that was found but cannot be used as it is.
public enum DiscoveryProblem: Equatable, Sendable, CustomStringConvertible {
    /// Interfaces 0-2 exist but no serial driver created a tty for interface 2 (kernels before
    /// 5.19 do not know 2c7c:0700 in the `option` driver).
    case serialDriverNotBound(usbPath: String, productID: String)

    public var description: String {
        switch self {
        case .serialDriverNotBound(let usbPath, let productID):
            return "module 2c7c:\(productID) at usb \(usbPath) has no tty for its AT interface 2: "
                + "the serial driver is not bound. Fix: modprobe option; "
                + "echo \"2c7c \(productID) ff\" > /sys/bus/usb-serial/drivers/option1/new_id "
                + "(or install bg95's udev rule)"
        }
    }
}
