#if canImport(Glibc)
import Glibc
#endif
import BG95System
import DHCPProtocol
import Dispatch
import BG95Core
import LogLimit

/// Runs a `DHCPClientMachine` on one interface, on the caller's serial queue.
///
/// It opens both sockets once, when created, and keeps them for its whole life: the packet
/// socket (BPF: UDP to port 68) receives every reply and sends the broadcast phases; the
/// interface-bound UDP socket sends renewals and the release while the leased address is on
/// the interface; otherwise they leave from the packet socket, addressed to the server's MAC. One
/// timer (`OneShotTimers`) follows the machine's `nextDeadline` and is disarmed while the machine
/// has none, so an idle client never wakes up; time is `CLOCK_BOOTTIME`.
///
/// Every method must be called on `queue`; every callback is invoked on it. Packets that fail
/// the IPv4/UDP checks are dropped and counted (`badPacket`), the rest are counted by the machine.
public final class DHCPClient: @unchecked Sendable {
    /// Knobs of the client (the daemon's configuration, the `bg95d dhcp` flags).
    public struct Options: Sendable {
        public var rapidCommit = true
        public var releaseOnStop = true
        public var hostName: String?
        /// FOR TESTS: see `DHCPClientConfiguration.renewAfterOverride`.
        public var renewAfterOverride: UInt32?
        public var rebindAfterOverride: UInt32?
        public var expireAfterOverride: UInt32?
        /// Probe a new address with ARP for this long before using it (nil or 0: no probe).
        public var addressProbeMilliseconds: Int64?
        /// First retransmission after this many ms (then 4, 8 ... 64 s). The server bg95d talks to
        /// is the module across a USB cable, where a lost first packet is a link-up race: 500 ms
        /// instead of the RFC's 4 s. nil gives the RFC's schedule.
        public var firstRetransmitMilliseconds: Int64? = 500
        /// Seed for xid and jitter; nil draws one from the kernel.
        public var randomSeed: UInt64?
        public init() {}
    }

    /// Packet counters: the machine's plus the IO layer's own drops and send failures.
    public struct Statistics: Sendable, Equatable {
        public var packetsSent: Int
        public var packetsReceived: Int
        public var dropped: [DHCPDropReason: Int]
        public var sendFailures: Int
    }

    public let interface: NetworkInterface
    public let queue: DispatchQueue

    /// A new lease was acquired (configure it).
    public var onLeaseAcquired: ((DHCPLease) -> Void)?
    /// The lease was extended (same address, new lifetimes).
    public var onLeaseRenewed: ((DHCPLease) -> Void)?
    /// The lease is gone (expired, NAK, declined, released, stopped, replaced): deconfigure it.
    public var onLeaseLost: ((DHCPLease, DHCPLossReason) -> Void)?
    /// A socket failed for good (the client keeps its state; the owner decides what to do).
    public var onFailed: ((SystemError) -> Void)?
    /// Log lines: state changes, drops with their reasons.
    public var onLog: ((String) -> Void)?

    private var machine: DHCPClientMachine
    private let packetSocket: DHCPPacketSocket
    private let udpSocket: DHCPUDPSocket
    private var readSource: DispatchSourceRead?
    private var udpSource: DispatchSourceRead?
    private var addressProbe: DHCPAddressProbe?
    private var arpSource: DispatchSourceRead?
    private var probingAddress: IPv4Address?
    /// The one timer: armed for the machine's `nextDeadline`, disarmed when it has none.
    private let timers: OneShotTimers<DeadlineTimer>
    private enum DeadlineTimer: Hashable, Sendable { case nextDeadline }
    private var serverMACs: [IPv4Address: [UInt8]] = [:]
    /// Source addresses remembered at most; beyond it the table starts over, so spoofed
    /// sources cannot grow it (the real server's next packet is remembered again).
    static let maxServerMACs = 16
    /// Dropped packets are logged through this: anyone on the link can send them.
    private var dropLog = RateLimitedLog(source: "dhcp drops", burst: 5, interval: .seconds(10))
    private var badPackets = 0
    private var sendFailures = 0
    private var running = false

    /// When `start` was called and when the first lease was acquired (boot-time ms).
    public private(set) var startedAt: Int64?
    public private(set) var firstLeaseAt: Int64?

