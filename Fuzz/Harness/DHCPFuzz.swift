// Fuzz harness: bytes off the wire through the DHCP decoders and the client machine.
// Compiled into the libFuzzer binary (`make fuzz`) and into DHCPProtocolTests, which replays
// Fuzz/Corpus/dhcp/ (crash inputs kept as regression tests).
import BG95Core
@testable import DHCPProtocol

enum DHCPFuzz {
    static func run(_ bytes: [UInt8]) {
        // The decoders, with round trips where an encoder exists.
        if let message = try? DHCPMessage(parsing: bytes) {
            // The encoder writes every option into the options area and leaves overload out.
            var expected = message
            expected.options[DHCPOptionCode.overload] = nil
            let again = try? DHCPMessage(parsing: message.encoded())
            precondition(again == expected, "DHCPMessage does not round-trip")
        }
        _ = try? IPv4UDPPacket(parsing: bytes, verifyUDPChecksum: true)
        _ = try? IPv4UDPPacket(parsing: bytes, verifyUDPChecksum: false)
        if let lease = try? DHCPStoredLease(parsing: String(decoding: bytes, as: UTF8.self)) {
            precondition((try? DHCPStoredLease(parsing: lease.text)) == lease, "DHCPStoredLease does not round-trip")
        }

        // The client machine fed a script: each step is one byte choosing the event, then for
        // `.received` a length byte and that many bytes of message. When the step byte says
        // so, the message's xid and chaddr are patched to the ones the client uses, so the
        // fuzzer gets past the "not for us" drops into every state.
        var configuration = DHCPClientConfiguration(hardwareAddress: [0x02, 0x95, 0, 0, 0, 1], randomSeed: 0x95)
        configuration.addressProbeMilliseconds = 100
        var machine = DHCPClientMachine(configuration: configuration)
        var now = DHCPInstant(milliseconds: 1_000)
        var lastXID: UInt32?
        var input = bytes[...]
        func apply(_ event: DHCPClientEvent) {
            for action in machine.handle(event, now: now) {
                switch action {
                case .send(let message, _): lastXID = message.transactionID
                case .configure(let lease), .update(let lease): check(lease)
                case .probe, .deconfigure, .log: break
                }
            }
        }
        apply(.start(previousAddress: bytes.count % 2 == 0 ? nil : IPv4Address(192, 168, 225, 20)))
        var steps = 0
        while let step = input.popFirst(), steps < 64 {
            steps += 1
            switch step % 8 {
            case 0, 1, 2, 3:
                let length = Int(input.popFirst() ?? 0) * 2
                var message = Array(input.prefix(length))
                input = input.dropFirst(length)
                if step & 0x10 != 0, message.count >= 34, let xid = lastXID {
                    message.replaceSubrange(4..<8, with: withUnsafeBytes(of: xid.bigEndian, Array.init))
                    message.replaceSubrange(28..<34, with: configuration.hardwareAddress)
                }
                apply(.received(message))
            case 4:
                if let deadline = machine.nextDeadline { now = max(now, deadline) }
                apply(.tick)
            case 5:
                now = now.adding(milliseconds: Int64(step) * 1_000)
                apply(.tick)
            case 6:
                apply(.addressInUse)
            default:
                apply(bytes.count % 5 == 0 ? .stop : .start(previousAddress: nil))
            }
        }
    }

    /// What a configured lease must never carry, whatever the server sent.
    static func check(_ lease: DHCPLease) {
        precondition(lease.address != IPv4Address(0, 0, 0, 0) && lease.address != IPv4Address(255, 255, 255, 255),
                     "leased an unusable address \(lease.address)")
    }
}
