import Foundation
import XCTest

/// Replays Fuzz/Corpus/dhcp/ (seeds and bug-named crash inputs found by `make fuzz`) through
/// the fuzz harness (DHCPFuzz, the same file the libFuzzer binary is built from), so a fixed
/// crash stays fixed in every `make test`.
final class DHCPFuzzCorpusTests: XCTestCase {
    func testCorpusReplaysWithoutATrap() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/Corpus/dhcp").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty, "no corpus in \(folder.path)")
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            DHCPFuzz.run(bytes)
        }
    }
}
