import Foundation
import Glibc
import TestSupport
import XCTest

/// bg95d with the identity systemd/bg95d.service gives it, on bg95sim (as root): a non-root uid
/// from the DynamicUser range, group `dialout`, only CAP_NET_ADMIN, CAP_NET_RAW and
/// CAP_NET_BIND_SERVICE (bounding and ambient set), no new privileges, a private /run/lock
/// (the unit's TemporaryFileSystem). Cold start to online, `bg95ctl down`/`up`, SIGTERM clean-up.
///
/// The simulated ttys get what udev gives real ones (group dialout, mode 0660) and the umockdev
/// testbed is opened to the daemon's uid. The module starts in ECM mode so no re-enumeration
/// creates tty nodes without that group (udev would set it on real hardware).
final class BG95ctlUnprivilegedDaemonTests: XCTestCase {
    static let uid: UInt32 = 61_184  // first uid of systemd's DynamicUser range

    /// The capability names of the unit's CapabilityBoundingSet= (e.g. ["net_admin", ...]).
    static func unitCapabilities() throws -> [String] {
        let unit = try String(contentsOfFile: TestEnvironment.packageRoot + "/systemd/bg95d.service", encoding: .utf8)
        guard let line = unit.split(separator: "\n").first(where: { $0.hasPrefix("CapabilityBoundingSet=") }) else { return [] }
        return line.dropFirst("CapabilityBoundingSet=".count).split(separator: " ").map { $0.lowercased().replacingOccurrences(of: "cap_", with: "") }
    }

    /// Capability numbers from linux/capability.h for the ones a network daemon might get.
    static let capabilityBits: [String: UInt64] = ["chown": 0, "net_bind_service": 10, "net_broadcast": 11, "net_admin": 12, "net_raw": 13]

    func testDaemonRunsWithTheUnitsIdentityAndCapabilities() throws {
        try TestEnvironment.requireTools(["setpriv", "unshare", "mount"])
        let setup = try SimulatedSetup(profile: "qnetdevctl", mode: "ecm")
        defer { setup.close() }
        guard let dialout = getgrnam("dialout")?.pointee.gr_gid else { return XCTFail("no dialout group") }
        let testbed = setup.environment["UMOCKDEV_DIR"] ?? ""
        XCTAssertFalse(testbed.isEmpty)
        try openTestbed(testbed, group: dialout)
        // The daemon's own files: socket, state, DNS file in its folder; a copy of the binary it may execute.
        chown(setup.folder, Self.uid, dialout)
        chmod(setup.folder, 0o755)
        let bg95d = setup.folder + "/bg95d"
        try FileManager.default.copyItem(atPath: setup.bg95d, toPath: bg95d)
        chmod(bg95d, 0o755)
        let configuration = try setup.writeConfiguration()
        let before = try setup.networkState()
        let names = try Self.unitCapabilities()
        XCTAssertEqual(Set(names), ["net_admin", "net_raw", "net_bind_service"], "the unit's capabilities changed: update this test")
        let capabilities = "-all," + names.map { "+" + $0 }.joined(separator: ",")
        let effectiveMask = names.reduce(UInt64(0)) { $0 | (1 << (Self.capabilityBits[$1] ?? 63)) }

        let inner = ["mount -t tmpfs -o mode=1777 tmpfs /run/lock && exec setpriv",
                     "--reuid=\(Self.uid)", "--regid=\(dialout)", "--clear-groups",
                     "--inh-caps=\(capabilities)", "--ambient-caps=\(capabilities)",
                     "--bounding-set=\(capabilities)", "--no-new-privs",
                     "env", "LD_PRELOAD=\(setup.environment["LD_PRELOAD"] ?? "libumockdev-preload.so.0")",
                     "UMOCKDEV_DIR=\(testbed)", bg95d, "run", "--config", configuration].joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.which("ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", setup.hostNamespace, "unshare", "--mount", "sh", "-c", inner]
        FileManager.default.createFile(atPath: setup.logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: setup.logPath))
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        setup.daemon = process
        try setup.waitFor("control socket", timeout: 20) { FileManager.default.fileExists(atPath: setup.socketPath) }

        let online = try Command.run([setup.bg95ctl, "watch", "--until", "online", "--no-urcs", "--timeout", "90", "--socket", setup.socketPath])
        XCTAssertEqual(online.status, 0, online.stderr + "\n" + setup.tail())

        // It really is the unprivileged daemon (ip, unshare, sh, setpriv and env exec'd into it).
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let fields = Dictionary(status.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(fields["Name"], "bg95d")
        XCTAssertEqual(fields["Uid"]?.split(separator: "\t").map(String.init), Array(repeating: String(Self.uid), count: 4))
        XCTAssertEqual(fields["Gid"]?.split(separator: "\t").first.map(String.init), String(dialout))
        XCTAssertEqual(UInt64(fields["CapEff"] ?? "", radix: 16), effectiveMask, "CapEff \(fields["CapEff"] ?? "?")")
        XCTAssertEqual(UInt64(fields["CapBnd"] ?? "", radix: 16), effectiveMask, "CapBnd \(fields["CapBnd"] ?? "?")")
        XCTAssertEqual(fields["NoNewPrivs"], "1")

        try setup.ping()
        let down = try Command.run([setup.bg95ctl, "down", "--timeout", "60", "--socket", setup.socketPath])
        XCTAssertEqual(down.status, 0, down.stderr + "\n" + setup.tail())
        XCTAssertTrue(try setup.ownRoutes().isEmpty, "routes left after down")
        let up = try Command.run([setup.bg95ctl, "up", "--timeout", "90", "--socket", setup.socketPath])
        XCTAssertEqual(up.status, 0, up.stderr + "\n" + setup.tail())
        try setup.ping()
        try setup.assertNoDuplicateRoutes()

        XCTAssertEqual(try setup.stopDaemon(), 0, setup.tail())
        XCTAssertEqual(try setup.networkState(), before, "SIGTERM must leave the namespace as it was")
    }

    /// Gives the daemon's uid what it needs of the umockdev testbed: the root folder (its
    /// libudev monitor binds event sockets there), the ioctl sockets, and the tty nodes
    /// as udev sets them for real ttyUSB ports (root:dialout 0660).
    private func openTestbed(_ testbed: String, group: UInt32) throws {
        chmod(testbed, 0o1777)
        let ioctl = testbed + "/ioctl"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: ioctl)) ?? [] {
            chmod(ioctl + "/" + name, 0o777)
        }
        let dev = testbed + "/dev"
        var ttys = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: dev) where name.hasPrefix("ttyUSB") {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: dev + "/" + name)
            XCTAssertEqual(chown(target, 0, group), 0, "chown \(target)")
            XCTAssertEqual(chmod(target, 0o660), 0, "chmod \(target)")
            ttys += 1
        }
        XCTAssertGreaterThanOrEqual(ttys, 3, "no simulated ttyUSB nodes in \(dev)")
    }
}
