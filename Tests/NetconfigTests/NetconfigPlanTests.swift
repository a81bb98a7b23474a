
import Netconfig
import XCTest
import BG95Core

final class NetconfigPlanTests: XCTestCase {
    let settings = RoutingSettings()

    func state(_ address: IPv4Address = IPv4Address(192, 168, 225, 20), gateway: IPv4Address = IPv4Address(192, 168, 225, 1), lifetime: UInt32? = 120, mtu: UInt32? = nil) throws -> DesiredState {
        try DesiredState(interfaceIndex: 3, config: InterfaceConfig(address: address, prefixLength: 24, gateway: gateway, mtu: mtu, leaseLifetime: lifetime), settings: settings)
    }

    func owned(_ desired: DesiredState) -> OwnedState {
        OwnedState(addresses: [desired.address], routes: Set(desired.routes), rules: Set(desired.rules))
    }

    let upLink = LinkStatus(index: 3, name: "eth2", isUp: true, hasCarrier: true, operState: .up, mtu: 1500)

    func testFromNothingAddsEverythingInOrder() throws {
        let desired = try state(mtu: 1400)
        let down = LinkStatus(index: 3, name: "eth2", isUp: false, hasCarrier: false, operState: .down, mtu: 1500)
        XCTAssertEqual(NetconfigPlan.changes(from: .empty, to: desired, link: down), [
            .setLinkUp(interfaceIndex: 3),
            .setMTU(interfaceIndex: 3, mtu: 1400),
            .addAddress(desired.address, desired.lifetime),
        ] + desired.routes.map { .addRoute($0) } + desired.rules.map { .addRule($0) })
    }

    func testRenewOfTheSameLeaseOnlyRefreshesTheLifetime() throws {
        let desired = try state()
        XCTAssertEqual(NetconfigPlan.changes(from: owned(desired), to: desired, link: upLink), [.addAddress(desired.address, desired.lifetime)])
        let forever = try state(lifetime: nil)
        XCTAssertEqual(NetconfigPlan.changes(from: owned(forever), to: forever, link: upLink), [], "nothing to do: idempotent")
        let sameMTU = try state(lifetime: nil, mtu: 1500)
        XCTAssertEqual(NetconfigPlan.changes(from: owned(sameMTU), to: sameMTU, link: upLink), [])
    }

    func testNewGatewayReplacesOnlyTheGatewayRoutes() throws {
        let old = try state()
        let new = try state(gateway: IPv4Address(192, 168, 225, 2))
        let changes = NetconfigPlan.changes(from: owned(old), to: new, link: upLink)
        let staleDefaults = old.routes.filter { $0.gateway != nil }.sorted { $0.description < $1.description }
        XCTAssertEqual(changes, staleDefaults.map { .removeRoute($0) }
            + [.addAddress(new.address, new.lifetime)]
            + new.routes.filter { $0.gateway != nil }.map { .addRoute($0) })
    }

    func testNewAddressRemovesRulesRoutesThenTheOldAddress() throws {
        let old = try state()
        let new = try state(IPv4Address(192, 168, 225, 33))
        let changes = NetconfigPlan.changes(from: owned(old), to: new, link: upLink)
        let kinds = changes.map { change -> String in
            switch change {
            case .removeRule: return "-rule"
            case .removeRoute: return "-route"
            case .removeAddress: return "-address"
            case .addAddress: return "+address"
            case .addRoute: return "+route"
            case .addRule: return "+rule"
            case .setLinkUp, .setMTU: return "link"
            }
        }
        XCTAssertEqual(kinds, ["-rule", "-route", "-route", "-route", "-address", "+address", "+route", "+route", "+route", "+rule"])
        XCTAssertTrue(changes.contains(.removeAddress(old.address)))
        XCTAssertTrue(changes.contains(.addRule(new.rules[0])))
    }

    func testRemovalTakesAwayExactlyWhatIsOwned() throws {
        let desired = try state()
        let changes = NetconfigPlan.changes(from: owned(desired), to: nil)
        XCTAssertEqual(changes.count, 1 + 3 + 1)
        XCTAssertEqual(changes.first, .removeRule(desired.rules[0]))
        XCTAssertEqual(changes.last, .removeAddress(desired.address))
        XCTAssertEqual(NetconfigPlan.changes(from: .empty, to: nil), [])
    }

    func testUnknownLinkStateBringsTheLinkUp() throws {
        let desired = try state(lifetime: nil)
        XCTAssertEqual(NetconfigPlan.changes(from: owned(desired), to: desired), [.setLinkUp(interfaceIndex: 3)])
    }
}
