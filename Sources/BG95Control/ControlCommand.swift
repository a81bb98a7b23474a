/// The commands a control client can send (`"cmd"` of a request). See docs/control-api.md.
public enum ControlCommand: String, CaseIterable, Codable, Sendable {
    /// Read the daemon's `StatusSnapshot`.
    case status
    /// Administratively bring the link up (leave the `down` state).
    case up
    /// Administratively take the link down: tear down the data call and release the lease.
    case down
    /// Pass one AT command through the daemon's AT queue.
    case at
    /// Subscribe to state-change (and optionally URC) events.
    case watch
    /// Reboot the module and bring the link up again from scratch.
    case reset

    /// Whether the command changes the daemon's state (and so needs the control privilege).
    public var changesState: Bool {
        switch self {
        case .status, .watch: return false
        case .up, .down, .at, .reset: return true
        }
    }
}

import BG95System

/// The bg95 software version, re-exported for `bg95ctl --version` and status output.
public let bg95SoftwareVersion = BG95Version.string
