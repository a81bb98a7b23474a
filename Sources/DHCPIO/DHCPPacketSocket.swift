#if canImport(Glibc)
import Glibc
#endif
import BG95System
import DHCPProtocol

/// An AF_PACKET (SOCK_DGRAM) socket on one interface that sees only IPv4 UDP datagrams for
/// port 68, through a classic BPF filter attached before the socket is bound, so nothing else
/// is ever queued. It works on an interface without an address, which is why DHCP's broadcast
/// phases use it. It is opened once and kept for the client's lifetime (udhcpc's per-packet
/// reopen costs 8-16 ms each on this kernel).
final class DHCPPacketSocket {
    let fd: Int32
    let interface: NetworkInterface

    /// ldb [9]; jeq #17 else drop; ldh [6]; jset #0x1fff drop; ldxb 4*([0]&0xf); ldh [x+2];
    /// jeq #68 accept else drop. Offsets are from the IP header (SOCK_DGRAM).
    static let filter: [BPFInstruction] = [
        BPFInstruction(code: 0x30, jt: 0, jf: 0, k: 9),        // ldb [9]       IP protocol
        BPFInstruction(code: 0x15, jt: 0, jf: 6, k: 17),       // jeq #17 (UDP)
        BPFInstruction(code: 0x28, jt: 0, jf: 0, k: 6),        // ldh [6]       flags/fragment
        BPFInstruction(code: 0x45, jt: 4, jf: 0, k: 0x1FFF),   // jset fragment offset -> drop
        BPFInstruction(code: 0xB1, jt: 0, jf: 0, k: 0),        // ldxb 4*([0]&0xf)
        BPFInstruction(code: 0x48, jt: 0, jf: 0, k: 2),        // ldh [x+2]     UDP dst port
        BPFInstruction(code: 0x15, jt: 0, jf: 1, k: 68),       // jeq #68
        BPFInstruction(code: 0x06, jt: 0, jf: 0, k: 0xFFFF),   // accept
        BPFInstruction(code: 0x06, jt: 0, jf: 0, k: 0),        // drop
    ]

    init(interface: NetworkInterface) throws(SystemError) {
        self.interface = interface
        // Protocol 0: receive nothing until bind, so no unfiltered packet slips in first.
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("socket(AF_PACKET)") }
        self.fd = fd
        do throws(SystemError) {
            var instructions = DHCPPacketSocket.filter
            let attached = instructions.withUnsafeMutableBufferPointer { buffer -> Int32 in
                var program = BPFProgram(length: UInt16(buffer.count), filter: buffer.baseAddress)
                return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, socklen_t(MemoryLayout<BPFProgram>.size))
            }
            if attached != 0 { throw SystemError.current("setsockopt(SO_ATTACH_FILTER)") }
            var on: Int32 = 1
            if setsockopt(fd, LinuxPacket.solPacket, LinuxPacket.packetAuxData, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                throw SystemError.current("setsockopt(PACKET_AUXDATA)")
            }
            var address = LinkLayerAddress()
            address.protocolBE = LinuxPacket.ethernetIPv4.bigEndian
            address.interfaceIndex = interface.index
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<LinkLayerAddress>.size)) }
            }
            if bound != 0 { throw SystemError.current("bind(AF_PACKET, \(interface.name))") }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        close(fd)
        buffer.deallocate()
        control.deallocate()
    }

    /// Sends an IPv4/UDP datagram to `destinationMAC` (broadcast by default).
    ///
    /// A link that went down and up again leaves ENETDOWN pending on the socket, and the kernel
    /// hands it to the next send; that send is retried once, so a stale error does not cost a
    /// whole retransmission interval. An interface that is still down fails again and throws.
    func send(_ datagram: [UInt8], to destinationMAC: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) throws(SystemError) {
        do {
            try sendOnce(datagram, to: destinationMAC)
        } catch where error.code == ENETDOWN {
            try sendOnce(datagram, to: destinationMAC)
        }
    }

    private func sendOnce(_ datagram: [UInt8], to destinationMAC: [UInt8]) throws(SystemError) {
        var address = LinkLayerAddress()
        address.protocolBE = LinuxPacket.ethernetIPv4.bigEndian
        address.interfaceIndex = interface.index
        address.addressLength = 6
        withUnsafeMutableBytes(of: &address.address) { for i in 0..<6 { $0[i] = destinationMAC[i] } }
        let name = interface.name
        try retryingInterrupts("sendto(AF_PACKET, \(name))") {
            datagram.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<LinkLayerAddress>.size))
                    }
                }
            }
        }
    }

    struct Received {
        var bytes: [UInt8]
        var sourceMAC: [UInt8]
        /// False when the kernel says the checksum was never computed (local veth with offload).
        var checksumReady: Bool
    }

    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    private let control = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)

    /// Reads one queued datagram, or `nil` when none is queued (EAGAIN).
    func receive() throws(SystemError) -> Received? {
        var address = LinkLayerAddress()
        var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        while true {
            var msg = msghdr()
            let n = withUnsafeMutablePointer(to: &address) { addr in
                withUnsafeMutablePointer(to: &iov) { iovp in
                    msg.msg_name = UnsafeMutableRawPointer(addr)
                    msg.msg_namelen = socklen_t(MemoryLayout<LinkLayerAddress>.size)
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = control.baseAddress
                    msg.msg_controllen = control.count
                    return recvmsg(fd, &msg, 0)
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
                throw SystemError.current("recvmsg(AF_PACKET, \(interface.name))")
            }
            let controlBytes = Array(control.prefix(min(Int(msg.msg_controllen), control.count)))
            return Received(bytes: Array(buffer.prefix(n)), sourceMAC: address.macAddress,
                            checksumReady: DHCPPacketSocket.checksumReady(control: controlBytes))
        }
    }

    /// Walks the control messages (`struct cmsghdr`: `size_t cmsg_len`, `int cmsg_level`,
    /// `int cmsg_type`, data aligned to 8 bytes) for PACKET_AUXDATA, checking every length
    /// against the buffer before reading; true unless the kernel says the checksum is not ready.
    static func checksumReady(control: [UInt8]) -> Bool {
        control.withUnsafeBytes { bytes in
            var offset = 0
            while offset + 16 <= bytes.count {
                let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt.self))
                let level = bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int32.self)
                let type = bytes.loadUnaligned(fromByteOffset: offset + 12, as: Int32.self)
                guard length >= 16, length <= bytes.count - offset else { return true }
                if level == LinuxPacket.solPacket, type == LinuxPacket.packetAuxData, length >= 16 + 4 {
                    let status = bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self)
                    return status & LinuxPacket.statusChecksumNotReady == 0
                }
                offset += (length + 7) & ~7
            }
            return true
        }
    }
}
