import DHCPProtocol
import XCTest
import BG95Core

/// Drives the machine through every transition with injected time and scripted packets.
final class DHCPClientMachineTests: XCTestCase {
    var machine = DHCPClientMachine(configuration: DHCPClientConfiguration(hardwareAddress: Fixtures.mac, randomSeed: 42))

    func configure(_ edit: (inout DHCPClientConfiguration) -> Void) {
        var c = DHCPClientConfiguration(hardwareAddress: Fixtures.mac, randomSeed: 42)
        edit(&c)
        machine = DHCPClientMachine(configuration: c)
    }

    @discardableResult
    func handle(_ e: DHCPClientEvent, at ms: Int64) -> [DHCPClientAction] {
        machine.handle(e, now: DHCPInstant(milliseconds: ms))
    }

    func sent(_ actions: [DHCPClientAction]) -> [(DHCPMessage, DHCPDestination)] {
        actions.compactMap { if case .send(let m, let d) = $0 { return (m, d) } else { return nil } }
    }

    func leaseActions(_ actions: [DHCPClientAction]) -> [DHCPClientAction] {
        actions.filter { if case .send = $0 { return false }; if case .log = $0 { return false }; return true }
    }

    /// Start -> DISCOVER -> OFFER -> REQUEST -> ACK; returns the lease.
    @discardableResult
    func bind(at t: Int64 = 0, lease: UInt32 = 3600) -> DHCPLease {
        let a = handle(.start(previousAddress: nil), at: t)
        let xid = machine.transactionID
        XCTAssertEqual(sent(a).first?.0.messageType, .discover)
        handle(.received(Fixtures.offer(xid: xid)), at: t + 1)
        let b = handle(.received(Fixtures.ack(xid: xid, lease: lease)), at: t + 2)
        guard case .bound(let l) = machine.state else { XCTFail("not bound: \(machine.state)"); return machine.state.lease! }
        XCTAssertEqual(leaseActions(b), [.configure(l)])
        return l
    }

    func testFirstDiscoverLeavesImmediatelyAndBacksOff() throws {
        let a = handle(.start(previousAddress: nil), at: 1000)
        let (discover, destination) = try XCTUnwrap(sent(a).first)
        XCTAssertEqual(destination, .broadcast)
        XCTAssertEqual(discover.messageType, .discover)
        XCTAssertTrue(discover.rapidCommit)
        XCTAssertEqual(discover.hardwareAddress, Fixtures.mac)
        XCTAssertEqual(discover.options[DHCPOptionCode.clientIdentifier], [1] + Fixtures.mac)
        XCTAssertEqual(machine.state, .selecting)
        // 4, 8, 16, 32, 64, 64 s, each ±1 s, same xid.
        var now: Int64 = 1000
        let xid = machine.transactionID
        for expected: Int64 in [4, 8, 16, 32, 64, 64] {
            let deadline = try XCTUnwrap(machine.nextDeadline)
            let wait = deadline.milliseconds - now
            XCTAssert((expected * 1000 - 1000)...(expected * 1000 + 1000) ~= wait, "waited \(wait) for \(expected) s")
            XCTAssertTrue(sent(handle(.tick, at: deadline.milliseconds - 1)).isEmpty, "early tick does nothing")
            now = deadline.milliseconds
            let r = sent(handle(.tick, at: now))
            XCTAssertEqual(r.count, 1)
            XCTAssertEqual(r.first?.0.transactionID, xid)
            XCTAssertEqual(r.first?.0.secondsElapsed, UInt16((now - 1000) / 1000))
        }
        XCTAssertEqual(machine.statistics.sent, 7)
    }

