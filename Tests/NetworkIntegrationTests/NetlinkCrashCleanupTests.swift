import Foundation
import TestSupport
import XCTest

/// `bg95d netconfig` killed with SIGKILL leaves its objects behind; the next run removes
/// exactly those (protocol 149) and leaves everyone else's alone.
final class NetlinkCrashCleanupTests: XCTestCase {
    private var topology: NetlinkTopology!
    private var folder: String!

    override func setUpWithError() throws {
        try TestEnvironment.requireRoot()
        try TestEnvironment.requireTools(["ip", "ping", "sysctl"])
        topology = try NetlinkTopology()
        folder = NSTemporaryDirectory() + "bg95-netlink-\(topology.scope.prefix)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        topology?.close()
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// A started `bg95d` whose stdout lines can be awaited.
    private final class Daemon: @unchecked Sendable {
        let process = Process()
        private var output = ""
        private let condition = NSCondition()

        init(_ argv: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = argv
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self else { return }
                self.condition.lock()
                self.output += String(decoding: data, as: UTF8.self)
                self.condition.broadcast()
                self.condition.unlock()
                if data.isEmpty { handle.readabilityHandler = nil }
            }
            try process.run()
        }

        func waitForLine(_ line: String, timeout: TimeInterval = 10) -> Bool {
            let deadline = Date(timeIntervalSinceNow: timeout)
            condition.lock()
            defer { condition.unlock() }
            while !output.split(separator: "\n").contains(Substring(line)) {
                if !condition.wait(until: deadline) { return false }
            }
            return true
        }

        var text: String {
            condition.lock()
            defer { condition.unlock() }
            return output
        }

        func kill(_ signal: Int32) {
            Foundation.kill(process.processIdentifier, signal)
            process.waitUntilExit()
        }
    }

    func testSecondRunAfterSIGKILLRemovesOnlyItsOwnLeftovers() throws {
        let bg95d = try TestEnvironment.product("bg95d")
        let dnsFile = folder + "/resolv.conf"
        let apply = ["netns", "exec", topology.a, bg95d, "netconfig", "apply", topology.cellular,
                     "--address", "192.168.225.20/24", "--gateway", "192.168.225.1", "--dns", "192.168.225.1",
                     "--lifetime", "3600", "--set", "dns_backend=file", "--set", "dns_file=\(dnsFile)",
                     "--set", "state_dir=\(folder + "/state")", "--hold"]
        let rulesBefore = try topology.rules()

        let first = try Daemon(apply)
        XCTAssertTrue(first.waitForLine("ready"), first.text)
        let installed = try topology.ourRoutes()
        XCTAssertEqual(installed.count, 3, "\(installed)")
        XCTAssertEqual(try String(contentsOfFile: dnsFile, encoding: .utf8).contains("nameserver 192.168.225.1\n"), true)

        // Everyone else's objects, some in our table and at our rule priority.
        let a = topology.a
        try Command.check(["ip", "-n", a, "route", "add", "203.0.113.0/24", "via", "10.99.0.1", "table", "1095", "proto", "static"])
        try Command.check(["ip", "-n", a, "route", "add", "203.0.113.0/24", "via", "10.99.0.1", "proto", "dhcp", "metric", "1024"])
        try Command.check(["ip", "-n", a, "rule", "add", "from", "10.99.0.2", "lookup", "1095", "priority", "1095", "protocol", "static"])
        try Command.check(["ip", "-n", a, "addr", "add", "10.123.0.5/24", "dev", topology.cellular])
        let foreignRoutes = try topology.ip(["-4", "route", "show", "table", "all"]).split(separator: "\n").filter { !$0.contains("proto 149") && !$0.contains("192.168.225") }
        let foreignRules = try topology.rules().filter { !$0.contains("proto 149") }

        first.kill(SIGKILL)
        XCTAssertEqual(first.process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try topology.ourRoutes(), installed, "a killed run leaves its routes behind")

        // The second run: cleanup finds exactly our three routes, one rule and one address.
        let cleanup = try Command.check(["ip", "netns", "exec", a, bg95d, "netconfig", "cleanup"]).stdout
        let removed = cleanup.split(separator: "\n")
        XCTAssertEqual(removed.filter { $0.hasPrefix("remove route") }.count, 3, cleanup)
        XCTAssertEqual(removed.filter { $0.hasPrefix("remove rule") }.count, 1, cleanup)
        XCTAssertEqual(removed.filter { $0.hasPrefix("remove address") }.count, 1, cleanup)
        XCTAssertEqual(try topology.ourRoutes(), [])
        XCTAssertEqual(try topology.rules().filter { $0.contains("proto 149") }, [])
        XCTAssertEqual(try topology.rules().filter { !$0.contains("proto 149") }, foreignRules)
        let routesAfter = try topology.ip(["-4", "route", "show", "table", "all"]).split(separator: "\n").filter { !$0.contains("192.168.225") }
        XCTAssertEqual(routesAfter, foreignRoutes)
        let addresses = try topology.ip(["-4", "addr", "show", "dev", topology.cellular])
        XCTAssertFalse(addresses.contains("192.168.225.20"), addresses)
        XCTAssertTrue(addresses.contains("10.123.0.5/24"), addresses)
        XCTAssertEqual(try Command.check(["ip", "netns", "exec", a, bg95d, "netconfig", "cleanup"]).stdout, "", "nothing left to clean")

        // A run that is stopped properly removes what it installed, DNS file included.
        let second = try Daemon(apply)
        XCTAssertTrue(second.waitForLine("ready"), second.text)
        XCTAssertEqual(try topology.ourRoutes(), installed)
        second.kill(SIGTERM)
        XCTAssertTrue(second.waitForLine("removed"), second.text)
        XCTAssertEqual(second.process.terminationStatus, 0, second.text)
        XCTAssertEqual(try topology.ourRoutes(), [])
        XCTAssertEqual(try topology.rules().filter { $0.contains("proto 149") }, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dnsFile))
        XCTAssertEqual(try topology.rules().count, rulesBefore.count + 1, "only the foreign rule remains added")
    }
}
