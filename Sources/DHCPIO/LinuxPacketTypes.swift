#if canImport(Glibc)
import Glibc
#endif

// Kernel structures and constants Swift's Glibc module does not export
// (<linux/if_packet.h>, <linux/filter.h>). Layouts match the kernel ABI on 64-bit Linux.

/// `struct sockaddr_ll` (20 bytes).
struct LinkLayerAddress {
    var family: UInt16 = UInt16(AF_PACKET)
    var protocolBE: UInt16 = 0
    var interfaceIndex: Int32 = 0
    var hardwareType: UInt16 = 0
    var packetType: UInt8 = 0
    var addressLength: UInt8 = 0
    var address: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)

    var macAddress: [UInt8] {
        let a = address
        return Array([a.0, a.1, a.2, a.3, a.4, a.5, a.6, a.7].prefix(Int(min(addressLength, 8))))
    }
}

/// `struct sock_filter`: one classic BPF instruction.
struct BPFInstruction {
    var code: UInt16
    var jt: UInt8
    var jf: UInt8
    var k: UInt32
}

/// `struct sock_fprog`.
struct BPFProgram {
    var length: UInt16
    var filter: UnsafeMutablePointer<BPFInstruction>?
}

/// `struct tpacket_auxdata` (20 bytes).
struct PacketAuxData {
    var status: UInt32 = 0
    var length: UInt32 = 0
    var snapLength: UInt32 = 0
    var mac: UInt16 = 0
    var net: UInt16 = 0
    var vlanTCI: UInt16 = 0
    var vlanTPID: UInt16 = 0
}

enum LinuxPacket {
    static let solPacket: Int32 = 263
    static let packetAuxData: Int32 = 8
    static let statusChecksumNotReady: UInt32 = 1 << 3
    static let ethernetIPv4: UInt16 = 0x0800
    static let hardwareEthernet: UInt16 = 1
}
