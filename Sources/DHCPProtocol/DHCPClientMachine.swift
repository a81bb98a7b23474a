import BG95Core
/// The RFC 2131 client state machine as a pure value.
///
/// `handle(_:now:)` takes an event and the current boot-time instant and returns the actions
/// the IO layer must carry out; it never reads a clock, a socket or a random device. After every
/// call the IO layer arms one timer for `nextDeadline` and reports `.tick` when it fires (a tick
/// with nothing due does nothing, so spurious or late ticks are harmless).
///
/// Transitions (RFC 2131 §4.4, figure 5):
/// - STOPPED -start-> SELECTING (DISCOVER, immediately) or REBOOTING (REQUEST for the old address)
/// - SELECTING -OFFER-> REQUESTING (REQUEST); -ACK with rapid commit-> BOUND
/// - REQUESTING/REBOOTING -ACK-> BOUND (or PROBING first, when configured); -NAK-> INIT/SELECTING;
///   too many retries -> SELECTING
/// - PROBING -quiet until the deadline-> BOUND; -addressInUse-> INIT (DECLINE, wait 10 s)
/// - BOUND -T1-> RENEWING (unicast REQUEST) -T2-> REBINDING (broadcast REQUEST) -expiry-> SELECTING
/// - RENEWING/REBINDING -ACK-> BOUND (update); -NAK-> SELECTING (deconfigure)
/// - any lease state -addressInUse-> INIT (DECLINE, wait 10 s); -stop-> STOPPED (RELEASE)
/// Retransmissions back off 4, 8, 16, 32, 64 s with ±1 s jitter. Every reply is checked for
/// op, xid, chaddr, message type and server id; anything else is dropped and counted in
/// `statistics.dropped` with a reason, and a `.log` action says why.
public struct DHCPClientMachine: Sendable {
    public let configuration: DHCPClientConfiguration
    public private(set) var state: DHCPClientState = .stopped
    public private(set) var statistics = DHCPClientStatistics()
    /// The transaction id in flight (0 before the first exchange).
    public private(set) var transactionID: UInt32 = 0

    private var attempt = 0
    private var retransmitAt: DHCPInstant?
    private var exchangeStartedAt = DHCPInstant(milliseconds: 0)
    private var consecutiveNaks = 0
    private var random: SplitMix64
    private var pending: [DHCPClientAction] = []

    public init(configuration: DHCPClientConfiguration) {
        self.configuration = configuration
        self.random = SplitMix64(seed: configuration.randomSeed)
    }

    /// When the machine next needs a `.tick`, or `nil` when it only waits for packets/events.
    public var nextDeadline: DHCPInstant? {
        switch state {
        case .stopped: return nil
        case .initial, .selecting, .requesting, .rebooting, .probing: return retransmitAt
        case .bound(let lease): return [lease.renewAt, lease.rebindAt, lease.expiresAt].compactMap { $0 }.min()
        case .renewing(let lease): return [retransmitAt, lease.rebindAt, lease.expiresAt].compactMap { $0 }.min()
        case .rebinding(let lease): return [retransmitAt, lease.expiresAt].compactMap { $0 }.min()
        }
    }

    public mutating func handle(_ event: DHCPClientEvent, now: DHCPInstant) -> [DHCPClientAction] {
        pending = []
        switch event {
        case .start(let previous): start(previous, now)
        case .stop: stop(now)
        case .received(let bytes): receive(bytes, now)
        case .tick: tick(now)
        case .addressInUse: addressInUse(now)
        }
        let actions = pending
        pending = []
        return actions
    }

    // MARK: - Events

    private mutating func start(_ previous: IPv4Address?, _ now: DHCPInstant) {
        guard case .stopped = state else {
            log("start ignored: already \(state)")
            return
        }
        if let previous, !previous.isAny {
            beginExchange(now)
            enter(.rebooting(previous))
            send(rebootRequest(previous, now), .broadcast)
            scheduleRetransmit(now)
        } else {
            beginSelecting(now)
        }
    }

    private mutating func stop(_ now: DHCPInstant) {
        if case .probing(let lease) = state, configuration.releaseOnStop {
            transactionID = nextTransactionID()
            exchangeStartedAt = now
            send(release(lease, now), .broadcast)
        }
        if let lease = state.lease {
            if configuration.releaseOnStop {
                transactionID = nextTransactionID()
                exchangeStartedAt = now
                send(release(lease, now), .unicast(lease.serverIdentifier))
                pending.append(.deconfigure(lease, .released))
            } else {
                pending.append(.deconfigure(lease, .stopped))
            }
        }
        retransmitAt = nil
        enter(.stopped)
    }

