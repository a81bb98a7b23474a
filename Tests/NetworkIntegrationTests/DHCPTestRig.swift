import Foundation
import TestSupport
import XCTest

/// A child process whose stdout and stderr are collected line by line, so a test can wait for
/// a named event ("bound", "DHCPACK(...)") with a generous timeout instead of sleeping.
///
/// Spawned with posix_spawn and reaped by its own `waitpid(pid)` thread (not Foundation's
/// Process, whose exit detection did not fire for children started under `ip netns exec` here).
final class DHCPLineProcess: @unchecked Sendable {
    let argv: [String]
    let pid: pid_t
    private let condition = NSCondition()
    private var stdoutLines: [String] = []
    private var stderrLines: [String] = []
    private var partial: [Int32: [UInt8]] = [1: [], 2: []]
    private var openStreams = 2
    private var exitStatus: Int32?

    init(_ argv: [String]) throws {
        self.argv = argv
        let path = TestEnvironment.which(argv[0]) ?? argv[0]
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw DHCPRigError.badOutput("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, nil, &cArgs, environ)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw DHCPRigError.badOutput("posix_spawn \(path): \(rc)")
        }
        pid = child
        for (fd, stream) in [(outPipe[0], Int32(1)), (errPipe[0], Int32(2))] {
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    append(Array(buffer.prefix(n)), stream: stream)
                }
                close(fd)
                condition.lock()
                if let rest = partial[stream], !rest.isEmpty { store(String(decoding: rest, as: UTF8.self), stream) }
                openStreams -= 1
                condition.broadcast()
                condition.unlock()
            }
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            condition.lock()
            // WIFEXITED ? WEXITSTATUS : 128 + signal
            exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            condition.broadcast()
            condition.unlock()
        }
    }

    private func append(_ bytes: [UInt8], stream: Int32) {
        condition.lock()
        defer { condition.unlock() }
        var data = partial[stream]! + bytes
        while let newline = data.firstIndex(of: 10) {
            store(String(decoding: data[..<newline], as: UTF8.self), stream)
            data.removeSubrange(...newline)
        }
        partial[stream] = data
        condition.broadcast()
    }

    private func store(_ line: String, _ stream: Int32) {
        if stream == 1 { stdoutLines.append(line) } else { stderrLines.append(line) }
        if ProcessInfo.processInfo.environment["BG95_TEST_VERBOSE"] != nil {
            FileHandle.standardError.write(Data("[\(argv.count > 4 ? argv[4] : argv[0])] \(line)\n".utf8))
        }
    }

    var output: [String] { condition.lock(); defer { condition.unlock() }; return stdoutLines }
    var errors: [String] { condition.lock(); defer { condition.unlock() }; return stderrLines }
    var isRunning: Bool { condition.lock(); defer { condition.unlock() }; return exitStatus == nil }

    /// Waits for a line on stdout (or stderr) containing `text`; fails the test after `timeout`.
    @discardableResult
    func waitForLine(containing text: String, onStderr: Bool = false, timeout: TimeInterval = 20,
                     file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let lines = onStderr ? stderrLines : stdoutLines
            if let found = lines.first(where: { $0.contains(text) }) { return found }
            if !condition.wait(until: deadline) {
                XCTFail("no line containing '\(text)' within \(timeout) s from `\(argv.joined(separator: " "))`\nstdout:\n\(stdoutLines.joined(separator: "\n"))\nstderr:\n\(stderrLines.suffix(40).joined(separator: "\n"))", file: file, line: line)
                throw DHCPRigError.timeout(text)
            }
        }
    }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits for exit and the end of its output (bounded) and returns the status.
    @discardableResult
    func waitForExit(timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while exitStatus == nil || openStreams > 0 {
            if !condition.wait(until: deadline) {
                XCTFail("`\(argv.joined(separator: " "))` did not exit within \(timeout) s", file: file, line: line)
                kill(pid, SIGKILL)
                throw DHCPRigError.timeout("exit")
            }
        }
        return exitStatus!
    }

    deinit { if isRunning { kill(pid, SIGKILL) } }
}

enum DHCPRigError: Error { case timeout(String), badOutput(String) }

/// Two namespaces joined by a veth: the client end (no address) and the server end with
/// 192.168.225.1/24 where a real dnsmasq runs per test (own lease, pid and log files).
final class DHCPRig {
    let scope: NamespaceScope
    let clientNamespace: String
    let serverNamespace: String
    let clientInterface: String
    let serverInterface: String
    let directory: String
    private var servers: [DHCPLineProcess] = []