    /// Looks up `interfaceName` and opens both sockets; throws `SystemError` (ENODEV for an
    /// unknown interface, EPERM without CAP_NET_RAW, EADDRINUSE when another client holds port 68).
    public init(interfaceName: String, options: Options, queue: DispatchQueue) throws(SystemError) {
        self.interface = try NetworkInterface(name: interfaceName)
        self.queue = queue
        var configuration = DHCPClientConfiguration(hardwareAddress: interface.hardwareAddress,
                                                    randomSeed: options.randomSeed ?? DHCPClient.kernelRandom())
        configuration.rapidCommit = options.rapidCommit
        configuration.releaseOnStop = options.releaseOnStop
        configuration.hostName = options.hostName
        configuration.renewAfterOverride = options.renewAfterOverride
        configuration.rebindAfterOverride = options.rebindAfterOverride
        configuration.expireAfterOverride = options.expireAfterOverride
        configuration.addressProbeMilliseconds = options.addressProbeMilliseconds
        configuration.firstRetransmitMilliseconds = options.firstRetransmitMilliseconds
        machine = DHCPClientMachine(configuration: configuration)
        packetSocket = try DHCPPacketSocket(interface: interface)
        if let probe = options.addressProbeMilliseconds, probe > 0 {
            addressProbe = try DHCPAddressProbe(interface: interface)
        }
        udpSocket = try DHCPUDPSocket(interface: interface)
        timers = OneShotTimers(queue: queue)
    }

    deinit {
        if running {
            readSource?.cancel()
            udpSource?.cancel()
            arpSource?.cancel()
        }
        // `timers` cancels its timer when it is released.
    }

    public var state: DHCPClientState { machine.state }

    public var statistics: Statistics {
        var dropped = machine.statistics.dropped
        if badPackets > 0 { dropped[.badPacket, default: 0] += badPackets }
        return Statistics(packetsSent: machine.statistics.sent, packetsReceived: machine.statistics.received + badPackets,
                          dropped: dropped, sendFailures: sendFailures)
    }