    private mutating func addressInUse(_ now: DHCPInstant) {
        if case .probing(let lease) = state {
            log("\(lease.address) is in use by another host: declining it")
            send(decline(lease, now), .broadcast)
            enter(.initial)
            retransmitAt = now.adding(seconds: configuration.declineWaitSeconds)
            return
        }
        guard let lease = state.lease else {
            log("address conflict reported while \(state): nothing to decline")
            return
        }
        send(decline(lease, now), .broadcast)
        pending.append(.deconfigure(lease, .declined))
        enter(.initial)
        retransmitAt = now.adding(seconds: configuration.declineWaitSeconds)
    }

    private mutating func tick(_ now: DHCPInstant) {
        switch state {
        case .stopped:
            return
        case .initial:
            if due(retransmitAt, now) { beginSelecting(now) }
        case .selecting:
            guard due(retransmitAt, now) else { return }
            attempt += 1
            send(discover(now), .broadcast)
            scheduleRetransmit(now)
        case .requesting(let offer):
            guard due(retransmitAt, now) else { return }
            attempt += 1
            if attempt >= configuration.requestAttempts {
                log("no ACK from \(offer.serverIdentifier) after \(attempt) REQUESTs: starting over")
                beginSelecting(now)
            } else {
                send(selectingRequest(offer, now), .broadcast)
                scheduleRetransmit(now)
            }
        case .rebooting(let address):
            guard due(retransmitAt, now) else { return }
            attempt += 1
            if attempt >= configuration.rebootAttempts {
                log("no answer to INIT-REBOOT for \(address): falling back to DISCOVER")
                beginSelecting(now)
            } else {
                send(rebootRequest(address, now), .broadcast)
                scheduleRetransmit(now)
            }
        case .probing(let lease):
            guard due(retransmitAt, now) else { return }
            retransmitAt = nil
            enter(.bound(lease))
            pending.append(.configure(lease))
        case .bound(let lease):
            if due(lease.expiresAt, now) { expire(lease, now) }
            else if due(lease.rebindAt, now) { beginRebinding(lease, now) }
            else if due(lease.renewAt, now) { beginRenewing(lease, now) }
        case .renewing(let lease):
            if due(lease.expiresAt, now) { expire(lease, now) }
            else if due(lease.rebindAt, now) { beginRebinding(lease, now) }
            else if due(retransmitAt, now) {
                send(reacquisitionRequest(lease, now), .unicast(lease.serverIdentifier))
                retransmitAt = now.adding(milliseconds: DHCPBackoff.reacquisitionDelay(now: now, deadline: lease.rebindAt ?? now))
            }
        case .rebinding(let lease):
            if due(lease.expiresAt, now) { expire(lease, now) }
            else if due(retransmitAt, now) {
                send(reacquisitionRequest(lease, now), .broadcast)
                retransmitAt = now.adding(milliseconds: DHCPBackoff.reacquisitionDelay(now: now, deadline: lease.expiresAt ?? now))
            }
        }
    }

    private mutating func receive(_ bytes: [UInt8], _ now: DHCPInstant) {
        statistics.received += 1
        let message: DHCPMessage
        do {
            message = try DHCPMessage(parsing: bytes)
        } catch {
            return drop(.malformed, "\(error)")
        }
        guard message.operation == .reply else { return drop(.notReply, "a BOOTREQUEST") }
        switch state {
        case .stopped, .initial, .bound, .probing:
            return drop(.unexpectedMessage, "\(message.messageType.map { "\($0)" } ?? "message") while \(state)")
        case .selecting, .requesting, .rebooting, .renewing, .rebinding:
            break
        }
        guard message.transactionID == transactionID else {
            return drop(.wrongTransaction, "wrong xid 0x\(hex(message.transactionID)) (expecting 0x\(hex(transactionID)))")
        }
        guard message.hardwareType == 1, message.hardwareAddress == configuration.hardwareAddress else {
            return drop(.foreignHardwareAddress, "chaddr is not ours")
        }
        guard let type = message.messageType else { return drop(.missingMessageType, "no valid option 53") }

        switch (state, type) {
        case (.selecting, .offer):
            guard let server = message.serverIdentifier, message.yourAddress.isUnicast else {
                return drop(.invalidLease, "OFFER without server id or usable address (\(message.yourAddress))")
            }
            let offer = DHCPOffer(address: message.yourAddress, serverIdentifier: server)
            log("OFFER of \(offer.address) from \(server)")
            attempt = 0
            enter(.requesting(offer))
            send(selectingRequest(offer, now), .broadcast)
            scheduleRetransmit(now)
        case (.selecting, .ack):
            guard configuration.rapidCommit, message.rapidCommit else {
                return drop(.unexpectedMessage, "ACK without rapid commit while SELECTING")
            }
            accept(message, now, expectedServer: nil, fallbackServer: nil, previous: nil)
        case (.requesting(let offer), .ack):
            accept(message, now, expectedServer: offer.serverIdentifier, fallbackServer: offer.serverIdentifier, previous: nil)
        case (.rebooting, .ack):
            accept(message, now, expectedServer: nil, fallbackServer: nil, previous: nil)
        case (.renewing(let lease), .ack):
            accept(message, now, expectedServer: lease.serverIdentifier, fallbackServer: lease.serverIdentifier, previous: lease)
        case (.rebinding(let lease), .ack):
            accept(message, now, expectedServer: nil, fallbackServer: nil, previous: lease)
        case (.requesting(let offer), .nak):
            guard message.serverIdentifier == nil || message.serverIdentifier == offer.serverIdentifier else {
                return drop(.wrongServer, "NAK from \(message.serverIdentifier!), requested from \(offer.serverIdentifier)")
            }
            nak(message, now, lease: nil)
        case (.renewing(let lease), .nak):
            guard message.serverIdentifier == nil || message.serverIdentifier == lease.serverIdentifier else {
                return drop(.wrongServer, "NAK from \(message.serverIdentifier!), renewing with \(lease.serverIdentifier)")
            }
            nak(message, now, lease: lease)
        case (.rebooting, .nak):
            nak(message, now, lease: nil)
        case (.rebinding(let lease), .nak):
            nak(message, now, lease: lease)
        case (.selecting, _), (.requesting, _), (.rebooting, _), (.renewing, _), (.rebinding, _),
             (.stopped, _), (.initial, _), (.bound, _), (.probing, _):
            drop(.unexpectedMessage, "\(type) while \(state)")
        }
    }

