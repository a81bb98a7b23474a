import ATProtocol
import Modem

/// What `ModemController` reports, on its queue, in order.
public enum ModemEvent: Sendable, Equatable {
    /// udev: monitor ready, module appeared/vanished, ECM interface appeared/vanished, problems.
    case discovery(DiscoveryEvent)
    /// The AT channel's health: `.stalled` means the port stopped answering (still probing),
    /// `.ready` after it answered again.
    case portHealth(ATChannel.Health)
    /// The bring-up machine entered a new state.
    case stateChanged(BringUpState)
    /// The data call is up. `netInterface` is the module's ECM device if udev has reported it.
    case dataCallUp(DataCallInfo)
    /// The bring-up stopped. `error.needsOperator` tells whether retrying can help.
    case failed(BringUpError)
    /// Every URC the module sent (also those the bring-up consumed), with its line as received.
    case urc(URC, line: String)
}

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

/// Why a command asked of the controller did not give a usable answer.
public enum ModemCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text was refused before sending (quoting, control bytes, chained commands, ...).
    case invalidCommand(ATCommandError)
    /// No module is open right now.
    case noModule
    /// The command failed, timed out, was cancelled, or its reply did not parse.
    case at(ATError)
    /// A recovery was superseded (the module vanished, the controller stopped, ...).
    case interrupted(String)

    public var description: String {
        switch self {
        case .invalidCommand(let error): return "refused: \(error)"
        case .noModule: return "no module is connected"
        case .at(let error): return error.description
        case .interrupted(let why): return "interrupted: \(why)"
        }
    }
}
