import Foundation
import TestSupport
import XCTest

/// `systemd/bg95d.service` checked by systemd's own tools: `systemd-analyze verify` (against a
/// copy whose ExecStart points at the built bg95d, since verify wants the binary to exist) and
/// the `systemd-analyze security --offline=true` exposure, which must stay at 2.1 or below (2.0
/// plus the 0.2-weighted `@resources` item that allowing `setpriority` for libdispatch costs).
final class SystemdUnitTests: XCTestCase {
    private var unitPath: String { TestEnvironment.packageRoot + "/systemd/bg95d.service" }

    /// A copy of the unit with ExecStart replaced, in a temp folder named like the unit.
    private func unitCopy(execStart: String) throws -> (folder: URL, unit: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bg95-unit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: unitPath, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("ExecStart=") ? "ExecStart=\(execStart) run" : String(line)
        }
        let unit = folder.appendingPathComponent("bg95d.service").path
        try lines.joined(separator: "\n").write(toFile: unit, atomically: true, encoding: .utf8)
        return (folder, unit)
    }

    func testVerifyAcceptsTheUnit() throws {
        try TestEnvironment.requireTools(["systemd-analyze"])
        let (folder, unit) = try unitCopy(execStart: try TestEnvironment.product("bg95d"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Command.run(["systemd-analyze", "verify", unit])
        XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
        // Warnings (unknown keys, bad values) are printed even when the exit status is 0.
        XCTAssertEqual(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "", result.stderr)

        // The same check fails for a unit whose binary is missing: verify really looks.
        let (brokenFolder, broken) = try unitCopy(execStart: "/nonexistent/bg95d")
        defer { try? FileManager.default.removeItem(at: brokenFolder) }
        XCTAssertNotEqual(try Command.run(["systemd-analyze", "verify", broken]).status, 0)
    }

    func testSecurityExposureIsAtMostTwoPointOne() throws {
        try TestEnvironment.requireTools(["systemd-analyze"])
        let result = try Command.run(["systemd-analyze", "security", "--offline=true", "--no-pager", unitPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        guard let line = result.stdout.split(separator: "\n").first(where: { $0.contains("Overall exposure level") }),
              let colon = line.lastIndex(of: ":"),
              let figure = Double(line[line.index(after: colon)...].split(separator: " ").first ?? "") else {
            return XCTFail("no exposure figure in:\n\(result.stdout)")
        }
        print("systemd-analyze security --offline=true bg95d.service: exposure \(figure)")
        XCTAssertLessThanOrEqual(figure, 2.1, result.stdout)
        for hardened in ["✓ ProtectSystem=", "✓ NoNewPrivileges=", "✓ RestrictAddressFamilies=~…", "✓ CapabilityBoundingSet=~CAP_SYS_ADMIN",
                         "✓ User=/DynamicUser=", "✓ SystemCallFilter=~@mount", "✓ RestrictNamespaces=~net"] {
            XCTAssertTrue(result.stdout.contains(hardened), "missing \(hardened)")
        }
    }

    func testUnitDeclaresTheOperatingContract() throws {
        let text = try String(contentsOfFile: unitPath, encoding: .utf8)
        let settings = Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") })
        for required in ["Type=notify", "NotifyAccess=main", "WatchdogSec=30s", "Restart=on-failure", "RuntimeDirectory=bg95d",
                         "StateDirectory=bg95d", "ProtectSystem=strict", "DevicePolicy=closed", "DeviceAllow=char-ttyUSB rw",
                         "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_PACKET AF_INET AF_INET6", "SystemCallFilter=@system-service",
                         "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE", "ExecStart=/usr/local/bin/bg95d run",
                         "SystemCallFilter=setpriority"] {
            XCTAssertTrue(settings.contains(required), "bg95d.service lacks \(required)")
        }
    }
}