    // MARK: - Transitions

    private mutating func accept(_ ack: DHCPMessage, _ now: DHCPInstant, expectedServer: IPv4Address?,
                                 fallbackServer: IPv4Address?, previous: DHCPLease?) {
        if let expectedServer, let server = ack.serverIdentifier, server != expectedServer {
            return drop(.wrongServer, "ACK from \(server), expecting \(expectedServer)")
        }
        guard var lease = DHCPLease(ack: ack, acquiredAt: now, serverIdentifier: fallbackServer) else {
            return drop(.invalidLease, DHCPLease.rejection(of: ack, fallbackServer: fallbackServer) ?? "unusable ACK")
        }
        applyOverrides(&lease)
        consecutiveNaks = 0
        retransmitAt = nil
        if previous == nil, let probe = configuration.addressProbeMilliseconds, probe > 0 {
            enter(.probing(lease))
            retransmitAt = now.adding(milliseconds: probe)
            pending.append(.probe(lease.address))
            return
        }
        enter(.bound(lease))
        if let previous {
            if previous.address == lease.address {
                pending.append(.update(lease))
            } else {
                pending.append(.deconfigure(previous, .replaced))
                pending.append(.configure(lease))
            }
        } else {
            pending.append(.configure(lease))
        }
    }

    private mutating func nak(_ message: DHCPMessage, _ now: DHCPInstant, lease: DHCPLease?) {
        consecutiveNaks += 1
        log("NAK\(message.serverMessage.map { ": \($0.prefix(80))" } ?? "")")
        if let lease { pending.append(.deconfigure(lease, .nak)) }
        let delay = DHCPBackoff.nakDelay(count: consecutiveNaks)
        if delay == 0 {
            beginSelecting(now)
        } else {
            enter(.initial)
            retransmitAt = now.adding(milliseconds: delay)
        }
    }

    private mutating func expire(_ lease: DHCPLease, _ now: DHCPInstant) {
        log("lease of \(lease.address) expired")
        pending.append(.deconfigure(lease, .expired))
        beginSelecting(now)
    }

    private mutating func beginSelecting(_ now: DHCPInstant) {
        beginExchange(now)
        enter(.selecting)
        send(discover(now), .broadcast)
        scheduleRetransmit(now)
    }

    private mutating func beginRenewing(_ lease: DHCPLease, _ now: DHCPInstant) {
        beginExchange(now)
        enter(.renewing(lease))
        send(reacquisitionRequest(lease, now), .unicast(lease.serverIdentifier))
        retransmitAt = now.adding(milliseconds: DHCPBackoff.reacquisitionDelay(now: now, deadline: lease.rebindAt ?? now))
    }

    private mutating func beginRebinding(_ lease: DHCPLease, _ now: DHCPInstant) {
        beginExchange(now)
        enter(.rebinding(lease))
        send(reacquisitionRequest(lease, now), .broadcast)
        retransmitAt = now.adding(milliseconds: DHCPBackoff.reacquisitionDelay(now: now, deadline: lease.expiresAt ?? now))
    }

    /// A new transaction: fresh xid, attempt 0, `secs` counted from now.
    private mutating func beginExchange(_ now: DHCPInstant) {
        transactionID = nextTransactionID()
        attempt = 0
        exchangeStartedAt = now
    }

