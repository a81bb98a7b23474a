import Foundation
import TestSupport
import XCTest

/// Runs code with the calling thread inside a network namespace, then moves it back.
///
/// setns(CLONE_NEWNET) changes only the calling thread; sockets created inside stay bound to
/// the namespace after the thread returns, which is how the tests give NetlinkIO a socket in a
/// test namespace without touching the root namespace. Commands are always run after the
/// thread is back (they would otherwise inherit the namespace).
enum NetlinkNamespace {
    private typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    private static let cloneNewNet: Int32 = 0x4000_0000

    static func run<T>(in namespace: String, _ body: () throws -> T) throws -> T {
        guard let symbol = dlsym(nil, "setns") else { throw NamespaceError("setns not found") }
        let setns = unsafeBitCast(symbol, to: SetNS.self)
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw NamespaceError("open own netns: errno \(errno)") }
        defer { close(original) }
        let target = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw NamespaceError("open /run/netns/\(namespace): errno \(errno)") }
        defer { close(target) }
        guard setns(target, cloneNewNet) == 0 else { throw NamespaceError("setns(\(namespace)): errno \(errno)") }
        defer {
            // Failing to return would leave the test runner's thread in a deleted namespace.
            precondition(setns(original, cloneNewNet) == 0, "cannot return to the original network namespace")
        }
        return try body()
    }

    struct NamespaceError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Test topology (all inside namespaces the test creates):
///
///     [A] <p>a0 (192.168.225.20 by NetlinkIO) <-> <p>b0 192.168.225.1 [B] <p>b1 198.51.100.1 <-> <p>c0 198.51.100.7 [C]
///     [A] <p>a1 10.99.0.2 (main default route, metric 0) <-> <p>d0 10.99.0.1 [D] (dead end)
///
/// B forwards; C routes back to 192.168.225.0/24 via B. A's main default route leads into D,
/// where nothing forwards, so only policy routing or the oif-bound route reaches C.
final class NetlinkTopology {
    let scope: NamespaceScope
    let a: String, b: String, c: String, d: String
    let cellular: String, lan: String
    static let address = "192.168.225.20"
    static let gateway = "192.168.225.1"
    static let internet = "198.51.100.7"

    init() throws {
        scope = NamespaceScope()
        let p = scope.prefix
        a = try scope.add("a")
        b = try scope.add("b")
        c = try scope.add("c")
        d = try scope.add("d")
        cellular = "\(p)a0"
        lan = "\(p)a1"
        try scope.link(a, cellular, nil, b, "\(p)b0", "192.168.225.1/24")
        try scope.link(b, "\(p)b1", "198.51.100.1/24", c, "\(p)c0", "198.51.100.7/24")
        try scope.link(a, lan, "10.99.0.2/24", d, "\(p)d0", "10.99.0.1/24")
        try Command.inNamespace(b, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        try Command.check(["ip", "-n", c, "route", "add", "192.168.225.0/24", "via", "198.51.100.1"])
        try Command.check(["ip", "-n", a, "route", "add", "default", "via", "10.99.0.1", "dev", lan])
    }

    func close() { scope.close() }

    /// `ip -n A <args>` output.
    func ip(_ args: [String]) throws -> String {
        try Command.check(["ip", "-n", a] + args).stdout
    }

    /// Lines of `ip -n A route show table all` that are ours (proto 149), normalised.
    func ourRoutes() throws -> [String] {
        try ip(["route", "show", "table", "all"])
            .split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            .filter { $0.contains(" proto 149 ") || $0.hasSuffix(" proto 149") }.sorted()
    }

    func rules() throws -> [String] {
        try ip(["rule", "show"]).split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    }

    /// Whether one ping from A with `ping` arguments gets an answer within 1 s.
    func ping(_ args: [String]) throws -> Bool {
        try Command.run(["ip", "netns", "exec", a, "ping", "-c", "1", "-W", "1"] + args + [Self.internet]).succeeded
    }
}
