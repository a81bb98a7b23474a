@testable import DHCPIO
import DHCPProtocol
import XCTest
import BG95Core

/// The IO layer's own parsers (no root needed): the control-message walk that tells whether a
/// packet's UDP checksum was ever computed, the ARP conflict rule and the BPF program's shape.
final class DHCPSocketParsingTests: XCTestCase {
    private func cmsg(level: Int32, type: Int32, data: [UInt8]) -> [UInt8] {
        var b = withUnsafeBytes(of: UInt(16 + data.count)) { Array($0) }
        b += withUnsafeBytes(of: level) { Array($0) } + withUnsafeBytes(of: type) { Array($0) } + data
        while b.count % 8 != 0 { b.append(0) }
        return b
    }

    private func auxdata(status: UInt32) -> [UInt8] {
        cmsg(level: 263, type: 8, data: withUnsafeBytes(of: status) { Array($0) } + Array(repeating: 0, count: 16))
    }

    func testChecksumStatusFromAuxData() {
        XCTAssertTrue(DHCPPacketSocket.checksumReady(control: auxdata(status: 1)))      // TP_STATUS_USER
        XCTAssertFalse(DHCPPacketSocket.checksumReady(control: auxdata(status: 1 | 8))) // CSUMNOTREADY
        // Found after another control message.
        XCTAssertFalse(DHCPPacketSocket.checksumReady(control: cmsg(level: 1, type: 29, data: [1, 2, 3, 4]) + auxdata(status: 8)))
        // No control data, or a truncated/lying header: treated as "verify" (the safe side).
        XCTAssertTrue(DHCPPacketSocket.checksumReady(control: []))
        var lying = auxdata(status: 8)
        lying[0] = 200
        XCTAssertTrue(DHCPPacketSocket.checksumReady(control: lying))
        XCTAssertTrue(DHCPPacketSocket.checksumReady(control: Array(auxdata(status: 8).prefix(12))))
    }

    func testARPConflictRule() {
        let ours: [UInt8] = [2, 0, 0, 0, 0, 1]
        let other: [UInt8] = [2, 0, 0, 0, 0, 9]
        let address = IPv4Address(192, 168, 225, 20)
        func arp(op: UInt8, sha: [UInt8], spa: IPv4Address, tpa: IPv4Address) -> [UInt8] {
            [0, 1, 8, 0, 6, 4, 0, op] + sha + spa.bytes + [0, 0, 0, 0, 0, 0] + tpa.bytes
        }
        XCTAssertTrue(DHCPAddressProbe.isConflict(arp(op: 2, sha: other, spa: address, tpa: .any), address: address, ourMAC: ours))
        XCTAssertTrue(DHCPAddressProbe.isConflict(arp(op: 1, sha: other, spa: .any, tpa: address), address: address, ourMAC: ours))
        XCTAssertFalse(DHCPAddressProbe.isConflict(arp(op: 1, sha: ours, spa: .any, tpa: address), address: address, ourMAC: ours))
        XCTAssertFalse(DHCPAddressProbe.isConflict(arp(op: 2, sha: other, spa: IPv4Address(192, 168, 225, 1), tpa: address), address: address, ourMAC: ours))
        XCTAssertFalse(DHCPAddressProbe.isConflict(Array(arp(op: 2, sha: other, spa: address, tpa: .any).prefix(20)), address: address, ourMAC: ours))
        XCTAssertEqual(DHCPAddressProbe.probe(for: address, from: ours).count, 28)
    }

    func testFilterJumpsStayInsideTheProgram() {
        let program = DHCPPacketSocket.filter
        for (i, instruction) in program.enumerated() where instruction.code & 0x07 == 0x05 {  // BPF_JMP
            XCTAssertLessThan(i + 1 + Int(instruction.jt), program.count)
            XCTAssertLessThan(i + 1 + Int(instruction.jf), program.count)
        }
        XCTAssertEqual(program.last?.code, 0x06)
        XCTAssertEqual(program.last?.k, 0)
        XCTAssertEqual(MemoryLayout<LinkLayerAddress>.size, 20)
        XCTAssertEqual(MemoryLayout<BPFInstruction>.size, 8)
        XCTAssertEqual(MemoryLayout<BPFProgram>.size, 16)
    }
}
