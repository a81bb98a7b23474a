import BG95Control
import XCTest

final class ControlAccessPolicyTests: XCTestCase {
    let root = PeerCredentials(pid: 1, uid: 0, gid: 0)
    let member = PeerCredentials(pid: 2, uid: 1000, gid: 1000, groups: [27, 4242])
    let primaryMember = PeerCredentials(pid: 3, uid: 1001, gid: 4242)
    let stranger = PeerCredentials(pid: 4, uid: 65534, gid: 65534)

    func testRootMayDoEverything() {
        for policy in [ControlAccessPolicy(), ControlAccessPolicy(group: 4242), ControlAccessPolicy(group: 4242, groupMayControl: true)] {
            for command in ControlCommand.allCases {
                XCTAssertEqual(policy.decide(command, for: root), .allowed, "\(command)")
            }
        }
    }

    func testGroupReadsButDoesNotControlByDefault() {
        let policy = ControlAccessPolicy(group: 4242)
        for peer in [member, primaryMember] {
            for command in [ControlCommand.status, .watch] {
                XCTAssertEqual(policy.decide(command, for: peer), .allowed, "\(command) for \(peer)")
            }
            for command in [ControlCommand.up, .down, .at, .reset] {
                guard case .denied(let reason) = policy.decide(command, for: peer) else {
                    XCTFail("\(command) allowed for \(peer)")
                    continue
                }
                XCTAssertTrue(reason.contains("needs root"), reason)
            }
        }
    }

    func testGroupMayControlWhenConfigured() {
        let policy = ControlAccessPolicy(group: 4242, groupMayControl: true)
        for command in ControlCommand.allCases {
            XCTAssertEqual(policy.decide(command, for: member), .allowed, "\(command)")
        }
    }

    func testStrangersAndNoGroupAreRefusedEverything() {
        for policy in [ControlAccessPolicy(), ControlAccessPolicy(group: 4242, groupMayControl: true)] {
            for command in ControlCommand.allCases {
                XCTAssertNotEqual(policy.decide(command, for: stranger), .allowed, "\(command)")
            }
        }
        // Without a group even members of other groups are refused reads.
        XCTAssertNotEqual(ControlAccessPolicy().decide(.status, for: member), .allowed)
    }

    func testChangesStateClassification() {
        XCTAssertEqual(ControlCommand.allCases.filter(\.changesState), [.up, .down, .at, .reset])
    }
}
