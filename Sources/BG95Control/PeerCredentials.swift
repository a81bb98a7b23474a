/// Who is on the other end of a control connection, from `SO_PEERCRED` (pid, uid, gid) and
/// `SO_PEERGROUPS` (supplementary groups), as the kernel saw them at `connect()`.
public struct PeerCredentials: Equatable, Sendable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups; empty when the kernel could not report them.
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Whether the peer's primary or a supplementary group is `group`.
    public func isMember(of group: UInt32) -> Bool {
        gid == group || groups.contains(group)
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}
