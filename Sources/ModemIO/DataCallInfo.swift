import Modem

/// A data call that is up, with the device it runs on.
public struct DataCallInfo: Sendable, Equatable {
    public var device: ModemDevice
    public var call: DataCall
    /// The ECM net device, when udev reported one for this module.
    public var netInterface: NetInterface? { device.netInterface }

    public init(device: ModemDevice, call: DataCall) {
        self.device = device
        self.call = call
    }
}
