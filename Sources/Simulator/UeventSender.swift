import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends uevents to every libudev monitor running under the umockdev preload of one testbed.
///
/// umockdev 0.17.16's own sender aborts the whole process when a listener does not drain its
/// socket (test-rig.md). This sender writes the same wire format the preload delivers — one
/// Unix datagram per event to each `$UMOCKDEV_DIR/event<N>` socket, a 40-byte libudev monitor
/// header followed by `KEY=value\0` properties — but with a send timeout: a listener that stays
/// stuck loses events, like a real netlink overrun (ENOBUFS), and the simulator lives on.
struct UeventSender {
    let rootDirectory: String
    /// How long one send may block on a full listener queue.
    var sendTimeoutMilliseconds = 300
    private(set) var sequenceNumber: UInt64 = 1000
    /// Listeners that timed out during the current burst: skipped until `endBurst`, so one
    /// monitor that does not drain costs one timeout, not one per event.
    private var stuck: Set<String> = []

    init(rootDirectory: String) {
        self.rootDirectory = rootDirectory
    }

    /// Sends one event (`properties` in order; ACTION, DEVPATH, SUBSYSTEM and SEQNUM are added
    /// first). Returns how many listeners got it.
    @discardableResult
    mutating func send(action: String, devpath: String, subsystem: String, devtype: String?, properties: [(String, String)]) -> Int {
        sequenceNumber += 1
        var props: [(String, String)] = [("ACTION", action), ("DEVPATH", devpath), ("SUBSYSTEM", subsystem), ("SEQNUM", String(sequenceNumber))]
        if let devtype { props.append(("DEVTYPE", devtype)) }
        for (key, value) in properties where !["ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM", "DEVTYPE"].contains(key) {
            props.append((key, value))
        }
        var body = [UInt8]()
        for (key, value) in props {
            body += Array("\(key)=\(value)".utf8)
            body.append(0)
        }
        var message = Self.header(subsystem: subsystem, devtype: devtype, propertiesLength: body.count)
        message += body
        var delivered = 0
        for socketPath in listenerSockets() where !stuck.contains(socketPath) {
            switch deliver(message, to: socketPath) {
            case .delivered: delivered += 1
            case .timedOut: stuck.insert(socketPath)
            case .gone: break
            }
        }
        return delivered
    }

    /// Ends a burst of events (one plug or unplug): stuck listeners get another chance.
    mutating func endBurst() {
        stuck = []
    }

    private enum Delivery {
        case delivered, timedOut, gone
    }

    /// The `event<N>` sockets the preload created for monitors of this testbed.
    func listenerSockets() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: rootDirectory) else { return [] }
        return names.filter { name in
            name.hasPrefix("event") && name.count > 5 && name.dropFirst(5).allSatisfy(\.isNumber)
        }.sorted().map { rootDirectory + "/" + $0 }
    }

    private func deliver(_ message: [UInt8], to path: String) -> Delivery {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .gone }
        defer { close(fd) }
        var timeout = timeval(tv_sec: sendTimeoutMilliseconds / 1000, tv_usec: (sendTimeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .gone }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected != 0 {
            // The monitor was closed underneath us: clean up its socket, as umockdev does.
            if errno == ECONNREFUSED { unlink(path) }
            return .gone
        }
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent == message.count { return .delivered }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT ? .timedOut : .gone
    }

    /// `struct udev_monitor_netlink_header`: "libudev\0", magic and hashes in network order,
    /// sizes in host order.
    static func header(subsystem: String, devtype: String?, propertiesLength: Int) -> [UInt8] {
        var bytes = Array("libudev".utf8) + [0]
        func append32(_ value: UInt32) {
            withUnsafeBytes(of: value) { bytes += $0 }
        }
        append32(UInt32(0xfeedcafe).bigEndian)
        append32(40)
        append32(40)
        append32(UInt32(propertiesLength))
        append32(murmurHash2(subsystem).bigEndian)
        append32(devtype.map { murmurHash2($0).bigEndian } ?? 0)
        append32(0)
        append32(0)
        return bytes
    }

    /// MurmurHash2 with seed 0, as systemd's `string_hash32` used by libudev's monitor filter.
    static func murmurHash2(_ string: String) -> UInt32 {
        let data = Array(string.utf8)
        let m: UInt32 = 0x5bd1_e995
        var h = UInt32(truncatingIfNeeded: data.count)
        var index = 0
        while data.count - index >= 4 {
            var k = UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16 | UInt32(data[index + 3]) << 24
            k = k &* m
            k ^= k >> 24
            k = k &* m
            h = h &* m
            h ^= k
            index += 4
        }
        let rest = data.count - index
        if rest == 3 { h ^= UInt32(data[index + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(data[index + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(data[index])
            h = h &* m
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
