import BG95CommandLine
import BG95Control
import BG95Daemon
import BG95Core
import BG95System
import DHCPIO
import DHCPProtocol
import Dispatch
import Netconfig
import NetlinkIO
#if canImport(Glibc)
import Glibc
#endif

/// `bg95d dhcp <interface>`: run only the DHCP client on an existing interface.
///
/// Without `--configure` it acquires a lease, prints it and exits (like `dhcpcd -T`). With
/// `--configure` it also applies the lease the way the daemon does (its `NetworkConfigurator`:
/// address, routes, policy rule and DNS, configured with the daemon's keys through `--config` /
/// `--set`) and holds it (renewing, rebinding) until SIGTERM/SIGINT, then removes exactly what
/// it installed.
struct DHCPCommand: CommandLineCommand {
    static let name = "dhcp"
    static let abstract = "Run only the DHCP client on an existing interface and print the lease as JSON."
    static let discussion = """
        Prints the lease (address, prefix, gateway, dns, leaseSeconds/t1/t2, serverId, \
        packetsSent/Received, msToAck). With --configure or --hold it keeps running and prints \
        one line per event (bound, renewed, lost, stopped) until SIGTERM/SIGINT. \
        Exit status: 0 lease acquired (or held until a signal), 1 error, 2 timeout.
        """

    static var table: [CommandLineArgument<Self>] { [
        .positional("interface", help: "The network interface to run DHCP on (it must exist; it is brought up with --configure).", \.interface),
        .flag("json", help: "Print JSON (one object per line) instead of text.", \.json),
        .flag("configure", help: "Apply the lease as the daemon does (address, routes, policy rule, DNS; keys from --config/--set) and hold it until SIGTERM.", \.configure),
        .flag("hold", help: "Keep running and renewing without configuring anything (implied by --configure).", \.hold),
        .flag("rapid-commit", inversion: "no-rapid-commit", help: "Ask for Rapid Commit (option 80): a 2-packet exchange when the server allows it.", \.rapidCommit),
        .option("state-file", help: "Remember the lease here and start with INIT-REBOOT from it.", \.stateFile),
        .option("timeout", help: "Seconds to wait for the first lease before giving up (exit 2).", \.timeout),
        .flag("release-on-exit", help: "Send DHCPRELEASE when exiting (after printing the lease, or on SIGTERM).", \.releaseOnExit),
        .option("renew-after", help: "FOR TESTING: renew (T1) this many seconds after each ACK instead of the server's T1.", \.renewAfter),
        .option("rebind-after", help: "FOR TESTING: rebind (T2) this many seconds after each ACK.", \.rebindAfter),
        .option("expire-after", help: "FOR TESTING: treat the lease as expiring this many seconds after each ACK.", \.expireAfter),
        .option("arp-probe", help: "Probe a new address with ARP for this many milliseconds before using it; DHCPDECLINE it when another host answers (default 0: no probe).", \.arpProbe),
        .flag("verbose", help: "Log the client's state changes and packets to stderr.", \.verbose),
    ] + ConfigurationOptions.table.map { $0.lifted(\.file) } }

    var interface = ""
    var json = false
    var configure = false
    var hold = false
    var rapidCommit = true
    var stateFile: String?
    var timeout: Double = 30
    var releaseOnExit = false
    var renewAfter: UInt32?
    var rebindAfter: UInt32?
    var expireAfter: UInt32?
    var arpProbe: Int64 = 0
    /// With --configure: the daemon's keys for routes, the policy rule and DNS (route_metric,
    /// take_default_route, policy_table, policy_priority, dns_backend, dns_file, state_dir).
    var file = ConfigurationOptions()
    var verbose = false

    func validate() throws {
        guard !interface.isEmpty, interface.utf8.count < 16, !interface.contains("/"),
              interface.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ValidationError("invalid interface name")
        }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be in (0, 86400] seconds") }
        if let s = stateFile, s.isEmpty { throw ValidationError("--state-file must not be empty") }
        guard (0...10_000).contains(arpProbe) else { throw ValidationError("--arp-probe must be 0-10000 ms") }
        _ = try file.load()
    }

    func run() throws {
        let session = DHCPSession(command: self)
        session.queue.async { session.begin() }
        dispatchMain()
    }
}