    /// Starts acquiring: the first DISCOVER (or INIT-REBOOT REQUEST for `previousAddress`)
    /// leaves before this returns.
    public func start(previousAddress: IPv4Address? = nil) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !running else { return }
        running = true
        startedAt = bootTimeMilliseconds()
        // Each cancel handler keeps its socket alive until Dispatch is done with the fd (closing
        // it earlier, e.g. when the owner drops the client, would race the source).
        let read = DispatchSource.makeReadSource(fileDescriptor: packetSocket.fd, queue: queue)
        read.setEventHandler { [weak self] in self?.readPackets() }
        read.setCancelHandler { [packetSocket] in withExtendedLifetime(packetSocket) {} }
        read.resume()
        readSource = read
        let udp = DispatchSource.makeReadSource(fileDescriptor: udpSocket.fd, queue: queue)
        udp.setEventHandler { [weak self] in self?.udpSocket.drain() }
        udp.setCancelHandler { [udpSocket] in withExtendedLifetime(udpSocket) {} }
        udp.resume()
        udpSource = udp
        if let probe = addressProbe {
            let arp = DispatchSource.makeReadSource(fileDescriptor: probe.fd, queue: queue)
            arp.setEventHandler { [weak self] in self?.readARP() }
            arp.setCancelHandler { withExtendedLifetime(probe) {} }
            arp.resume()
            arpSource = arp
        }
        feed(.start(previousAddress: previousAddress))
    }

    /// Stops: sends DHCPRELEASE when configured and a lease is held, reports the loss, and
    /// stops reading and timing. The sockets close when the client is released.
    public func stop() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard running else { return }
        feed(.stop)
        running = false
        readSource?.cancel()
        udpSource?.cancel()
        arpSource?.cancel()
        timers.cancelAll()
    }

    /// Reports that the leased address is already in use (ARP/DAD): the client declines it.
    public func reportAddressInUse() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard running else { return }
        feed(.addressInUse)
    }

    // MARK: - Internals

    private func feed(_ event: DHCPClientEvent) {
        let now = DHCPInstant(milliseconds: bootTimeMilliseconds())
        // A storm that has stopped gets its summary line with the next event (packet or timer).
        for line in dropLog.flush(now: .milliseconds(now.milliseconds)) { onLog?(line) }
        let actions = machine.handle(event, now: now)
        for action in actions { perform(action) }
        if running || isStartEvent(event) { rearm(now) }
    }

    private func isStartEvent(_ event: DHCPClientEvent) -> Bool {
        if case .start = event { return true }
        return false
    }

    private func rearm(_ now: DHCPInstant) {
        guard running else { return }
        if let deadline = machine.nextDeadline {
            let wait = max(0, deadline.milliseconds(since: now))
            timers.start(.nextDeadline, after: .milliseconds(min(wait, Int64(Int32.max))), leeway: .milliseconds(5)) { [weak self] _ in
                self?.feed(.tick)
            }
        } else {
            timers.cancel(.nextDeadline)  // no deadline: no timer, no wake-ups
        }
    }

    private func perform(_ action: DHCPClientAction) {
        switch action {
        case .send(let message, let destination):
            send(message, destination)
        case .probe(let address):
            guard let addressProbe else { return }
            _ = addressProbe.drain()  // answers to anything older are not about this probe
            probingAddress = address
            do throws(SystemError) {
                try addressProbe.sendProbe(for: address)
                onLog?("ARP probe for \(address)")
            } catch {
                sendFailures += 1
                onLog?("ARP probe failed: \(error)")
            }
        case .configure(let lease):
            probingAddress = nil
            if firstLeaseAt == nil { firstLeaseAt = bootTimeMilliseconds() }
            onLeaseAcquired?(lease)
        case .update(let lease):
            onLeaseRenewed?(lease)
        case .deconfigure(let lease, let reason):
            onLeaseLost?(lease, reason)
        case .log(let line) where line.hasPrefix(DHCPClient.dropLinePrefix):
            logDrop(line)
        case .log(let line):
            onLog?(line)
        }
    }

    /// How `DHCPClientMachine` words its drop lines ("ignoring packet (<reason>): ...").
    static let dropLinePrefix = "ignoring packet"

    private func logDrop(_ line: String) {
        for line in dropLog.admit(line, now: .milliseconds(bootTimeMilliseconds())) { onLog?(line) }
    }

    private func send(_ message: DHCPMessage, _ destination: DHCPDestination) {
        let payload = message.encoded()
        do throws(SystemError) {
            switch destination {
            case .broadcast:
                let datagram = IPv4UDPPacket(source: message.clientAddress, destination: .broadcast,
                                             sourcePort: 68, destinationPort: 67, payload: payload)
                try packetSocket.send(datagram.encoded())
            case .unicast(let server):
                // Through the kernel when the leased address is on the interface; otherwise
                // (`bg95d dhcp` without --configure, or an owner that has not installed it yet)
                // the kernel has no source address or route, so use the packet socket.
                if interface.hasAddress(message.clientAddress) {
                    try udpSocket.send(payload, to: server)
                } else {
                    let datagram = IPv4UDPPacket(source: message.clientAddress, destination: server,
                                                 sourcePort: 68, destinationPort: 67, payload: payload)
                    try packetSocket.send(datagram.encoded(), to: serverMACs[server] ?? [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
                }
            }
            onLog?("sent \(message.messageType.map { "\($0)" } ?? "?") xid 0x\(String(message.transactionID, radix: 16)) (\(destination))")
        } catch {
            sendFailures += 1
            onLog?("send failed: \(error)")
        }
    }

    private func readPackets() {
        while running {
            let received: DHCPPacketSocket.Received?
            do throws(SystemError) {
                received = try packetSocket.receive()
            } catch where error.code == ENETDOWN || error.code == ENXIO {
                // The kernel reports a link going down (or away) once on the socket; the
                // retransmission timer tries again, the owner watches the link over netlink.
                onLog?("link down: \(error)")
                continue
            } catch {
                onFailed?(error)
                return
            }
            guard let received else { return }
            let packet: IPv4UDPPacket
            do throws(DHCPParseError) {
                packet = try IPv4UDPPacket(parsing: received.bytes, verifyUDPChecksum: received.checksumReady)
            } catch {
                badPackets += 1
                logDrop("\(DHCPClient.dropLinePrefix) (badPacket): \(error)")
                continue
            }
            guard packet.destinationPort == 68 else { continue }
            if received.sourceMAC.count == 6 {
                if serverMACs[packet.source] == nil && serverMACs.count >= DHCPClient.maxServerMACs { serverMACs.removeAll() }
                serverMACs[packet.source] = received.sourceMAC
            }
            feed(.received(packet.payload))
        }
    }

    /// The standard library's system generator (getrandom(2) on Linux).
    private func readARP() {
        guard let addressProbe else { return }
        for body in addressProbe.drain() {
            guard let address = probingAddress, case .probing = machine.state else { continue }
            if DHCPAddressProbe.isConflict(body, address: address, ourMAC: interface.hardwareAddress) {
                probingAddress = nil
                onLog?("\(address) answered an ARP probe from \(body[8..<14].map { String($0, radix: 16) }.joined(separator: ":"))")
                feed(.addressInUse)
            }
        }
    }

    private static func kernelRandom() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }
}
