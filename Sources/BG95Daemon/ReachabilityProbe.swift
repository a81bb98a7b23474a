#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import BG95System
import DHCPProtocol
import BG95Config
import Supervisor
import BG95Core

/// The end-to-end proof that the link works: an ICMP echo or a DNS query sent through the ECM
/// interface (`SO_BINDTODEVICE`) from the leased address, answered within a timeout.
///
/// Runs on the daemon's queue without blocking it: the socket is non-blocking and read by a
/// DispatchSource; a timer ends the probe. Up to three requests are spread over the timeout
/// (a lossy Cat-M1 link may drop one) and the first matching answer wins. Answers are
/// untrusted: they are checked for length, type, identifier, sequence and source before they
/// count; anything else is ignored. One probe at a time; `cancel()` ends it silently.
public final class ReachabilityProbe: @unchecked Sendable {
    public typealias Completion = (ProbeOutcome) -> Void

    private let queue: DispatchQueue
    private var fd: Int32 = -1
    private var readSource: DispatchSourceRead?
    /// The requests spread over the timeout, and the timeout itself.
    private let timers: OneShotTimers<ProbeTimer>
    private enum ProbeTimer: Hashable, Sendable {
        case request(Int)
        case deadline
    }
    private var completion: Completion?
    private var started: ContinuousClock.Instant = .now
    private var identifier: UInt16 = 0
    private var sequence: UInt16 = 0
    private var target: UInt32 = 0
    private var dnsName: String?

    public init(queue: DispatchQueue) {
        self.queue = queue
        timers = OneShotTimers(queue: queue)
    }