    /// On the ECM link the server is the module across a cable: a first DISCOVER lost to the
    /// link-up race is repeated after ~0.5 s, then the RFC's schedule (4, 8 ... s) follows.
    func testFastFirstRetransmissionThenRFCBackoff() throws {
        configure { $0.firstRetransmitMilliseconds = 500 }
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        var now: Int64 = 0
        for (expected, slack): (Int64, Int64) in [(500, 100), (4000, 1000), (8000, 1000), (16000, 1000)] {
            let deadline = try XCTUnwrap(machine.nextDeadline)
            let wait = deadline.milliseconds - now
            XCTAssert((expected - slack)...(expected + slack) ~= wait, "waited \(wait) ms for \(expected) ms")
            now = deadline.milliseconds
            let r = sent(handle(.tick, at: now))
            XCTAssertEqual(r.map(\.0.messageType), [.discover])
            XCTAssertEqual(r.first?.0.transactionID, xid)
        }
        // A REQUEST lost after the OFFER is also repeated fast.
        handle(.received(Fixtures.offer(xid: xid)), at: now + 1)
        guard case .requesting = machine.state else { return XCTFail("not requesting: \(machine.state)") }
        let wait = try XCTUnwrap(machine.nextDeadline).milliseconds - (now + 1)
        XCTAssert(400...600 ~= wait, "REQUEST retransmission after \(wait) ms")
    }

    func testFullExchangeAndTimers() throws {
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        let r = sent(handle(.received(Fixtures.offer(xid: xid)), at: 5))
        XCTAssertEqual(machine.state, .requesting(DHCPOffer(address: Fixtures.offered, serverIdentifier: Fixtures.server)))
        let (request, dest) = try XCTUnwrap(r.first)
        XCTAssertEqual(dest, .broadcast)
        XCTAssertEqual(request.messageType, .request)
        XCTAssertEqual(request.transactionID, xid)
        XCTAssertEqual(request.requestedAddress, Fixtures.offered)
        XCTAssertEqual(request.serverIdentifier, Fixtures.server)
        XCTAssertEqual(request.clientAddress, .any)
        let a = handle(.received(Fixtures.ack(xid: xid)), at: 7)
        let lease = try XCTUnwrap(machine.state.lease)
        XCTAssertEqual(leaseActions(a), [.configure(lease)])
        XCTAssertEqual(lease.address, Fixtures.offered)
        XCTAssertEqual(lease.acquiredAt, DHCPInstant(milliseconds: 7))
        XCTAssertEqual(machine.nextDeadline, DHCPInstant(milliseconds: 7 + 1_800_000))
        XCTAssertEqual(machine.statistics.sent, 2)
        XCTAssertEqual(machine.statistics.received, 2)
    }

    func testRenewUnicastAtT1ThenAck() throws {
        let lease = bind()
        let t1 = try XCTUnwrap(lease.renewAt).milliseconds
        XCTAssertTrue(sent(handle(.tick, at: t1 - 1)).isEmpty)
        let r = sent(handle(.tick, at: t1))
        guard case .renewing = machine.state else { return XCTFail("\(machine.state)") }
        let (request, dest) = try XCTUnwrap(r.first)
        XCTAssertEqual(dest, .unicast(Fixtures.server))
        XCTAssertEqual(request.clientAddress, Fixtures.offered)
        XCTAssertNil(request.serverIdentifier)
        XCTAssertNil(request.requestedAddress)
        // Retransmission: half the time to T2, at least 60 s.
        let t2 = try XCTUnwrap(lease.rebindAt).milliseconds
        XCTAssertEqual(machine.nextDeadline?.milliseconds, t1 + (t2 - t1) / 2)
        let a = handle(.received(Fixtures.ack(xid: machine.transactionID)), at: t1 + 3)
        let renewed = try XCTUnwrap(machine.state.lease)
        XCTAssertEqual(leaseActions(a), [.update(renewed)])
        XCTAssertEqual(renewed.acquiredAt.milliseconds, t1 + 3)
    }

