
import Netconfig
import XCTest
import BG95Core

final class DesiredStateTests: XCTestCase {
    let lease = InterfaceConfig(
        address: IPv4Address(192, 168, 225, 20), prefixLength: 24, gateway: IPv4Address(192, 168, 225, 1),
        dns: [IPv4Address(192, 168, 225, 1)], mtu: 1400, leaseLifetime: 120
    )

    func testDefaultSettingsOwnAddressFallbackRoutePolicyTableAndRule() throws {
        let state = try DesiredState(interfaceIndex: 7, config: lease, settings: RoutingSettings())
        let source = IPv4Address(192, 168, 225, 20), gateway = IPv4Address(192, 168, 225, 1)
        XCTAssertEqual(state.address, ManagedAddress(interfaceIndex: 7, address: source, prefixLength: 24))
        XCTAssertEqual(state.lifetime, AddressLifetime(valid: 120, preferred: 120))
        XCTAssertEqual(state.mtu, 1400)
        XCTAssertEqual(state.routes, [
            ManagedRoute(table: 1095, destination: IPv4Address(192, 168, 225, 0), destinationPrefixLength: 24, gateway: nil,
                         interfaceIndex: 7, metric: 0, preferredSource: source),
            ManagedRoute(table: 254, destination: .any, destinationPrefixLength: 0, gateway: gateway,
                         interfaceIndex: 7, metric: 1024, preferredSource: source),
            ManagedRoute(table: 1095, destination: .any, destinationPrefixLength: 0, gateway: gateway,
                         interfaceIndex: 7, metric: 0, preferredSource: source),
        ])
        XCTAssertEqual(state.rules, [ManagedRule(priority: 1095, source: source, sourcePrefixLength: 32, table: 1095)])
        XCTAssertEqual(state.routes[1].description, "default via 192.168.225.1 dev #7 src 192.168.225.20 table 254 metric 1024")
        XCTAssertEqual(state.rules[0].description, "1095: from 192.168.225.20/32 lookup 1095")
    }

    func testTakeOverNoDefaultAndNoPolicyVariants() throws {
        let takeOver = try DesiredState(interfaceIndex: 7, config: lease, settings: RoutingSettings(defaultRoute: .takeOver, policyTable: nil))
        XCTAssertEqual(takeOver.routes.map(\.metric), [0])
        XCTAssertEqual(takeOver.routes.map(\.table), [254])
        XCTAssertEqual(takeOver.rules, [])

        let policyOnly = try DesiredState(interfaceIndex: 7, config: lease, settings: RoutingSettings(defaultRoute: .none, policyTable: 200, rulePriority: 500))
        XCTAssertEqual(policyOnly.routes.map(\.table), [200, 200])
        XCTAssertEqual(policyOnly.rules.map(\.priority), [500])

        var noGateway = lease
        noGateway.gateway = nil
        noGateway.leaseLifetime = nil
        let connected = try DesiredState(interfaceIndex: 7, config: noGateway, settings: RoutingSettings())
        XCTAssertEqual(connected.routes.count, 1, "only the subnet route in the policy table")
        XCTAssertEqual(connected.lifetime, .forever)
    }

    func testGatewayOutsideTheSubnetIsOnLink() throws {
        var pointToPoint = lease
        pointToPoint.prefixLength = 32
        let state = try DesiredState(interfaceIndex: 7, config: pointToPoint, settings: RoutingSettings(policyTable: nil))
        XCTAssertEqual(state.routes.map(\.onLink), [true])
        XCTAssertTrue(state.routes[0].description.contains("onlink"))
    }

    func testRejectsUnusableNetworkValues() {
        func error(_ change: (inout InterfaceConfig) -> Void, settings: RoutingSettings = RoutingSettings(), index: Int32 = 7) -> NetconfigError? {
            var config = lease
            change(&config)
            do { _ = try DesiredState(interfaceIndex: index, config: config, settings: settings); return nil } catch { return error }
        }
        XCTAssertEqual(error { $0.address = .any }, .unusableAddress(.any))
        XCTAssertEqual(error { $0.address = IPv4Address(127, 0, 0, 1) }, .unusableAddress(IPv4Address(127, 0, 0, 1)))
        XCTAssertEqual(error { $0.address = IPv4Address(224, 0, 0, 5) }, .unusableAddress(IPv4Address(224, 0, 0, 5)))
        XCTAssertEqual(error { $0.prefixLength = 0 }, .invalidPrefixLength(0))
        XCTAssertEqual(error { $0.prefixLength = 33 }, .invalidPrefixLength(33))
        XCTAssertEqual(error { $0.address = IPv4Address(192, 168, 225, 0) }, .networkOrBroadcastAddress(IPv4Address(192, 168, 225, 0), prefixLength: 24))
        XCTAssertEqual(error { $0.address = IPv4Address(192, 168, 225, 255) }, .networkOrBroadcastAddress(IPv4Address(192, 168, 225, 255), prefixLength: 24))
        XCTAssertEqual(error { $0.gateway = IPv4Address(192, 168, 225, 20) }, .unusableGateway(IPv4Address(192, 168, 225, 20)))
        XCTAssertEqual(error { $0.gateway = .broadcast }, .unusableGateway(.broadcast))
        XCTAssertEqual(error { $0.mtu = 67 }, .invalidMTU(67))
        XCTAssertEqual(error { $0.mtu = 70000 }, .invalidMTU(70000))
        XCTAssertEqual(error({ _ in }, index: 0), .invalidInterfaceIndex(0))
        XCTAssertEqual(error({ _ in }, settings: RoutingSettings(policyTable: 254)), .reservedTable(254))
        XCTAssertEqual(error({ _ in }, settings: RoutingSettings(policyTable: 0)), .reservedTable(0))
        XCTAssertEqual(error({ _ in }, settings: RoutingSettings(rulePriority: 32766)), .invalidRulePriority(32766))
        XCTAssertEqual(error({ _ in }, settings: RoutingSettings(rulePriority: 0)), .invalidRulePriority(0))
        XCTAssertEqual(error({ _ in }, settings: RoutingSettings(protocolTag: 4)), .reservedProtocolTag(4))
        // /31 and /32 have no network/broadcast address to refuse.
        XCTAssertNil(error { $0.prefixLength = 31; $0.address = IPv4Address(192, 168, 225, 20); $0.gateway = IPv4Address(192, 168, 225, 21) })
    }
}