    /// Probes `target` through `interface` from `source` (the leased address, dotted quad).
    /// A DNS target goes to `dnsServer`. `completion` runs once, on the queue.
    public func start(target: ProbeTarget, interface: String, source: String, dnsServer: String?,
                      timeout: Duration, completion: @escaping Completion)
    {
        cancel()
        self.completion = completion
        started = .now
        do throws(SystemError) {
            switch target {
            case .icmp(let address):
                guard let destination = Self.parseIPv4(address) else { return finish(.unreachable("bad target \(address)")) }
                try openSocket(type: SOCK_RAW, proto: Int32(IPPROTO_ICMP), interface: interface, source: source)
                self.target = destination
                dnsName = nil
            case .dns(let name):
                guard let server = dnsServer.flatMap(Self.parseIPv4) else {
                    return finish(.unreachable("no DNS server in the lease"))
                }
                try openSocket(type: SOCK_DGRAM, proto: Int32(IPPROTO_UDP), interface: interface, source: source)
                self.target = server
                dnsName = name
            }
        } catch {
            return finish(.unreachable(error.description))
        }
        identifier = UInt16.random(in: 1...UInt16.max)
        sequence = 0
        lastSendError = nil
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readAnswers() }
        let descriptor = fd
        source.setCancelHandler { close(descriptor) }
        readSource = source
        source.resume()
        let tries = 3
        let timeoutNanoseconds = max(Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000), 1_000_000)
        for attempt in 0..<tries {
            timers.start(.request(attempt), after: .nanoseconds(timeoutNanoseconds * attempt / tries), leeway: .nanoseconds(0)) { [weak self] _ in
                self?.sendRequest()
            }
        }
        timers.start(.deadline, after: .nanoseconds(timeoutNanoseconds), leeway: .nanoseconds(0)) { [weak self] _ in
            guard let self else { return }
            let detail = self.lastSendError.map { " (\($0))" } ?? ""
            self.finish(.unreachable("no answer from \(self.targetDescription) within \(timeout)\(detail)"))
        }
    }

    /// Ends a running probe without calling its completion.
    public func cancel() {
        completion = nil
        tearDown()
    }

    public var isRunning: Bool { completion != nil }

    // MARK: - Internals

    private var targetDescription: String {
        let address = Self.format(target)
        if let dnsName { return "\(dnsName) via \(address)" }
        return address
    }

    private func finish(_ outcome: ProbeOutcome) {
        let completion = self.completion
        self.completion = nil
        tearDown()
        completion?(outcome)
    }

    private func tearDown() {
        timers.cancelAll()
        if let readSource {
            readSource.cancel()  // closes fd in its cancel handler
            self.readSource = nil
            fd = -1
        } else if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    private func openSocket(type: __socket_type, proto: Int32, interface: String, source: String) throws(SystemError) {
        guard let sourceAddress = Self.parseIPv4(source) else {
            throw SystemError(code: EINVAL, call: "probe source \(source)")
        }
        let socketFD = try retryingInterrupts("socket(AF_INET, \(type == SOCK_RAW ? "SOCK_RAW, IPPROTO_ICMP" : "SOCK_DGRAM"))") {
            socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        }
        fd = socketFD
        do throws(SystemError) {
            var name = Array(interface.utf8CString)
            try retryingInterrupts("setsockopt(SO_BINDTODEVICE, \(interface))") {
                setsockopt(socketFD, SOL_SOCKET, SO_BINDTODEVICE, &name, socklen_t(name.count))
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = sourceAddress.bigEndian
            try retryingInterrupts("bind(\(source))") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        } catch {
            close(socketFD)
            fd = -1
            throw error
        }
    }

    private func sendRequest() {
        guard fd >= 0 else { return }
        sequence &+= 1
        let packet: [UInt8]
        var port: UInt16 = 0
        if let dnsName {
            packet = Self.dnsQuery(id: identifier &+ sequence, name: dnsName)
            port = 53
        } else {
            packet = Self.echoRequest(id: identifier, sequence: sequence)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = target.bigEndian
        address.sin_port = port.bigEndian
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if sent < 0 && sequence == 1 {
            // ENETUNREACH etc. are still worth the later tries (routes may just be arriving),
            // but the first error is what the user sees if all fail.
            lastSendError = SystemError.current("sendto(\(Self.format(target)))").description
        }
    }

    private var lastSendError: String?

    private func readAnswers() {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while fd >= 0 {
            var from = sockaddr_in()
            var fromLength = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &fromLength)
                    }
                }
            }
            if count < 0 {
                if errno == EINTR { continue }
                return  // EAGAIN: drained
            }
            let sender = UInt32(bigEndian: from.sin_addr.s_addr)
            guard sender == target else { continue }
            let packet = buffer[0..<count]
            let matched = dnsName == nil ? isEchoReply(packet) : isDNSAnswer(packet)
            if matched {
                let elapsed = ContinuousClock.now - started
                let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
                finish(.reachable(milliseconds: ms))
                return
            }
        }
    }

    /// A raw ICMP socket delivers the IPv4 header too: check it, then type 0 code 0 and our id.
    private func isEchoReply(_ packet: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(packet)
        guard bytes.count >= 20, bytes[0] >> 4 == 4 else { return false }
        let headerLength = Int(bytes[0] & 0x0F) * 4
        guard headerLength >= 20, bytes.count >= headerLength + 8 else { return false }
        let icmp = bytes[headerLength...]
        let start = icmp.startIndex
        guard icmp[start] == 0, icmp[start + 1] == 0 else { return false }
        let id = UInt16(icmp[start + 4]) << 8 | UInt16(icmp[start + 5])
        return id == identifier
    }

    /// A DNS response to one of our queries: QR set, RCODE 0, at least one answer.
    private func isDNSAnswer(_ packet: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(packet)
        guard bytes.count >= 12 else { return false }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let offset = id &- identifier
        guard offset >= 1, offset <= sequence else { return false }
        let isResponse = bytes[2] & 0x80 != 0
        let rcode = bytes[3] & 0x0F
        let answers = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        return isResponse && rcode == 0 && answers > 0
    }

    // MARK: - Packets

    static func echoRequest(id: UInt16, sequence: UInt16) -> [UInt8] {
        var packet: [UInt8] = [8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xFF), UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        packet += Array("bg95d probe".utf8)
        let sum = checksum(packet)
        packet[2] = UInt8(sum >> 8)
        packet[3] = UInt8(sum & 0xFF)
        return packet
    }

    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// A recursive query for the A record of `name` (validated by the config parser).
    static func dnsQuery(id: UInt16, name: String) -> [UInt8] {
        var packet: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            packet.append(UInt8(bytes.count))
            packet += bytes
        }
        packet += [0, 0, 1, 0, 1]
        return packet
    }

    static func parseIPv4(_ text: String) -> UInt32? {
        IPv4Address(text)?.value
    }

    static func format(_ value: UInt32) -> String {
        IPv4Address(value).description
    }
}
