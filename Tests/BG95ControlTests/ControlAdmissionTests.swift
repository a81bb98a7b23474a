import BG95Control
import XCTest

final class ControlAdmissionTests: XCTestCase {
    private let configuration: ControlServerConfiguration = {
        var c = ControlServerConfiguration(path: "/unused")
        c.maxClients = 8
        c.reservedForRoot = 2
        c.maxClientsPerUID = 3
        c.maxOutsiderClients = 2
        return c
    }()

    private func slots(_ entries: [(UInt32, ControlAdmission.Rank, Bool)]) -> [ControlAdmission.Slot] {
        entries.enumerated().map { .init(id: $0.offset, uid: $0.element.0, rank: $0.element.1, fresh: $0.element.2, sequence: UInt64($0.offset)) }
    }

    private func decide(_ uid: UInt32, _ rank: ControlAdmission.Rank, _ open: [ControlAdmission.Slot]) -> ControlAdmission.Decision {
        ControlAdmission.decide(newcomer: uid, rank: rank, open: open, configuration: configuration)
    }

    func testRootEvictsTheOldestFreshConnectionWhenFull() {
        let full = slots(Array(repeating: (0, .root, true), count: 8))
        XCTAssertEqual(decide(0, .root, full), .admitEvicting(id: 0))
    }

    func testRootUsesTheReservedSlots() {
        let members = slots([(100, .member, false), (100, .member, false), (100, .member, false),
                             (101, .member, false), (101, .member, false), (101, .member, false)])
        XCTAssertEqual(decide(0, .root, members), .admit)
        if case .refuse = decide(102, .member, members) {} else { XCTFail("a member took a slot kept for root") }
    }

    func testLowerRanksCannotEvictHigherOnes() {
        let root = slots(Array(repeating: (0, .root, true), count: 8))
        if case .refuse = decide(65534, .outsider, root) {} else { XCTFail() }
        if case .refuse = decide(100, .member, root) {} else { XCTFail() }
    }

    func testBusyConnectionsAreNeverEvicted() {
        let watchers = slots(Array(repeating: (0, .root, false), count: 8))
        XCTAssertEqual(decide(0, .root, watchers), .refuse("too many clients (8)"))
    }

    func testPerUIDAndOutsiderLimitsEvictTheSamePeersOwnFreshConnection() {
        let open = slots([(0, .root, false), (100, .member, false), (100, .member, true), (100, .member, true)])
        XCTAssertEqual(decide(100, .member, open), .admitEvicting(id: 2))
        XCTAssertEqual(decide(101, .member, open), .admit)
        let outsiders = slots([(0, .root, true), (65534, .outsider, true), (65533, .outsider, true)])
        XCTAssertEqual(decide(65532, .outsider, outsiders), .admitEvicting(id: 1))
        let busyOutsiders = slots([(65534, .outsider, false), (65533, .outsider, false)])
        XCTAssertEqual(decide(65532, .outsider, busyOutsiders), .refuse("too many connections from peers without permission (2)"))
    }

    func testRankFollowsThePolicy() {
        let policy = ControlAccessPolicy(group: 50)
        XCTAssertEqual(ControlAdmission.Rank(PeerCredentials(pid: 1, uid: 0, gid: 0), policy: policy), .root)
        XCTAssertEqual(ControlAdmission.Rank(PeerCredentials(pid: 1, uid: 7, gid: 50), policy: policy), .member)
        XCTAssertEqual(ControlAdmission.Rank(PeerCredentials(pid: 1, uid: 7, gid: 7), policy: policy), .outsider)
    }
}
