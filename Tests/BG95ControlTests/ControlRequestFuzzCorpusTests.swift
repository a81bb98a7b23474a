import Foundation
import XCTest

/// Replays Fuzz/Corpus/control-request/ (seeds and bug-named crash inputs found by `make fuzz`) through
/// the fuzz harness (ControlRequestFuzz, the same file the libFuzzer binary is built from), so a fixed
/// crash stays fixed in every `make test`.
final class ControlRequestFuzzCorpusTests: XCTestCase {
    func testCorpusReplaysWithoutATrap() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/Corpus/control-request").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(names.isEmpty, "no corpus in \(folder.path)")
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            ControlRequestFuzz.run(bytes)
        }
    }
}
