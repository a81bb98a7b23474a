#if canImport(Glibc)
import Glibc
#endif
import BG95System
import DHCPProtocol
import BG95Core

/// A UDP socket on port 68 bound to one interface (SO_BINDTODEVICE), for the unicast messages
/// of RENEWING and DHCPRELEASE, which the kernel routes once the address is configured. Replies
/// are read from the packet socket (which sees them too), so what arrives here is drained and
/// discarded.
final class DHCPUDPSocket {
    let fd: Int32

    init(interface: NetworkInterface) throws(SystemError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("socket(AF_INET, UDP)") }
        self.fd = fd
        do throws(SystemError) {
            var on: Int32 = 1
            if setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                throw SystemError.current("setsockopt(SO_REUSEADDR)")
            }
            if setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                throw SystemError.current("setsockopt(SO_BROADCAST)")
            }
            let name = Array(interface.name.utf8) + [0]
            if setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, socklen_t(name.count)) != 0 {
                throw SystemError.current("setsockopt(SO_BINDTODEVICE, \(interface.name))")
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(68).bigEndian
            address.sin_addr = in_addr(s_addr: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 { throw SystemError.current("bind(UDP 0.0.0.0:68 on \(interface.name))") }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    func send(_ payload: [UInt8], to server: IPv4Address) throws(SystemError) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(67).bigEndian
        address.sin_addr = in_addr(s_addr: server.value.bigEndian)
        try retryingInterrupts("sendto(UDP \(server):67)") {
            payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }
    }

    /// Discards everything queued.
    func drain() {
        var scratch = [UInt8](repeating: 0, count: 1500)
        while scratch.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) >= 0 {}
    }
}
