#if canImport(Glibc)
import Glibc
#endif
import BG95System
import DHCPProtocol
import BG95Core

/// ARP probing of a freshly leased address (RFC 5227 §2.1.1, as RFC 2131 §4.4.1 asks): an ARP
/// request from 0.0.0.0 for the address, then any ARP packet whose sender is that address (an
/// answer) or another host's probe for it means the address is taken. An AF_PACKET socket for
/// ETH_P_ARP on the interface, opened once; packets shorter than an Ethernet/IPv4 ARP body are
/// ignored.
final class DHCPAddressProbe {
    let fd: Int32
    let interface: NetworkInterface
    private static let ethernetARP: UInt16 = 0x0806
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)

    init(interface: NetworkInterface) throws(SystemError) {
        self.interface = interface
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                        Int32(DHCPAddressProbe.ethernetARP.bigEndian))
        guard fd >= 0 else { throw SystemError.current("socket(AF_PACKET, ARP)") }
        self.fd = fd
        var address = LinkLayerAddress()
        address.protocolBE = DHCPAddressProbe.ethernetARP.bigEndian
        address.interfaceIndex = interface.index
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<LinkLayerAddress>.size)) }
        }
        if bound != 0 {
            let error = SystemError.current("bind(AF_PACKET ARP, \(interface.name))")
            close(fd)
            throw error
        }
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// The 28-byte ARP probe: who-has `target`, sender MAC ours, sender IP 0.0.0.0.
    static func probe(for target: IPv4Address, from mac: [UInt8]) -> [UInt8] {
        [0, 1, 0x08, 0x00, 6, 4, 0, 1] + mac + [0, 0, 0, 0] + [0, 0, 0, 0, 0, 0] + target.bytes
    }

    /// Whether an ARP body says another host holds (or is probing for) `address`.
    static func isConflict(_ arp: [UInt8], address: IPv4Address, ourMAC: [UInt8]) -> Bool {
        guard arp.count >= 28, arp[0] == 0, arp[1] == 1, arp[2] == 0x08, arp[3] == 0, arp[4] == 6, arp[5] == 4 else { return false }
        let senderMAC = Array(arp[8..<14])
        guard senderMAC != ourMAC else { return false }
        let senderIP = IPv4Address(bytes: arp[14..<18])
        let targetIP = IPv4Address(bytes: arp[24..<28])
        if senderIP == address { return true }
        // Someone else probing for the same address at the same time.
        return senderIP == .any && targetIP == address && arp[7] == 1
    }

    func sendProbe(for target: IPv4Address) throws(SystemError) {
        let body = DHCPAddressProbe.probe(for: target, from: interface.hardwareAddress)
        var address = LinkLayerAddress()
        address.protocolBE = DHCPAddressProbe.ethernetARP.bigEndian
        address.interfaceIndex = interface.index
        address.addressLength = 6
        withUnsafeMutableBytes(of: &address.address) { for i in 0..<6 { $0[i] = 0xFF } }
        try retryingInterrupts("sendto(ARP probe \(target))") {
            body.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<LinkLayerAddress>.size))
                    }
                }
            }
        }
    }

    /// Reads every queued ARP body (nothing when none is queued).
    func drain() -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bodies }
            bodies.append(Array(buffer.prefix(n)))
        }
    }
}
