// Fuzz harness: a received rtnetlink buffer walked message by message (as libmnl does) and
// each message through the link, address, route and rule decoders. Compiled into the
// libFuzzer binary (`make fuzz`) and into NetworkIntegrationTests, which replays
// Fuzz/Corpus/rtnetlink/.
import CMnl
@testable import NetlinkIO

enum RtnetlinkFuzz {
    static func run(_ bytes: [UInt8]) {
        // Aligned memory, as a received buffer is.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 16), alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyMemory(from: bytes, byteCount: bytes.count)
        var header = UnsafePointer(buffer.assumingMemoryBound(to: nlmsghdr.self))
        var remaining = Int32(bytes.count)
        while bg95_nlmsg_ok(header, remaining) {
            let message = NetlinkMessage(header: header)
            _ = RtnetlinkCodec.linkStatus(message)
            _ = RtnetlinkCodec.address(message)
            _ = RtnetlinkCodec.route(message)
            _ = RtnetlinkCodec.rule(message)
            guard let next = mnl_nlmsg_next(header, &remaining) else { break }
            header = UnsafePointer(next)
        }
    }
}
