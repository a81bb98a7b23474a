import BG95Core
import DHCPProtocol
import XCTest

/// Spoofed and hostile DHCP replies (issue 12, "hostile input suite"): none changes the
/// client's state wrongly, and no unusable address reaches the lease that the network
/// configuration and resolv.conf are built from.
final class DHCPHostileInputTests: XCTestCase {
    private var machine = DHCPClientMachine(configuration: DHCPClientConfiguration(hardwareAddress: Fixtures.mac, randomSeed: 42))

    @discardableResult
    private func handle(_ event: DHCPClientEvent, at ms: Int64) -> [DHCPClientAction] {
        machine.handle(event, now: DHCPInstant(milliseconds: ms))
    }

    /// Start, OFFER: the machine is REQUESTING from `Fixtures.server`.
    private func requesting() -> UInt32 {
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 1)
        guard case .requesting = machine.state else { XCTFail("not requesting: \(machine.state)"); return xid }
        return xid
    }

    private func options(type: UInt8, lease: UInt32 = 3600, server: IPv4Address = Fixtures.server,
                         router: [UInt8]? = nil, dns: [UInt8]? = nil, extra: [UInt8] = []) -> [UInt8] {
        var o: [UInt8] = [53, 1, type, 54, 4] + server.bytes + [51, 4] + Fixtures.be32(lease) + [1, 4, 255, 255, 255, 0]
        if let router { o += [3, UInt8(router.count)] + router }
        if let dns { o += [6, UInt8(dns.count)] + dns }
        return o + extra + [255]
    }

    private var lease: DHCPLease? { machine.state.lease }

    func testWrongTransactionOrHardwareAddressNeverBinds() {
        let xid = requesting()
        handle(.received(Fixtures.ack(xid: xid &+ 1)), at: 2)
        handle(.received(Fixtures.reply(xid: xid, chaddr: [2, 0, 0, 0, 0, 2], options: options(type: 5))), at: 2)
        handle(.received(Fixtures.reply(xid: xid, chaddr: [2, 0, 0, 0, 0], options: options(type: 5))), at: 2)
        guard case .requesting = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(machine.statistics.dropped[.wrongTransaction], 1)
        XCTAssertEqual(machine.statistics.dropped[.foreignHardwareAddress], 2)
    }

    func testAnotherServerAfterSelectionIsIgnored() {
        let xid = requesting()
        let rogue = IPv4Address(192, 168, 225, 66)
        handle(.received(Fixtures.reply(xid: xid, options: options(type: 5, server: rogue))), at: 2)
        handle(.received(Fixtures.reply(xid: xid, yiaddr: .any, options: [53, 1, 6, 54, 4] + rogue.bytes + [255])), at: 2)
        guard case .requesting = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(machine.statistics.dropped[.wrongServer], 2)
        // The real server's ACK still binds.
        handle(.received(Fixtures.ack(xid: xid)), at: 3)
        guard case .bound(let lease) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(lease.serverIdentifier, Fixtures.server)
        // While bound, nothing from anyone changes the lease.
        handle(.received(Fixtures.reply(xid: xid, options: options(type: 5, server: rogue))), at: 4)
        handle(.received(Fixtures.nak(xid: xid)), at: 4)
        XCTAssertEqual(machine.state, .bound(lease))
    }

    func testUnusableOfferedAddressesAreRefused() {
        for yiaddr in [IPv4Address(0, 0, 0, 0), .broadcast, IPv4Address(127, 0, 0, 1), IPv4Address(224, 0, 0, 1),
                       IPv4Address(0, 1, 2, 3), IPv4Address(240, 0, 0, 1)] {
            machine = DHCPClientMachine(configuration: DHCPClientConfiguration(hardwareAddress: Fixtures.mac, randomSeed: 42))
            handle(.start(previousAddress: nil), at: 0)
            let xid = machine.transactionID
            handle(.received(Fixtures.reply(xid: xid, yiaddr: yiaddr, options: options(type: 2))), at: 1)
            XCTAssertEqual(machine.state, .selecting, "OFFER of \(yiaddr) accepted")
            // Nor may an ACK grant it.
            let good = requestingAfterRestart()
            handle(.received(Fixtures.reply(xid: good, yiaddr: yiaddr, options: options(type: 5))), at: 3)
            if case .bound = machine.state { XCTFail("bound to \(yiaddr)") }
        }
    }

    private func requestingAfterRestart() -> UInt32 {
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 2)
        return xid
    }

    func testBogusRouterAndResolverValuesNeverReachTheLease() {
        let bogus: [IPv4Address] = [IPv4Address(0, 0, 0, 0), .broadcast, IPv4Address(127, 0, 0, 1), IPv4Address(224, 0, 0, 251),
                                    IPv4Address(0, 0, 0, 7), IPv4Address(250, 1, 1, 1), Fixtures.offered]
        let good = IPv4Address(192, 168, 225, 1)
        let list = bogus.flatMap(\.bytes)
        let xid = requesting()
        handle(.received(Fixtures.reply(xid: xid, options: options(type: 5, router: list + good.bytes, dns: list + good.bytes))), at: 2)
        guard case .bound(let lease) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(lease.gateway, good)
        XCTAssertEqual(lease.dnsServers, [good])
    }

    func testLeaseZeroIsRaisedToAMinimumAndHugeLeasesAreSafe() {
        var xid = requesting()
        handle(.received(Fixtures.reply(xid: xid, options: options(type: 5, lease: 0))), at: 2)
        guard case .bound(let short) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(short.leaseSeconds, DHCPLease.minimumLeaseSeconds)
        XCTAssertGreaterThan(short.renewalSeconds, 0)
        // No renewal storm: the next deadline is seconds away, not now.
        XCTAssertGreaterThanOrEqual(machine.nextDeadline!.milliseconds - 2, Int64(short.renewalSeconds) * 1000)

        machine = DHCPClientMachine(configuration: DHCPClientConfiguration(hardwareAddress: Fixtures.mac, randomSeed: 42))
        xid = requesting()
        handle(.received(Fixtures.reply(xid: xid, options: options(type: 5, lease: UInt32.max - 1))), at: 2)
        guard case .bound(let long) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(long.leaseSeconds, UInt32.max - 1)
        XCTAssertLessThanOrEqual(long.renewalSeconds, long.rebindingSeconds)
        XCTAssertNotNil(machine.nextDeadline)
    }

    func testOverflowingOptionsAreBoundedOrRefused() {
        let xid = requesting()
        // An option claiming more bytes than the packet holds.
        handle(.received(Fixtures.reply(xid: xid, options: [53, 1, 5, 54, 4] + Fixtures.server.bytes + [6, 200, 1, 2, 3, 4])), at: 2)
        guard case .requesting = machine.state else { return XCTFail("\(machine.state)") }
        // 63 resolvers in one option and a second option 6 (concatenated per RFC 3396): the
        // lease may hold them, the resolver configuration keeps at most its maximum.
        let many = (1...63).flatMap { IPv4Address(10, 0, 0, UInt8($0)).bytes }
        handle(.received(Fixtures.reply(xid: xid, options: options(type: 5, extra: [6, 252] + many.prefix(252) + [6, 4, 10, 0, 1, 1]))), at: 3)
        guard case .bound(let lease) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(lease.dnsServers.count, 64)
        // A message of only options, 64 KiB long, is refused by the decoder without a trap.
        XCTAssertThrowsError(try DHCPMessage(parsing: [UInt8](repeating: 6, count: 65_536)))
    }
}

/// Found by `make fuzz` (Fuzz/Corpus/dhcp/overload-reencoded-twice): a message whose options
/// continue in `sname` (overload, option 52) was re-encoded with all options in the options
/// area *and* option 52 still set, so decoding it again read the sname options twice.
final class DHCPOverloadReencodingTests: XCTestCase {
    func testOverloadedMessageReencodesWithoutDuplicatingOptions() throws {
        var sname = [UInt8](repeating: 0, count: 64)
        sname.replaceSubrange(0..<3, with: [8, 1, 7])
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 52, 1, 2, 54, 4] + Fixtures.server.bytes + [255], sname: sname)
        let message = try DHCPMessage(parsing: bytes)
        XCTAssertEqual(message.options[8], [7])
        let again = try DHCPMessage(parsing: message.encoded())
        XCTAssertEqual(again.options[8], [7])
        XCTAssertNil(again.options[DHCPOptionCode.overload])
    }
}
