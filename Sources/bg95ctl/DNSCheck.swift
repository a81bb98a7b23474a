import Glibc

/// One DNS question (`. NS`) to a resolver through a given interface: does anything answer?
/// Any reply carrying our id counts (even REFUSED: the resolver is there and reachable).
enum DNSCheck {
    static func answers(server: String, device: String, timeout: Double = 2) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var name = Array(device.utf8CString)
        _ = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, &name, socklen_t(name.count))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(53).bigEndian
        guard inet_pton(AF_INET, server, &address.sin_addr) == 1 else { return false }
        let id = UInt16.random(in: 1...UInt16.max)
        // Header: id, flags RD, 1 question; question: root name, type NS (2), class IN (1).
        let query: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { return false }
        let deadline = DoctorAT.now() + timeout
        var buffer = [UInt8](repeating: 0, count: 512)
        while DoctorAT.now() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32((deadline - DoctorAT.now()) * 1000) + 1) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count >= 12 && buffer[0] == UInt8(id >> 8) && buffer[1] == UInt8(id & 0xff) && buffer[2] & 0x80 != 0 { return true }
        }
        return false
    }
}
