import Foundation

/// Network namespaces a test creates and is guaranteed to delete.
///
/// Names carry a per-run prefix (test-rig.md: parallel or leftover runs never collide). The
/// scope deletes its namespaces in `close()` and, as a last resort, in `deinit`, so a failing
/// test leaves nothing behind. Nothing here touches the root namespace.
public final class NamespaceScope {
    public let prefix: String
    private var created: [String] = []

    public init(prefix: String = TestEnvironment.uniquePrefix()) {
        self.prefix = prefix
    }

    /// Creates `<prefix>-<role>` with loopback up and returns its name.
    @discardableResult
    public func add(_ role: String) throws -> String {
        let name = "\(prefix)-\(role)"
        _ = try? Command.run(["ip", "netns", "del", name])  // leftover of a killed run with this prefix
        try Command.check(["ip", "netns", "add", name])
        created.append(name)
        try Command.check(["ip", "-n", name, "link", "set", "lo", "up"])
        return name
    }

    /// Connects two namespaces with a veth pair and gives each end an optional address.
    public func link(_ a: String, _ aIf: String, _ aAddress: String?, _ b: String, _ bIf: String, _ bAddress: String?) throws {
        try Command.check(["ip", "link", "add", aIf, "netns", a, "type", "veth", "peer", "name", bIf, "netns", b])
        for (ns, ifname, address) in [(a, aIf, aAddress), (b, bIf, bAddress)] {
            if let address { try Command.check(["ip", "-n", ns, "addr", "add", address, "dev", ifname]) }
            try Command.check(["ip", "-n", ns, "link", "set", ifname, "up"])
        }
    }

    /// Kills every process still running in the scope's namespaces, then deletes them
    /// (their veths go with them).
    public func close() {
        for name in created.reversed() {
            if let pids = try? Command.run(["ip", "netns", "pids", name]) {
                for pid in pids.stdout.split(whereSeparator: \.isWhitespace) {
                    _ = try? Command.run(["kill", "-KILL", String(pid)])
                }
            }
            _ = try? Command.run(["ip", "netns", "del", name])
        }
        created.removeAll()
    }

    deinit { close() }
}