/// The running `bg95d dhcp`: owns the client, the optional netlink installer and the output.
final class DHCPSession: @unchecked Sendable {
    let command: DHCPCommand
    let queue = DispatchQueue(label: "bg95d.dhcp")
    private var client: DHCPClient?
    private var network: NetworkConfigurator?
    private var startNanoseconds: UInt64 = 0
    private var firstAckNanoseconds: UInt64?
    private var signalSources: [DispatchSourceSignal] = []
    private lazy var timers = OneShotTimers<SessionTimer>(queue: queue)
    private enum SessionTimer: Hashable, Sendable { case firstLeaseTimeout }
    private var holding: Bool { command.configure || command.hold }

    init(command: DHCPCommand) { self.command = command }

    func begin() {
        startNanoseconds = DHCPSession.now()
        var options = DHCPClient.Options()
        options.rapidCommit = command.rapidCommit
        options.releaseOnStop = command.releaseOnExit
        options.renewAfterOverride = command.renewAfter
        options.rebindAfterOverride = command.rebindAfter
        options.expireAfterOverride = command.expireAfter
        options.addressProbeMilliseconds = command.arpProbe > 0 ? command.arpProbe : nil
        let client: DHCPClient
        do {
            client = try DHCPClient(interfaceName: command.interface, options: options, queue: queue)
        } catch {
            fail("\(command.interface): \(error)", status: 1)
        }
        self.client = client
        if command.configure {
            do {
                let configuration = try command.file.load()
                let network = try NetworkConfigurator(configuration: configuration, log: DaemonLogger(level: configuration.logLevel))
                // Leftovers of an earlier run that was killed: only objects carrying our tag.
                for removed in network.removeLeftovers() { DHCPSession.stderr("bg95d dhcp: removed leftover \(removed)") }
                _ = try network.bringUp(command.interface)
                self.network = network
            } catch {
                fail("\(error)", status: 1)
            }
        }
        client.onLog = { [command] line in
            if command.verbose { DHCPSession.stderr("dhcp: \(line)") }
        }
        client.onLeaseAcquired = { [unowned self] lease in acquired(lease) }
        client.onLeaseRenewed = { [unowned self] lease in renewed(lease) }
        client.onLeaseLost = { [unowned self] lease, reason in lost(lease, reason) }
        client.onFailed = { [unowned self] error in fail("\(error)", status: 1) }

        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [unowned self] in finish(status: 0) }
            source.resume()
            signalSources.append(source)
        }
        timers.start(.firstLeaseTimeout, after: .nanoseconds(Int64(command.timeout * 1e9)), leeway: .nanoseconds(0)) { [unowned self] _ in
            guard firstAckNanoseconds == nil else { return }
            emit([("event", .string("failed")), ("reason", .string("timeout")), ("timeoutSeconds", .number(command.timeout))] + counters(),
                 text: "no lease after \(command.timeout) s")
            self.client?.stop()
            exit(2)
        }

        client.start(previousAddress: storedAddress())
    }

    // MARK: - Lease events

    private func acquired(_ lease: DHCPLease) {
        if firstAckNanoseconds == nil { firstAckNanoseconds = DHCPSession.now() }
        apply(lease)
        store(lease)
        emit([("event", .string("bound"))] + fields(lease) + counters(), text: "bound \(lease)")
        if !holding { finish(status: 0) }
    }

    private func renewed(_ lease: DHCPLease) {
        apply(lease)
        store(lease)
        emit([("event", .string("renewed"))] + fields(lease) + counters(), text: "renewed \(lease)")
    }

    private func lost(_ lease: DHCPLease, _ reason: DHCPLossReason) {
        network?.remove()
        if reason == .released || reason == .nak || reason == .expired || reason == .declined, let path = command.stateFile {
            unlink(path)
        }
        guard holding || reason == .released else { return }
        emit([("event", .string("lost")), ("reason", .string(reason.rawValue)), ("address", .string(lease.address.description))] + counters(),
             text: "lost \(lease.address): \(reason.rawValue)")
    }

    private func apply(_ lease: DHCPLease) {
        guard let network else { return }
        do {
            try network.apply(lease, on: command.interface)
        } catch {
            DHCPSession.stderr("bg95d dhcp: configuring \(lease.address): \(error)")
        }
    }

    // MARK: - Exit

    private func finish(status: Int32) {
        guard let client else { exit(status) }
        client.stop()  // RELEASE when asked; reports the loss, which removes our configuration
        if holding || command.releaseOnExit {
            emit([("event", .string("stopped"))] + counters(), text: "stopped")
        }
        self.client = nil
        exit(status)
    }

    private func fail(_ message: String, status: Int32) -> Never {
        DHCPSession.stderr("bg95d dhcp: \(message)")
        exit(status)
    }

    // MARK: - State file

    private func storedAddress() -> IPv4Address? {
        guard let path = command.stateFile, let text = DHCPSession.readFile(path) else { return nil }
        do {
            let stored = try DHCPStoredLease(parsing: text)
            guard stored.isValid(atUnixSeconds: Int64(time(nil))) else { return nil }
            return stored.address
        } catch {
            DHCPSession.stderr("bg95d dhcp: ignoring \(path): \(error)")
            return nil
        }
    }

    private func store(_ lease: DHCPLease) {
        guard let path = command.stateFile else { return }
        let text = DHCPStoredLease(lease: lease, acquiredUnixSeconds: Int64(time(nil))).text
        do {
            try TextFile.writeAtomically(text, to: path, mode: 0o600)
        } catch {
            DHCPSession.stderr("bg95d dhcp: could not write \(path): \(error)")
        }
    }

    static func readFile(_ path: String) -> String? {
        (try? TextFile.read(path, limit: 65_536)) ?? nil
    }

    // MARK: - Output

    private func fields(_ lease: DHCPLease) -> [(String, JSONValue)] {
        var f: [(String, JSONValue)] = [
            ("interface", .string(command.interface)),
            ("address", .string(lease.address.description)),
            ("prefix", .number(Double(lease.prefixLength))),
            ("gateway", lease.gateway.map { .string($0.description) } ?? .null),
            ("dns", .array(lease.dnsServers.map { .string($0.description) })),
            ("domain", lease.domainName.map { .string($0) } ?? .null),
            ("mtu", lease.mtu.map { .number(Double($0)) } ?? .null),
            ("leaseSeconds", .number(Double(lease.leaseSeconds))),
            ("t1", .number(Double(lease.renewalSeconds))),
            ("t2", .number(Double(lease.rebindingSeconds))),
            ("serverId", .string(lease.serverIdentifier.description)),
        ]
        if let ack = firstAckNanoseconds {
            f.append(("msToAck", .number(Double((ack - startNanoseconds) / 1000) / 1000)))
        }
        return f
    }

    private func counters() -> [(String, JSONValue)] {
        guard let stats = client?.statistics else { return [] }
        var dropped: [String: JSONValue] = [:]
        for reason in DHCPDropReason.allCases { if let n = stats.dropped[reason] { dropped[reason.rawValue] = .number(Double(n)) } }
        return [("packetsSent", .number(Double(stats.packetsSent))), ("packetsReceived", .number(Double(stats.packetsReceived))),
                ("packetsDropped", .object(dropped))]
    }

    private func emit(_ object: [(String, JSONValue)], text: String) {
        // The control protocol's writer: one line, keys sorted, nulls kept.
        let document = JSONValue.object(Dictionary(object, uniquingKeysWith: { _, last in last }))
        DHCPSession.write(1, command.json ? String(decoding: ControlJSON.encode(document), as: UTF8.self) : text)
    }

    static func stderr(_ line: String) { write(2, line) }

    /// One whole line per write(2), so readers waiting for lines never see half of one.
    static func write(_ fd: Int32, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
