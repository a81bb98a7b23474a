import Foundation
import TestSupport
import XCTest

/// `bg95d dhcp` against a real dnsmasq over a veth between two namespaces (root needed).
/// Each test waits for events (output lines, dnsmasq log lines), never for fixed times; the
/// short renewal/rebinding/expiry times come from the CLI's documented test overrides.
final class DHCPClientIntegrationTests: XCTestCase {
    func testLeaseFourPacketExchange() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        try rig.startServer()
        let result = try rig.runClient([])
        XCTAssertEqual(result.status, 0, "\(result.stderr)")
        let bound = try XCTUnwrap(result.events.first)
        XCTAssertEqual(bound["event"] as? String, "bound")
        let address = try XCTUnwrap(bound["address"] as? String)
        XCTAssertTrue(address.hasPrefix("192.168.225."))
        let host = try XCTUnwrap(Int(address.split(separator: ".").last!))
        XCTAssertTrue((20...60).contains(host))
        XCTAssertEqual(bound["prefix"] as? Int, 24)
        XCTAssertEqual(bound["gateway"] as? String, "192.168.225.1")
        XCTAssertEqual(bound["serverId"] as? String, "192.168.225.1")
        XCTAssertEqual(bound["leaseSeconds"] as? Int, 120)
        XCTAssertEqual(bound["t1"] as? Int, 60)
        XCTAssertEqual(bound["t2"] as? Int, 105)
        XCTAssertEqual(bound["packetsSent"] as? Int, 2)      // DISCOVER, REQUEST
        XCTAssertEqual(bound["packetsReceived"] as? Int, 2)  // OFFER, ACK
        XCTAssertNotNil(bound["msToAck"] as? Double)
        // Without --configure nothing is installed.
        XCTAssertEqual(try rig.clientAddresses(), [])
        XCTAssertTrue(try String(contentsOfFile: rig.leaseFile, encoding: .utf8).contains(address))
    }

    func testRapidCommitTwoPackets() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        try rig.startServer(extra: ["--dhcp-rapid-commit"])
        let result = try rig.runClient([])
        XCTAssertEqual(result.status, 0, "\(result.stderr)")
        let bound = try XCTUnwrap(result.events.first)
        XCTAssertEqual(bound["packetsSent"] as? Int, 1)
        XCTAssertEqual(bound["packetsReceived"] as? Int, 1)
        // Not asking for it gives the 4-packet exchange from the same server.
        let plain = try rig.runClient(["--no-rapid-commit"])
        XCTAssertEqual(plain.events.first?["packetsSent"] as? Int, 2)
        XCTAssertEqual(plain.events.first?["packetsReceived"] as? Int, 2)
    }

    func testConfigureRenewThenCleanUpOnSIGTERM() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        // dnsmasq runs without its DNS service (--port=0): hand out a resolver explicitly.
        let server = try rig.startServer(extra: ["--dhcp-option=option:dns-server,192.168.225.1"])
        let client = try rig.startClient(["--configure", "--renew-after", "1"])
        let bound = try DHCPRig.parse(try client.waitForLine(containing: "\"bound\""))
        let address = try XCTUnwrap(bound["address"] as? String)
        XCTAssertEqual(try rig.clientAddresses(), ["\(address)/24"])
        XCTAssertTrue(try rig.ip(["route", "show", "default"]).contains("via 192.168.225.1"))
        XCTAssertTrue(try rig.ip(["rule"]).contains("from \(address) lookup 1095"))
        // The daemon's applier: DNS too, through the file backend into the rig's folder.
        XCTAssertTrue(try String(contentsOfFile: rig.dnsFile, encoding: .utf8).contains("nameserver 192.168.225.1"))
        let renewed = try DHCPRig.parse(try client.waitForLine(containing: "\"renewed\""))
        XCTAssertEqual(renewed["address"] as? String, address)
        XCTAssertEqual(renewed["serverId"] as? String, "192.168.225.1")
        // The renewal was a unicast REQUEST the server answered.
        try server.waitForLine(containing: "DHCPACK(\(rig.serverInterface)) \(address)", onStderr: true)
        XCTAssertEqual(try rig.clientAddresses(), ["\(address)/24"])
        client.signal(SIGTERM)
        XCTAssertEqual(try client.waitForExit(), 0)
        XCTAssertTrue(client.output.last?.contains("\"stopped\"") ?? false, "\(client.output)")
        XCTAssertEqual(try rig.clientAddresses(), [])
        XCTAssertFalse(try rig.ip(["rule"]).contains("lookup 1095"))
        XCTAssertEqual(try rig.ip(["route", "show", "table", "all", "proto", "149"]), "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: rig.dnsFile), "DNS removed with the lease")
    }

    func testRenewWithoutAnAddressGoesThroughThePacketSocket() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        let server = try rig.startServer()
        let client = try rig.startClient(["--hold", "--renew-after", "1"])
        let bound = try DHCPRig.parse(try client.waitForLine(containing: "\"bound\""))
        let address = try XCTUnwrap(bound["address"] as? String)
        let renewed = try DHCPRig.parse(try client.waitForLine(containing: "\"renewed\""))
        XCTAssertEqual(renewed["address"] as? String, address)
        XCTAssertEqual(try rig.clientAddresses(), [])
        try server.waitForLine(containing: "DHCPREQUEST(\(rig.serverInterface)) \(address)", onStderr: true)
        client.signal(SIGTERM)
        XCTAssertEqual(try client.waitForExit(), 0)
    }

    func testLinkFlapDoesNotStopTheClient() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        try rig.startServer()
        let client = try rig.startClient(["--hold", "--renew-after", "2", "--verbose"])
        try client.waitForLine(containing: "\"bound\"")
        // Down and up again before T1: the sockets survive, and the ENETDOWN the kernel leaves
        // pending on the packet socket must not swallow the renewal.
        try rig.ip(["link", "set", rig.clientInterface, "down"])
        try rig.ip(["link", "set", rig.clientInterface, "up"])
        try client.waitForLine(containing: "\"renewed\"")
        XCTAssertTrue(client.isRunning)
        client.signal(SIGTERM)
        XCTAssertEqual(try client.waitForExit(), 0)
    }

    func testRebindWhenTheServerChanges() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        let first = try rig.startServer()
        let client = try rig.startClient(["--configure", "--renew-after", "2", "--rebind-after", "4", "--verbose"])
        let bound = try DHCPRig.parse(try client.waitForLine(containing: "\"bound\""))
        let address = try XCTUnwrap(bound["address"] as? String)
        // The first server goes away; a second, authoritative one takes over the link with
        // another address, so only a broadcast (REBINDING) can reach it.
        try rig.stopServer(first)
        _ = try Command.check(["ip", "-n", rig.serverNamespace, "addr", "flush", "dev", rig.serverInterface])
        _ = try Command.check(["ip", "-n", rig.serverNamespace, "addr", "add", "192.168.225.2/24", "dev", rig.serverInterface])
        try rig.startServer(extra: ["--dhcp-authoritative"])
        try client.waitForLine(containing: "BOUND -> RENEWING", onStderr: true)
        try client.waitForLine(containing: "RENEWING -> REBINDING", onStderr: true)
        let renewed = try DHCPRig.parse(try client.waitForLine(containing: "\"renewed\""))
        XCTAssertEqual(renewed["address"] as? String, address)
        XCTAssertEqual(renewed["serverId"] as? String, "192.168.225.2")
        client.signal(SIGTERM)
        XCTAssertEqual(try client.waitForExit(), 0)
    }

    func testNakOnInitRebootThenNewLease() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        let first = try rig.startServer()
        let result = try rig.runClient(["--state-file", rig.stateFile])
        let old = try XCTUnwrap(result.events.first?["address"] as? String)
        try rig.stopServer(first)
        // A new authoritative server for another range refuses the remembered address.
        try? FileManager.default.removeItem(atPath: rig.leaseFile)
        try rig.startServer(range: "192.168.225.100,192.168.225.150", extra: ["--dhcp-authoritative"])
        let second = try rig.runClient(["--state-file", rig.stateFile, "--verbose"])
        XCTAssertEqual(second.status, 0, "\(second.stderr)")
        XCTAssertTrue(second.stderr.contains { $0.contains("STOPPED -> REBOOTING") }, "\(second.stderr)")
        XCTAssertTrue(second.stderr.contains { $0.contains("NAK") }, "\(second.stderr)")
        let new = try XCTUnwrap(second.events.first?["address"] as? String)
        XCTAssertNotEqual(new, old)
        XCTAssertTrue((100...150).contains(Int(new.split(separator: ".").last!)!), new)
    }

    func testExpiryWhenTheServerVanishes() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        let server = try rig.startServer()
        let client = try rig.startClient(["--configure", "--renew-after", "1", "--rebind-after", "2", "--expire-after", "3", "--verbose"])
        let bound = try DHCPRig.parse(try client.waitForLine(containing: "\"bound\""))
        let address = try XCTUnwrap(bound["address"] as? String)
        XCTAssertEqual(try rig.clientAddresses(), ["\(address)/24"])
        try rig.stopServer(server)
        let lost = try DHCPRig.parse(try client.waitForLine(containing: "\"lost\""))
        XCTAssertEqual(lost["reason"] as? String, "expired")
        XCTAssertEqual(try rig.clientAddresses(), [])
        XCTAssertFalse(try rig.ip(["rule"]).contains("lookup 1095"))
        // Back in INIT: it broadcasts DISCOVERs again.
        try client.waitForLine(containing: "-> SELECTING", onStderr: true)
        client.signal(SIGTERM)
        XCTAssertEqual(try client.waitForExit(), 0)
    }

    func testReleaseEmptiesTheServersLease() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        let server = try rig.startServer()
        let result = try rig.runClient(["--release-on-exit", "--verbose"])
        XCTAssertEqual(result.status, 0, "\(result.stderr)")
        let address = try XCTUnwrap(result.events.first?["address"] as? String)
        XCTAssertEqual(result.events.last?["event"] as? String, "stopped")
        try server.waitForLine(containing: "DHCPRELEASE(\(rig.serverInterface)) \(address)", onStderr: true)
        // dnsmasq rewrites its lease file right after handling the packet it just logged.
        let deadline = Date().addingTimeInterval(5)
        var leases = try String(contentsOfFile: rig.leaseFile, encoding: .utf8)
        while leases.contains(address) && Date() < deadline {
            usleep(10_000)
            leases = try String(contentsOfFile: rig.leaseFile, encoding: .utf8)
        }
        XCTAssertFalse(leases.contains(address), leases)
    }

    func testInitRebootWithTheStateFile() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        try rig.startServer()
        let first = try rig.runClient(["--state-file", rig.stateFile])
        let address = try XCTUnwrap(first.events.first?["address"] as? String)
        let state = try String(contentsOfFile: rig.stateFile, encoding: .utf8)
        XCTAssertTrue(state.contains("address=\(address)"), state)
        let second = try rig.runClient(["--state-file", rig.stateFile, "--verbose"])
        XCTAssertEqual(second.status, 0, "\(second.stderr)")
        XCTAssertTrue(second.stderr.contains { $0.contains("STOPPED -> REBOOTING") }, "\(second.stderr)")
        let bound = try XCTUnwrap(second.events.first)
        XCTAssertEqual(bound["address"] as? String, address)
        XCTAssertEqual(bound["packetsSent"] as? Int, 1)       // REQUEST
        XCTAssertEqual(bound["packetsReceived"] as? Int, 1)   // ACK
    }

    func testArpProbeOfAFreeAddressThenBound() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        try rig.startServer()
        let result = try rig.runClient(["--arp-probe", "100", "--verbose"])
        XCTAssertEqual(result.status, 0, "\(result.stderr)")
        XCTAssertEqual(result.events.first?["event"] as? String, "bound")
        XCTAssertTrue(result.stderr.contains { $0.contains("-> PROBING") }, "\(result.stderr)")
        XCTAssertTrue(result.stderr.contains { $0.contains("PROBING -> BOUND") }, "\(result.stderr)")
    }

    func testDeclineWhenTheOfferedAddressIsInUse() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        // The only address in the range is already held by another host on the link, which
        // answers ARP for it; dnsmasq does not ping first (--no-ping).
        try rig.addOtherHost(address: "192.168.225.20/24")
        let server = try rig.startServer(range: "192.168.225.20,192.168.225.20")
        let client = try rig.startClient(["--hold", "--arp-probe", "1000", "--verbose"])
        try client.waitForLine(containing: "-> PROBING", onStderr: true)
        try client.waitForLine(containing: "PROBING -> INIT", onStderr: true)
        try server.waitForLine(containing: "DHCPDECLINE(\(rig.dhcpInterface)) 192.168.225.20", onStderr: true)
        XCTAssertFalse(client.output.contains { $0.contains("\"bound\"") }, "\(client.output)")
        XCTAssertEqual(try rig.clientAddresses(), [])
        client.signal(SIGTERM)
        XCTAssertEqual(try client.waitForExit(), 0)
    }

    func testTimeoutWithoutServer() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        let result = try rig.runClient(["--timeout", "1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.events.last?["event"] as? String, "failed")
        XCTAssertEqual(result.events.last?["reason"] as? String, "timeout")
    }
}