    init(file: StaticString = #filePath, line: UInt = #line) throws {
        try TestEnvironment.requireRoot(file: file, line: line)
        try TestEnvironment.requireTools(["ip", "dnsmasq"], file: file, line: line)
        scope = NamespaceScope()
        clientNamespace = try scope.add("dc")
        serverNamespace = try scope.add("ds")
        clientInterface = "\(scope.prefix)c"
        serverInterface = "\(scope.prefix)s"
        try scope.link(clientNamespace, clientInterface, nil, serverNamespace, serverInterface, "192.168.225.1/24")
        dhcpInterface = serverInterface
        directory = NSTemporaryDirectory() + "bg95-dhcp-\(scope.prefix)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The interface dnsmasq serves (the veth end, or a bridge after `addOtherHost`).
    private(set) var dhcpInterface: String

    var leaseFile: String { directory + "/dnsmasq.leases" }

    /// Puts the server's end into a bridge and attaches a third namespace holding `address`
    /// to it, so another host on the link answers ARP for that address.
    func addOtherHost(address: String) throws {
        let other = try scope.add("do")
        let bridge = "\(scope.prefix)br"
        try Command.check(["ip", "-n", serverNamespace, "link", "add", bridge, "type", "bridge"])
        try Command.check(["ip", "-n", serverNamespace, "addr", "flush", "dev", serverInterface])
        try Command.check(["ip", "-n", serverNamespace, "link", "set", serverInterface, "master", bridge])
        try Command.check(["ip", "-n", serverNamespace, "addr", "add", "192.168.225.1/24", "dev", bridge])
        try Command.check(["ip", "-n", serverNamespace, "link", "set", bridge, "up"])
        try scope.link(other, "\(scope.prefix)o", address, serverNamespace, "\(scope.prefix)b", nil)
        try Command.check(["ip", "-n", serverNamespace, "link", "set", "\(scope.prefix)b", "master", bridge])
        dhcpInterface = bridge
    }
    var stateFile: String { directory + "/client.lease" }

    /// Starts dnsmasq on the server end and waits until it says its DHCP range is active.
    @discardableResult
    func startServer(range: String = "192.168.225.20,192.168.225.60", extra: [String] = []) throws -> DHCPLineProcess {
        let n = servers.count
        let server = try DHCPLineProcess(["ip", "netns", "exec", serverNamespace, "dnsmasq", "--conf-file=/dev/null",
            "--keep-in-foreground", "--bind-interfaces", "--interface=\(dhcpInterface)", "--except-interface=lo",
            "--port=0", "--no-ping", "--dhcp-range=\(range),255.255.255.0,2m",
            "--dhcp-leasefile=\(leaseFile)", "--pid-file=\(directory)/dnsmasq\(n).pid",
            "--log-dhcp", "--log-facility=-"] + extra)
        servers.append(server)
        try server.waitForLine(containing: "DHCP, IP range", onStderr: true, timeout: 10)
        return server
    }

    /// Stops a dnsmasq and waits for it to be gone.
    func stopServer(_ server: DHCPLineProcess) throws {
        server.signal(SIGTERM)
        try server.waitForExit(timeout: 10)
    }

    /// `bg95d dhcp <client interface> --json ...` inside the client namespace, in the background.
    /// With `--configure` it writes DNS and its state like the daemon: into this rig's folder.
    func startClient(_ arguments: [String]) throws -> DHCPLineProcess {
        let bg95d = try TestEnvironment.product("bg95d")
        let own = ["--set", "state_dir=\(directory)/state", "--set", "dns_file=\(dnsFile)"]
        return try DHCPLineProcess(["ip", "netns", "exec", clientNamespace, bg95d, "dhcp", clientInterface, "--json"] + own + arguments)
    }

    /// The resolv.conf-format file `bg95d dhcp --configure` writes (the daemon's `file` backend).
    var dnsFile: String { directory + "/resolv.conf" }

    /// Runs `bg95d dhcp` to completion and returns its JSON lines.
    func runClient(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, events: [[String: Any]], stderr: [String]) {
        let client = try startClient(arguments)
        let status = try client.waitForExit(timeout: 30, file: file, line: line)
        return (status, try client.output.map(DHCPRig.parse), client.errors)
    }

    static func parse(_ line: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw DHCPRigError.badOutput(line)
        }
        return object
    }

    /// The IPv4 addresses on the client interface ("a.b.c.d/p").
    func clientAddresses() throws -> [String] {
        let out = try Command.check(["ip", "-n", clientNamespace, "-4", "-o", "addr", "show", "dev", clientInterface]).stdout
        return out.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard let i = parts.firstIndex(of: "inet"), i + 1 < parts.count else { return nil }
            return String(parts[i + 1])
        }
    }

    func ip(_ args: [String]) throws -> String {
        try Command.check(["ip", "-n", clientNamespace] + args).stdout
    }

    func close() {
        for server in servers where server.isRunning { server.signal(SIGKILL) }
        scope.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { close() }
}
