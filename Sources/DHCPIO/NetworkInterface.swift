#if canImport(Glibc)
import Glibc
#endif
import BG95System
import DHCPProtocol
import BG95Core

/// A network interface of the current namespace, as the kernel reports it (never sysfs, which
/// umockdev may fake): its index and its MAC address.
public struct NetworkInterface: Sendable, Equatable {
    public let name: String
    public let index: Int32
    public let hardwareAddress: [UInt8]

    /// Looks `name` up; throws `SystemError` (ENODEV for an unknown name, EINVAL for a name
    /// longer than 15 bytes or one without an Ethernet address).
    public init(name: String) throws(SystemError) {
        guard !name.isEmpty, name.utf8.count < Int(IFNAMSIZ), !name.contains("/") else {
            throw SystemError(code: EINVAL, call: "interface name '\(name.prefix(20))'")
        }
        self.name = name
        let index = if_nametoindex(name)
        guard index != 0 else { throw SystemError.current("if_nametoindex(\(name))") }
        self.index = Int32(index)

        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("socket(AF_INET)") }
        defer { close(fd) }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { buffer in
            for (i, byte) in name.utf8.enumerated() { buffer[i] = byte }
        }
        try retryingInterrupts("ioctl(SIOCGIFHWADDR, \(name))") { ioctl(fd, UInt(SIOCGIFHWADDR), &request) }
        guard request.ifr_ifru.ifru_hwaddr.sa_family == 1 /* ARPHRD_ETHER */ else {
            throw SystemError(code: EINVAL, call: "\(name) is not an Ethernet interface")
        }
        let data = request.ifr_ifru.ifru_hwaddr.sa_data
        hardwareAddress = withUnsafeBytes(of: data) { Array($0.prefix(6)) }
    }
}

extension NetworkInterface {
    /// Whether `address` is currently configured on this interface (getifaddrs; false on error).
    public func hasAddress(_ address: IPv4Address) -> Bool {
        guard !address.isAny else { return false }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return false }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let sa = entry.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET),
                  String(cString: entry.pointee.ifa_name) == name else { continue }
            let value = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            if value == address.value { return true }
        }
        return false
    }
}

/// Milliseconds of `CLOCK_BOOTTIME`: monotonic, and it keeps counting across suspend, so lease
/// deadlines stay honest.
public func bootTimeMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_BOOTTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