    private mutating func scheduleRetransmit(_ now: DHCPInstant) {
        retransmitAt = now.adding(milliseconds: DHCPBackoff.retransmitDelay(
            attempt: attempt, jitterMilliseconds: nextJitter(), firstMilliseconds: configuration.firstRetransmitMilliseconds))
    }

    /// The one way into a state; logs `old -> new`.
    private mutating func enter(_ new: DHCPClientState) {
        let old = state
        state = new
        if old != new {
            log("\(old) -> \(new)\(new.lease.map { " (\($0))" } ?? "")")
        }
    }

    private mutating func applyOverrides(_ lease: inout DHCPLease) {
        guard configuration.renewAfterOverride != nil || configuration.rebindAfterOverride != nil
              || configuration.expireAfterOverride != nil else { return }
        let leaseSeconds = configuration.expireAfterOverride ?? lease.leaseSeconds
        let t2 = configuration.rebindAfterOverride ?? (configuration.expireAfterOverride == nil ? lease.rebindingSeconds : nil)
        let t1 = configuration.renewAfterOverride ?? (configuration.expireAfterOverride == nil ? lease.renewalSeconds : nil)
        lease.leaseSeconds = leaseSeconds
        (lease.renewalSeconds, lease.rebindingSeconds) = DHCPLease.timers(lease: leaseSeconds, t1: t1, t2: t2)
        log("test overrides: lease \(lease.leaseSeconds)s t1 \(lease.renewalSeconds)s t2 \(lease.rebindingSeconds)s")
    }

    // MARK: - Messages

    private func base(_ type: DHCPMessageType, _ now: DHCPInstant) -> DHCPMessage {
        var m = DHCPMessage(operation: .request, transactionID: transactionID, hardwareAddress: configuration.hardwareAddress)
        m.secondsElapsed = UInt16(clamping: max(0, now.milliseconds(since: exchangeStartedAt) / 1000))
        m.messageType = type
        m.options[DHCPOptionCode.clientIdentifier] = configuration.clientIdentifier
        if type == .discover || type == .request {
            m.options[DHCPOptionCode.maximumMessageSize] = [0x05, 0xDC]  // 1500
            if let host = configuration.hostName { m.options[DHCPOptionCode.hostName] = Array(host.utf8) }
            m.options[DHCPOptionCode.parameterRequestList] = configuration.parameterRequestList
        }
        return m
    }

    private func discover(_ now: DHCPInstant) -> DHCPMessage {
        var m = base(.discover, now)
        if configuration.rapidCommit { m.rapidCommit = true }
        return m
    }

    private func selectingRequest(_ offer: DHCPOffer, _ now: DHCPInstant) -> DHCPMessage {
        var m = base(.request, now)
        m.requestedAddress = offer.address
        m.serverIdentifier = offer.serverIdentifier
        return m
    }

    private func rebootRequest(_ address: IPv4Address, _ now: DHCPInstant) -> DHCPMessage {
        var m = base(.request, now)
        m.requestedAddress = address
        return m
    }

    private func reacquisitionRequest(_ lease: DHCPLease, _ now: DHCPInstant) -> DHCPMessage {
        var m = base(.request, now)
        m.clientAddress = lease.address
        return m
    }

    private func decline(_ lease: DHCPLease, _ now: DHCPInstant) -> DHCPMessage {
        var m = base(.decline, now)
        m.requestedAddress = lease.address
        m.serverIdentifier = lease.serverIdentifier
        return m
    }

    private func release(_ lease: DHCPLease, _ now: DHCPInstant) -> DHCPMessage {
        var m = base(.release, now)
        m.clientAddress = lease.address
        m.serverIdentifier = lease.serverIdentifier
        return m
    }

    // MARK: - Helpers

    private mutating func send(_ message: DHCPMessage, _ destination: DHCPDestination) {
        statistics.sent += 1
        pending.append(.send(message, destination))
    }

    private mutating func drop(_ reason: DHCPDropReason, _ why: String) {
        statistics.recordDrop(reason)
        log("ignoring packet (\(reason.rawValue)): \(why)")
    }

    private mutating func log(_ line: String) { pending.append(.log(line)) }

    private func due(_ deadline: DHCPInstant?, _ now: DHCPInstant) -> Bool {
        deadline.map { $0 <= now } ?? false
    }

    private mutating func nextTransactionID() -> UInt32 {
        var id: UInt32 = 0
        while id == 0 { id = UInt32(truncatingIfNeeded: random.next()) }
        return id
    }

    private mutating func nextJitter() -> Int64 { Int64(random.next() % 2001) - 1000 }

    private func hex(_ v: UInt32) -> String { String(v, radix: 16) }
}

/// A tiny deterministic generator (SplitMix64) so the machine stays a pure value.
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