    func testRebindBroadcastAtT2AcceptsAnyServerThenExpiry() throws {
        let lease = bind()
        handle(.tick, at: lease.renewAt!.milliseconds)
        // A renewal ACK from another server is dropped.
        let other = Fixtures.reply(xid: machine.transactionID, options: [53, 1, 5, 54, 4, 10, 9, 9, 9, 51, 4, 0, 0, 14, 16, 255])
        handle(.received(other), at: lease.renewAt!.milliseconds + 1)
        XCTAssertEqual(machine.statistics.dropped[.wrongServer], 1)
        let t2 = lease.rebindAt!.milliseconds
        let r = sent(handle(.tick, at: t2))
        guard case .rebinding = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(r.first?.1, .broadcast)
        XCTAssertEqual(r.first?.0.clientAddress, Fixtures.offered)
        // Expiry: deconfigure, back to SELECTING with a DISCOVER.
        let e = handle(.tick, at: lease.expiresAt!.milliseconds)
        XCTAssertEqual(leaseActions(e), [.deconfigure(lease, .expired)])
        XCTAssertEqual(machine.state, .selecting)
        XCTAssertEqual(sent(e).first?.0.messageType, .discover)
    }

    func testRebindingAckFromNewServer() throws {
        let lease = bind()
        handle(.tick, at: lease.rebindAt!.milliseconds)
        let newServer = IPv4Address(192, 168, 225, 2)
        let ack = Fixtures.reply(xid: machine.transactionID, options: [53, 1, 5, 54, 4] + newServer.bytes + [51, 4, 0, 0, 14, 16, 1, 4, 255, 255, 255, 0, 255])
        let a = handle(.received(ack), at: lease.rebindAt!.milliseconds + 2)
        let renewed = try XCTUnwrap(machine.state.lease)
        XCTAssertEqual(renewed.serverIdentifier, newServer)
        XCTAssertEqual(leaseActions(a), [.update(renewed)])
    }

    func testRenewalWithDifferentAddressReplacesLease() throws {
        let lease = bind()
        handle(.tick, at: lease.renewAt!.milliseconds)
        let a = handle(.received(Fixtures.ack(xid: machine.transactionID, yiaddr: IPv4Address(192, 168, 225, 50))), at: lease.renewAt!.milliseconds + 1)
        let new = try XCTUnwrap(machine.state.lease)
        XCTAssertEqual(leaseActions(a), [.deconfigure(lease, .replaced), .configure(new)])
    }

