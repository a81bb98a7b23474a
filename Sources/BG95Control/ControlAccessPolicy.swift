/// Who may run which control command. A pure function of the command and the peer's
/// credentials, so it is unit-tested without sockets.
///
/// - root (uid 0) may run everything;
/// - members of `group` (primary or supplementary) may run the read-only commands
///   (`status`, `watch`, `doctor`), and the state-changing ones (`up`, `down`, `at`, `reset`)
///   too when `groupMayControl` is set;
/// - everybody else is refused every command (they normally cannot even connect: the socket
///   is mode 0660, owner root, group `group`).
public struct ControlAccessPolicy: Equatable, Sendable {
    /// The group allowed to read status (`nil`: root only).
    public var group: UInt32?
    /// Whether `group` may also change state.
    public var groupMayControl: Bool

    public init(group: UInt32? = nil, groupMayControl: Bool = false) {
        self.group = group
        self.groupMayControl = groupMayControl
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused, with the reason given to the client.
        case denied(String)
    }

    public func decide(_ command: ControlCommand, for peer: PeerCredentials) -> Decision {
        if peer.uid == 0 { return .allowed }
        guard let group, peer.isMember(of: group) else {
            return .denied("\(command.rawValue) needs root\(group.map { " or membership of group \($0)" } ?? "") (peer uid \(peer.uid))")
        }
        if !command.changesState || groupMayControl { return .allowed }
        return .denied("\(command.rawValue) changes state and needs root (peer uid \(peer.uid) is only allowed to read)")
    }
}
