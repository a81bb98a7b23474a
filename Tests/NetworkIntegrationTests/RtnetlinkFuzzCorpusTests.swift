import Foundation
import XCTest

/// Replays Fuzz/Corpus/rtnetlink/ (seeds and bug-named crash inputs found by `make fuzz`) through
/// the fuzz harness (RtnetlinkFuzz, the same file the libFuzzer binary is built from), so a fixed
/// crash stays fixed in every `make test`.
final class RtnetlinkFuzzCorpusTests: XCTestCase {
    func testCorpusReplaysWithoutATrap() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/Corpus/rtnetlink").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty, "no corpus in \(folder.path)")
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            RtnetlinkFuzz.run(bytes)
        }
    }
}

import CMnl

/// The bug `make fuzz` found: libmnl's `mnl_nlmsg_ok` compares `nlmsg_len` as a signed int,
/// so a length of 0xffffffff in a 17-byte buffer passed and the decoders read far past it.
/// The receive loops now walk with `bg95_nlmsg_ok`.
final class NetlinkLengthCheckTests: XCTestCase {
    func testLengthAboveIntMaxIsRefused() {
        var bytes = [UInt8](repeating: 0xFF, count: 16) + [0x48]
        bytes.withUnsafeMutableBytes { raw in
            let header = UnsafePointer(raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self))
            XCTAssertTrue(mnl_nlmsg_ok(header, Int32(raw.count)), "libmnl fixed its check; bg95_nlmsg_ok may go")
            XCTAssertFalse(bg95_nlmsg_ok(header, Int32(raw.count)))
        }
        var good = [UInt8](repeating: 0, count: 20)
        good[0] = 20
        good.withUnsafeMutableBytes { raw in
            XCTAssertTrue(bg95_nlmsg_ok(UnsafePointer(raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)), 20))
            XCTAssertFalse(bg95_nlmsg_ok(UnsafePointer(raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)), 19))
        }
    }
}
