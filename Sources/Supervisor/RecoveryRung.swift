/// One rung of the recovery ladder, from the cheapest remedy to the most drastic.
///
/// The supervisor climbs the ladder when a remedy did not bring the link back; after the last
/// rung it stays there, retrying with the capped backoff, and never gives up.
public enum RecoveryRung: Int, Sendable, Equatable, Comparable, CaseIterable, CustomStringConvertible {
    /// Drop the lease and run DHCP again (the ECM path, not the PDN, is suspect).
    case renewDHCP
    /// Deactivate and re-activate the data call (the PDN is down).
    case restartDataCall
    /// `AT+CFUN=0` then `AT+CFUN=1`, followed by a fresh bring-up.
    case radioCycle
    /// `AT+CFUN=1,1`: the module reboots and re-enumerates on USB.
    case rebootModule
    /// The device is gone; nothing can be sent until it comes back. Shown in status while the
    /// ladder is active and no device is present; never chosen as a remedy.
    case waitForDevice

    public static func < (lhs: RecoveryRung, rhs: RecoveryRung) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The next rung up; the module reboot is the last one that acts, so it repeats.
    public var next: RecoveryRung {
        switch self {
        case .renewDHCP: return .restartDataCall
        case .restartDataCall: return .radioCycle
        case .radioCycle: return .rebootModule
        case .rebootModule: return .rebootModule
        case .waitForDevice: return .rebootModule
        }
    }

    public var description: String {
        switch self {
        case .renewDHCP: return "renew-dhcp"
        case .restartDataCall: return "restart-data-call"
        case .radioCycle: return "radio-cycle"
        case .rebootModule: return "module-reboot"
        case .waitForDevice: return "wait-device"
        }
    }
}
