import DHCPProtocol
import Foundation
import Netconfig
import NetlinkIO
import TestSupport
import XCTest
import BG95Core

/// RouteInstaller and LinkController against the kernel in test namespaces.
final class NetlinkRouteTests: XCTestCase {
    private var topology: NetlinkTopology!

    override func setUpWithError() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["ip", "ping", "sysctl"])
        topology = try NetlinkTopology()
    }

    override func tearDown() {
        topology?.close()
    }

    private func config(lifetime: UInt32? = 600) -> InterfaceConfig {
        InterfaceConfig(
            address: IPv4Address(NetlinkTopology.address)!, prefixLength: 24, gateway: IPv4Address(NetlinkTopology.gateway)!,
            dns: [IPv4Address(NetlinkTopology.gateway)!], mtu: 1400, leaseLifetime: lifetime
        )
    }

    func testApplyInstallsExactlyTheDesiredObjectsAndRemoveTakesThemAway() throws {
        let (socket, index) = try NetlinkNamespace.run(in: topology.a) { () throws -> (NetlinkSocket, Int32) in
            let socket = try NetlinkSocket()
            return (socket, try LinkController(socket: socket).index(of: topology.cellular))
        }
        // The cellular link starts down; apply must bring it up.
        try Command.check(["ip", "-n", topology.a, "link", "set", topology.cellular, "down"])
        let installer = RouteInstaller(socket: socket, settings: RoutingSettings())
        let desired = try DesiredState(interfaceIndex: index, config: config(), settings: installer.settings)
        let before = try topology.rules()

        let changes = try installer.apply(desired)
        XCTAssertTrue(changes.contains(.setLinkUp(interfaceIndex: index)), "\(changes)")
        XCTAssertTrue(changes.contains(.setMTU(interfaceIndex: index, mtu: 1400)), "\(changes)")

        let dev = topology.cellular
        XCTAssertEqual(try topology.ourRoutes(), [
            "192.168.225.0/24 dev \(dev) table 1095 proto 149 scope link src 192.168.225.20",
            "default via 192.168.225.1 dev \(dev) proto 149 src 192.168.225.20 metric 1024",
            "default via 192.168.225.1 dev \(dev) table 1095 proto 149 src 192.168.225.20",
        ].sorted())
        let rulesAfter = try topology.rules()
        XCTAssertEqual(rulesAfter.filter { !before.contains($0) }, ["1095: from 192.168.225.20 lookup 1095 proto 149"])
        let addresses = try topology.ip(["-4", "addr", "show", "dev", dev])
        XCTAssertTrue(addresses.contains("inet 192.168.225.20/24 brd 192.168.225.255"), addresses)
        // iproute2 6.1 does not print IFA_PROTO; the tag is checked through our own dump below.
        XCTAssertTrue(addresses.contains("valid_lft 600sec") || addresses.contains("valid_lft 599sec"), addresses)
        XCTAssertTrue(try topology.ip(["link", "show", dev]).contains("mtu 1400"))

        // What NetlinkIO reads back is exactly the desired set.
        let owned = try installer.ownedState(interfaceIndex: index)
        XCTAssertEqual(owned.routes, Set(desired.routes))
        XCTAssertEqual(owned.rules, Set(desired.rules))
        XCTAssertEqual(owned.addresses, [desired.address])

        // The main default route points into the dead end, yet traffic bound to the cellular
        // interface or sourced from its address leaves via the module.
        XCTAssertFalse(try topology.ping([]), "the main default route must not reach the test host")
        XCTAssertTrue(try topology.ping(["-I", dev]), "ping -I <if> must leave via the module")
        XCTAssertTrue(try topology.ping(["-I", NetlinkTopology.address]), "traffic from the leased address must use the policy table")

        // A second apply (a renew) only refreshes the address lifetime.
        XCTAssertEqual(try installer.apply(desired), [.addAddress(desired.address, desired.lifetime)])

        // A new lease with another gateway replaces the stale routes exactly.
        var moved = config()
        moved.gateway = IPv4Address(192, 168, 225, 2)
        let movedState = try DesiredState(interfaceIndex: index, config: moved, settings: installer.settings)
        let movedChanges = try installer.apply(movedState)
        XCTAssertEqual(movedChanges.filter { if case .removeRoute = $0 { return true } else { return false } }.count, 2, "\(movedChanges)")
        XCTAssertEqual(try installer.ownedState(interfaceIndex: index).routes, Set(movedState.routes))

        // Removal takes everything of ours away and nothing else.
        try installer.removeAll(interfaceIndex: index)
        XCTAssertEqual(try topology.ourRoutes(), [])
        XCTAssertEqual(try topology.rules(), before)
        XCTAssertFalse(try topology.ip(["-4", "addr", "show", "dev", dev]).contains("192.168.225.20"))
        XCTAssertTrue(try topology.ip(["route", "show"]).contains("default via 10.99.0.1 dev \(topology.lan)"))
        XCTAssertEqual(try installer.removeAll(interfaceIndex: index), [], "a second removal has nothing to do")
    }

    func testTakeOverUsesMetricZeroAndKernelErrorsNameTheRequest() throws {
        let (socket, index) = try NetlinkNamespace.run(in: topology.a) { () throws -> (NetlinkSocket, Int32) in
            let socket = try NetlinkSocket()
            return (socket, try LinkController(socket: socket).index(of: topology.cellular))
        }
        // The existing primary default route (metric 0, via the LAN) blocks an exclusive add
        // with the same key: the kernel's EEXIST comes back with the request that failed.
        let installer = RouteInstaller(socket: socket, settings: RoutingSettings(defaultRoute: .takeOver, policyTable: nil))
        let desired = try DesiredState(interfaceIndex: index, config: config(), settings: installer.settings)
        XCTAssertThrowsError(try installer.apply(desired)) { error in
            guard case .kernel(let code, let request) = error as? NetlinkError else { return XCTFail("\(error)") }
            XCTAssertEqual(code, EEXIST)
            XCTAssertEqual(request, "add route default via 192.168.225.1 dev #\(index) src 192.168.225.20 table 254 metric 0")
        }
        try Command.check(["ip", "-n", topology.a, "route", "del", "default", "via", "10.99.0.1"])
        try installer.apply(desired)
        XCTAssertEqual(try topology.ourRoutes(), ["default via 192.168.225.1 dev \(topology.cellular) proto 149 src 192.168.225.20"])
        XCTAssertTrue(try topology.ping([]), "with the route taken over, plain traffic leaves via the module")

        XCTAssertThrowsError(try LinkController(socket: socket).index(of: "nosuchif0")) { error in
            XCTAssertEqual(error as? NetlinkError, .noSuchInterface("nosuchif0"))
        }
        XCTAssertThrowsError(try LinkController(socket: socket).setMTU(20, index: index)) { error in
            XCTAssertEqual((error as? NetlinkError)?.errno, EINVAL)
        }
        try installer.removeAll(interfaceIndex: nil)
        XCTAssertEqual(try topology.ourRoutes(), [])
    }
}