    func testNakInRequestingRestarts() throws {
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 1)
        let a = handle(.received(Fixtures.nak(xid: xid)), at: 2)
        XCTAssertEqual(machine.state, .selecting)
        XCTAssertNotEqual(machine.transactionID, xid)
        XCTAssertEqual(sent(a).first?.0.messageType, .discover)
        XCTAssertTrue(a.contains(.log("NAK: wrong address")))
        // A second NAK in a row waits 1 s in INIT before the next DISCOVER.
        let xid2 = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid2)), at: 3)
        let b = handle(.received(Fixtures.nak(xid: xid2)), at: 4)
        XCTAssertEqual(machine.state, .initial)
        XCTAssertTrue(sent(b).isEmpty)
        XCTAssertEqual(machine.nextDeadline?.milliseconds, 1004)
        XCTAssertEqual(sent(handle(.tick, at: 1004)).first?.0.messageType, .discover)
    }

    func testNakWhileRenewingDeconfigures() throws {
        let lease = bind()
        handle(.tick, at: lease.renewAt!.milliseconds)
        let a = handle(.received(Fixtures.nak(xid: machine.transactionID)), at: lease.renewAt!.milliseconds + 1)
        XCTAssertEqual(leaseActions(a), [.deconfigure(lease, .nak)])
        XCTAssertEqual(machine.state, .selecting)
    }

    func testNakFromOtherServerIsDroppedWhileRequesting() {
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 1)
        let foreignNak = Fixtures.reply(xid: xid, yiaddr: .any, options: [53, 1, 6, 54, 4, 10, 1, 1, 1, 255])
        handle(.received(foreignNak), at: 2)
        XCTAssertEqual(machine.statistics.dropped[.wrongServer], 1)
        guard case .requesting = machine.state else { return XCTFail("\(machine.state)") }
    }

    func testRequestingGivesUpAfterRetries() throws {
        handle(.start(previousAddress: nil), at: 0)
        handle(.received(Fixtures.offer(xid: machine.transactionID)), at: 1)
        var requests = 1
        while case .requesting = machine.state {
            let d = try XCTUnwrap(machine.nextDeadline)
            let r = sent(handle(.tick, at: d.milliseconds))
            if r.first?.0.messageType == .request { requests += 1 }
        }
        XCTAssertEqual(requests, 4)
        XCTAssertEqual(machine.state, .selecting)
    }

    func testInitRebootAckAndNakAndFallback() throws {
        let a = handle(.start(previousAddress: Fixtures.offered), at: 0)
        XCTAssertEqual(machine.state, .rebooting(Fixtures.offered))
        let (request, dest) = try XCTUnwrap(sent(a).first)
        XCTAssertEqual(dest, .broadcast)
        XCTAssertEqual(request.messageType, .request)
        XCTAssertEqual(request.requestedAddress, Fixtures.offered)
        XCTAssertNil(request.serverIdentifier)
        XCTAssertEqual(request.clientAddress, .any)
        let b = handle(.received(Fixtures.ack(xid: machine.transactionID)), at: 3)
        XCTAssertEqual(leaseActions(b), [.configure(machine.state.lease!)])

        configure { _ in }
        handle(.start(previousAddress: Fixtures.offered), at: 0)
        handle(.received(Fixtures.nak(xid: machine.transactionID)), at: 1)
        XCTAssertEqual(machine.state, .selecting)

        configure { _ in }
        handle(.start(previousAddress: Fixtures.offered), at: 0)
        handle(.tick, at: machine.nextDeadline!.milliseconds)          // 2nd REQUEST
        XCTAssertEqual(machine.state, .rebooting(Fixtures.offered))
        let c = handle(.tick, at: machine.nextDeadline!.milliseconds)  // give up: DISCOVER
        XCTAssertEqual(machine.state, .selecting)
        XCTAssertEqual(sent(c).first?.0.messageType, .discover)
    }

    func testRapidCommitTwoPacketExchange() throws {
        handle(.start(previousAddress: nil), at: 0)
        let a = handle(.received(Fixtures.ack(xid: machine.transactionID, rapidCommit: true)), at: 2)
        let lease = try XCTUnwrap(machine.state.lease)
        XCTAssertEqual(leaseActions(a), [.configure(lease)])
        XCTAssertEqual(machine.statistics.sent, 1)
        XCTAssertEqual(machine.statistics.received, 1)
    }

    func testRapidCommitAckRefusedWhenNotAsked() throws {
        configure { $0.rapidCommit = false }
        let a = handle(.start(previousAddress: nil), at: 0)
        XCTAssertFalse(try XCTUnwrap(sent(a).first).0.rapidCommit)
        handle(.received(Fixtures.ack(xid: machine.transactionID, rapidCommit: true)), at: 2)
        XCTAssertEqual(machine.state, .selecting)
        XCTAssertEqual(machine.statistics.dropped[.unexpectedMessage], 1)
        // A plain ACK while selecting is refused too.
        configure { _ in }
        handle(.start(previousAddress: nil), at: 0)
        handle(.received(Fixtures.ack(xid: machine.transactionID)), at: 2)
        XCTAssertEqual(machine.state, .selecting)
    }

    func testDeclineWhenAddressInUse() throws {
        let lease = bind()
        let a = handle(.addressInUse, at: 100)
        let (decline, dest) = try XCTUnwrap(sent(a).first)
        XCTAssertEqual(dest, .broadcast)
        XCTAssertEqual(decline.messageType, .decline)
        XCTAssertEqual(decline.requestedAddress, lease.address)
        XCTAssertEqual(decline.serverIdentifier, lease.serverIdentifier)
        XCTAssertEqual(leaseActions(a), [.deconfigure(lease, .declined)])
        XCTAssertEqual(machine.state, .initial)
        XCTAssertEqual(machine.nextDeadline?.milliseconds, 10_100)
        XCTAssertEqual(sent(handle(.tick, at: 10_100)).first?.0.messageType, .discover)
    }

    func testProbeThenBindWhenNobodyAnswers() throws {
        configure { $0.addressProbeMilliseconds = 200 }
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 1)
        let a = handle(.received(Fixtures.ack(xid: xid)), at: 2)
        guard case .probing(let lease) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertEqual(leaseActions(a), [.probe(Fixtures.offered)])
        XCTAssertNil(machine.state.lease, "nothing is configured while probing")
        XCTAssertEqual(machine.nextDeadline?.milliseconds, 202)
        XCTAssertTrue(handle(.tick, at: 201).isEmpty)
        let b = handle(.tick, at: 202)
        XCTAssertEqual(leaseActions(b), [.configure(lease)])
        XCTAssertEqual(machine.state, .bound(lease))
        XCTAssertEqual(machine.nextDeadline, lease.renewAt)
    }

    func testProbeConflictDeclinesWithoutConfiguring() throws {
        configure { $0.addressProbeMilliseconds = 200 }
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 1)
        handle(.received(Fixtures.ack(xid: xid)), at: 2)
        let a = handle(.addressInUse, at: 50)
        let (decline, dest) = try XCTUnwrap(sent(a).first)
        XCTAssertEqual(dest, .broadcast)
        XCTAssertEqual(decline.messageType, .decline)
        XCTAssertEqual(decline.requestedAddress, Fixtures.offered)
        XCTAssertEqual(decline.serverIdentifier, Fixtures.server)
        XCTAssertEqual(leaseActions(a), [], "never configured, so nothing to deconfigure")
        XCTAssertEqual(machine.state, .initial)
        XCTAssertEqual(machine.nextDeadline?.milliseconds, 10_050)
        // Renewals are not probed again.
        configure { $0.addressProbeMilliseconds = 200 }
    }

    func testReleaseOnStop() throws {
        let lease = bind()
        let a = handle(.stop, at: 500)
        let (release, dest) = try XCTUnwrap(sent(a).first)
        XCTAssertEqual(dest, .unicast(lease.serverIdentifier))
        XCTAssertEqual(release.messageType, .release)
        XCTAssertEqual(release.clientAddress, lease.address)
        XCTAssertEqual(release.serverIdentifier, lease.serverIdentifier)
        XCTAssertEqual(leaseActions(a), [.deconfigure(lease, .released)])
        XCTAssertEqual(machine.state, .stopped)
        XCTAssertNil(machine.nextDeadline)

        configure { $0.releaseOnStop = false }
        let l2 = bind()
        let b = handle(.stop, at: 500)
        XCTAssertTrue(sent(b).isEmpty)
        XCTAssertEqual(leaseActions(b), [.deconfigure(l2, .stopped)])
    }

    func testForeignAndMalformedPacketsAreDroppedAndCounted() {
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid &+ 1)), at: 1)
        handle(.received(Fixtures.reply(xid: xid, chaddr: [2, 0, 0, 0, 0, 2], options: Fixtures.dnsmasqOptions(type: 2))), at: 1)
        handle(.received(Array(Fixtures.offer(xid: xid).prefix(100))), at: 1)
        var request = Fixtures.offer(xid: xid)
        request[0] = 1
        handle(.received(request), at: 1)
        handle(.received(Fixtures.reply(xid: xid, options: [54, 4] + Fixtures.server.bytes + [255])), at: 1)
        handle(.received(Fixtures.reply(xid: xid, yiaddr: .any, options: Fixtures.dnsmasqOptions(type: 2))), at: 1)
        XCTAssertEqual(machine.state, .selecting)
        XCTAssertEqual(machine.statistics.received, 6)
        XCTAssertEqual(machine.statistics.dropped, [.wrongTransaction: 1, .foreignHardwareAddress: 1, .malformed: 1,
                                                    .notReply: 1, .missingMessageType: 1, .invalidLease: 1])
        // Stray replies while bound are dropped too.
        configure { _ in }
        bind()
        handle(.received(Fixtures.offer(xid: machine.transactionID)), at: 10)
        XCTAssertEqual(machine.statistics.dropped[.unexpectedMessage], 1)
        guard case .bound = machine.state else { return XCTFail() }
    }

    func testAckWithoutLeaseTimeIsRefused() {
        handle(.start(previousAddress: nil), at: 0)
        let xid = machine.transactionID
        handle(.received(Fixtures.offer(xid: xid)), at: 1)
        handle(.received(Fixtures.reply(xid: xid, options: [53, 1, 5, 54, 4] + Fixtures.server.bytes + [255])), at: 2)
        XCTAssertEqual(machine.statistics.dropped[.invalidLease], 1)
        guard case .requesting = machine.state else { return XCTFail() }
    }

    func testTestOverridesShortenTimers() throws {
        configure { $0.renewAfterOverride = 2; $0.rebindAfterOverride = 4; $0.expireAfterOverride = 6 }
        let lease = bind(at: 0, lease: 3600)
        XCTAssertEqual(lease.renewalSeconds, 2)
        XCTAssertEqual(lease.rebindingSeconds, 4)
        XCTAssertEqual(lease.leaseSeconds, 6)
        XCTAssertEqual(machine.nextDeadline?.milliseconds, 2002)
    }

    func testInfiniteLeaseHasNoDeadlines() {
        bind(lease: DHCPLease.infinite)
        XCTAssertNil(machine.nextDeadline)
    }

    func testStateChangesAreLogged() {
        let a = handle(.start(previousAddress: nil), at: 0)
        XCTAssertTrue(a.contains(.log("STOPPED -> SELECTING")))
    }

    /// Seeded random mutations of real-shaped replies (bytes changed, truncated, extended) fed
    /// to the machine in every waiting state: nothing crashes, every packet is counted, and
    /// whatever is not a valid reply for the state is counted as dropped.
    func testRandomMutationsNeverCrash() {
        var random = SplitMixForTests(seed: 7)
        for round in 0..<400 {
            configure { _ in }
            handle(.start(previousAddress: round % 2 == 0 ? nil : Fixtures.offered), at: 0)
            let xid = machine.transactionID
            let bases = [Fixtures.offer(xid: xid), Fixtures.ack(xid: xid), Fixtures.nak(xid: xid), Fixtures.ack(xid: xid, rapidCommit: true)]
            for i in 0..<50 {
                var b = bases[Int(random.next() % UInt64(bases.count))]
                for _ in 0..<(1 + random.next() % 4) {
                    switch random.next() % 3 {
                    case 0: b[Int(random.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: random.next())
                    case 1: b = Array(b.prefix(Int(random.next() % UInt64(b.count + 1))))
                    default: b += (0..<(random.next() % 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                    }
                    if b.isEmpty { b = [0] }
                }
                let before = machine.statistics
                handle(.received(b), at: Int64(i))
                XCTAssertEqual(machine.statistics.received, before.received + 1)
            }
        }
    }

    func testBackoffFunctions() {
        XCTAssertEqual((0...6).map { DHCPBackoff.retransmitDelay(attempt: $0, jitterMilliseconds: 0) }, [4000, 8000, 16000, 32000, 64000, 64000, 64000])
        XCTAssertEqual((0...3).map { DHCPBackoff.retransmitDelay(attempt: $0, jitterMilliseconds: 0, firstMilliseconds: 500) }, [500, 4000, 8000, 16000])
        XCTAssertEqual(DHCPBackoff.retransmitDelay(attempt: 0, jitterMilliseconds: -1000, firstMilliseconds: 500), 400)
        XCTAssertEqual(DHCPBackoff.retransmitDelay(attempt: 2, jitterMilliseconds: 0, firstMilliseconds: nil), 16000)
        XCTAssertEqual(DHCPBackoff.reacquisitionDelay(now: .seconds(0), deadline: .seconds(1000)), 500_000)
        XCTAssertEqual(DHCPBackoff.reacquisitionDelay(now: .seconds(0), deadline: .seconds(100)), 60_000)
        XCTAssertEqual(DHCPBackoff.reacquisitionDelay(now: .seconds(0), deadline: .seconds(30)), 30_000)
    }
}

struct SplitMixForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
