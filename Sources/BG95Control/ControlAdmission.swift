/// Who gets a slot on the control socket when a new peer connects. A pure function of the
/// open connections and the newcomer, so the starvation rules are unit-tested without sockets.
///
/// The rules (`ControlServerConfiguration` holds the numbers):
/// - root may use every slot; everybody else leaves `reservedForRoot` slots free;
/// - one non-root uid holds at most `maxClientsPerUID` connections;
/// - outsiders (peers the policy allows no command at all) share `maxOutsiderClients` slots;
/// - when a limit is reached, the oldest *fresh* connection (no request received yet, so it
///   is idle or trickling its first line) of the same or a lower rank is evicted to make
///   room: an idle connection can never keep root out, and an outsider can never evict a
///   member's or root's connection. Connections that already asked something (a `watch`
///   subscriber, a request in flight) are never evicted.
public enum ControlAdmission {
    /// Ranks of peers; a newcomer may evict only fresh connections of the same or lower rank.
    public enum Rank: Int, Comparable, Sendable {
        /// The policy allows this peer no command.
        case outsider = 0
        /// The policy allows this peer at least the read-only commands.
        case member = 1
        case root = 2

        public static func < (a: Rank, b: Rank) -> Bool { a.rawValue < b.rawValue }

        public init(_ peer: PeerCredentials, policy: ControlAccessPolicy) {
            if peer.uid == 0 {
                self = .root
            } else if case .allowed = policy.decide(.status, for: peer) {
                self = .member
            } else {
                self = .outsider
            }
        }
    }

    /// What admission needs to know of an open connection.
    public struct Slot: Equatable, Sendable {
        /// Identifies the connection to evict.
        public var id: Int
        public var uid: UInt32
        public var rank: Rank
        /// No complete request received yet.
        public var fresh: Bool
        /// Order of acceptance: smaller is older.
        public var sequence: UInt64

        public init(id: Int, uid: UInt32, rank: Rank, fresh: Bool, sequence: UInt64) {
            self.id = id
            self.uid = uid
            self.rank = rank
            self.fresh = fresh
            self.sequence = sequence
        }
    }

    public enum Decision: Equatable, Sendable {
        case admit
        /// Admit after closing the connection with this id.
        case admitEvicting(id: Int)
        /// Refuse, with the reason for the log and the client.
        case refuse(String)
    }

    public static func decide(
        newcomer uid: UInt32, rank: Rank, open slots: [Slot], configuration: ControlServerConfiguration
    ) -> Decision {
        if let violation = violation(uid: uid, rank: rank, slots: slots, configuration: configuration) {
            let candidates = slots
                .filter { $0.fresh && $0.rank <= rank }
                .sorted { ($0.rank, $0.sequence) < ($1.rank, $1.sequence) }
            for candidate in candidates {
                let remaining = slots.filter { $0.id != candidate.id }
                if self.violation(uid: uid, rank: rank, slots: remaining, configuration: configuration) == nil {
                    return .admitEvicting(id: candidate.id)
                }
            }
            return .refuse(violation)
        }
        return .admit
    }

    /// The first limit a newcomer would exceed, or nil.
    static func violation(uid: UInt32, rank: Rank, slots: [Slot], configuration: ControlServerConfiguration) -> String? {
        let total = configuration.maxClients
        if slots.count >= total { return "too many clients (\(slots.count))" }
        switch rank {
        case .root:
            return nil
        case .member, .outsider:
            if slots.count >= total - configuration.reservedForRoot {
                return "too many clients (\(slots.count); \(configuration.reservedForRoot) slots are kept for root)"
            }
            let sameUID = slots.count { $0.uid == uid }
            if sameUID >= configuration.maxClientsPerUID {
                return "too many connections from uid \(uid) (\(sameUID))"
            }
            if rank == .outsider {
                let outsiders = slots.count { $0.rank == .outsider }
                if outsiders >= configuration.maxOutsiderClients {
                    return "too many connections from peers without permission (\(outsiders))"
                }
            }
            return nil
        }
    }
}
