import Foundation
import TestSupport
import XCTest

/// `udev/70-bg95.rules`: every rule line is well-formed udev syntax (KEY[{attr}] op "value",
/// comma separated, known keys) and the rules cover the contract of issue 7. Real udev runs the
/// rules in SystemdIntegrationTests/UdevRuleUnderUdevadmTests (udevadm test on a umockdev tree).
final class UdevRuleTests: XCTestCase {
    private static let knownKeys: Set<String> = [
        "ACTION", "SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "KERNELS", "DRIVER", "DRIVERS", "ATTR", "ATTRS", "ENV",
        "TAG", "SYMLINK", "RUN", "IMPORT", "GOTO", "LABEL", "NAME", "MODE", "GROUP", "OWNER", "TEST", "PROGRAM",
    ]

    /// Rules with continuation lines joined.
    private func rules() throws -> [String] {
        let text = try String(contentsOfFile: TestEnvironment.packageRoot + "/udev/70-bg95.rules", encoding: .utf8)
        var joined: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if current.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
            } else {
                joined.append(current + line)
                current = ""
            }
        }
        XCTAssertEqual(current, "", "dangling continuation")
        return joined
    }

    /// Splits `KEY{attr}op"value"` pairs, failing on anything else.
    private func pairs(_ rule: String) -> [(key: String, op: String, value: String)]? {
        let pattern = try! NSRegularExpression(pattern: #"^\s*([A-Z_]+)(\{[^}]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)"#)
        var rest = rule[...]
        var out: [(String, String, String)] = []
        while !rest.trimmingCharacters(in: .whitespaces).isEmpty {
            let string = String(rest)
            guard let match = pattern.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) else { return nil }
            func group(_ i: Int) -> String { Range(match.range(at: i), in: string).map { String(string[$0]) } ?? "" }
            out.append((group(1), group(3), group(4)))
            rest = string[Range(match.range, in: string)!.upperBound...]
        }
        return out
    }

    func testEveryRuleParses() throws {
        let all = try rules()
        XCTAssertGreaterThanOrEqual(all.count, 5)
        for rule in all {
            guard let parsed = pairs(rule) else { XCTFail("malformed rule: \(rule)"); continue }
            for pair in parsed {
                XCTAssertTrue(Self.knownKeys.contains(pair.key), "unknown key \(pair.key) in \(rule)")
            }
        }
        // GOTO targets exist.
        let labels = all.compactMap { pairs($0)?.first { $0.key == "LABEL" }?.value }
        for target in all.compactMap({ pairs($0)?.first { $0.key == "GOTO" }?.value }) {
            XCTAssertTrue(labels.contains(target), "GOTO \(target) has no LABEL")
        }
    }

    func testRulesCoverTheContract() throws {
        let text = try rules().joined(separator: "\n")
        for fragment in [
            #"ATTR{idVendor}=="2c7c", ATTR{idProduct}=="0700|0203""#,
            #"ENV{ID_MM_DEVICE_IGNORE}="1""#,
            #"TAG+="systemd""#,
            #"ENV{SYSTEMD_WANTS}+="bg95d.service""#,
            "/sys/bus/usb-serial/drivers/option1/new_id",
            "2c7c $attr{idProduct} ff",
            #"ATTR{bInterfaceClass}=="ff", TEST!="driver""#,
            #"ENV{ID_USB_INTERFACE_NUM}=="02", SYMLINK+="bg95-at""#,
        ] {
            XCTAssertTrue(text.contains(fragment), "rules lack \(fragment)")
        }
    }
}
