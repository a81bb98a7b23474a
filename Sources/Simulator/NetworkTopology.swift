import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The namespaces of the test-rig topology for one prefix, and the module's network side.
///
/// ```
///  [<P>-host]              [<P>-modem]                          [<P>-pdn]
///  <ecm-ifname> <--veth--> ecm0 192.168.225.1/24   pdn0 <--veth--> inet0 198.51.100.7/24
///                          dnsmasq, nft masquerade, forwarding ecm0 -> pdn0 only while
///                          the simulated data call is up
/// ```
/// Nothing here touches the root namespace: veths are created directly inside the target
/// namespaces.
final class NetworkTopology {
    static let gateway = "192.168.225.1"
    static let testHost = "198.51.100.7"
    static let testName = "testhost.bg95.test"
    static let modemUplinkAddress = "198.51.100.1"

    let prefix: String
    let runDirectory: String
    let ecmName: String
    var leaseTime: Int
    private(set) var dnsmasqPID: pid_t?
    private(set) var ecmPlugged = false
    private(set) var forwarding = false
    private(set) var carrier = true

    var hostNS: String { "\(prefix)-host" }
    var modemNS: String { "\(prefix)-modem" }
    var pdnNS: String { "\(prefix)-pdn" }
    static let modemECM = "ecm0"

    init(prefix: String, runDirectory: String, ecmName: String, leaseTime: Int) {
        self.prefix = prefix
        self.runDirectory = runDirectory
        self.ecmName = ecmName
        self.leaseTime = leaseTime
    }

    /// Creates the three namespaces, the modem<->pdn link, nftables and forwarding.
    func create() throws {
        for ns in [hostNS, modemNS, pdnNS] {
            try ProcessRunner.check(["ip", "netns", "add", ns])
            try ProcessRunner.check(["ip", "-n", ns, "link", "set", "lo", "up"])
        }
        try ProcessRunner.check(["ip", "link", "add", "pdn0", "netns", modemNS, "type", "veth", "peer", "name", "inet0", "netns", pdnNS])
        try ProcessRunner.check(["ip", "-n", modemNS, "addr", "add", "\(Self.modemUplinkAddress)/24", "dev", "pdn0"])
        try ProcessRunner.check(["ip", "-n", modemNS, "link", "set", "pdn0", "up"])
        try ProcessRunner.check(["ip", "-n", pdnNS, "addr", "add", "\(Self.testHost)/24", "dev", "inet0"])
        try ProcessRunner.check(["ip", "-n", pdnNS, "link", "set", "inet0", "up"])
        try ProcessRunner.check(["ip", "netns", "exec", modemNS, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        let rules = """
            table inet bg95sim {
                chain datacall {
                }
                chain forward {
                    type filter hook forward priority 0; policy drop;
                    jump datacall
                }
                chain postrouting {
                    type nat hook postrouting priority 100;
                    oifname "pdn0" masquerade
                }
            }

            """
        let path = runDirectory + "/nft.rules"
        try rules.write(toFile: path, atomically: true, encoding: .utf8)
        try ProcessRunner.check(["ip", "netns", "exec", modemNS, "nft", "-f", path])
    }

    /// Opens or closes the ECM -> pdn path (the simulated data call).
    func setForwarding(_ on: Bool) throws {
        guard on != forwarding else { return }
        if on {
            try ProcessRunner.check(["ip", "netns", "exec", modemNS, "nft", "add", "rule", "inet", "bg95sim", "datacall",
                                     "iifname", Self.modemECM, "oifname", "pdn0", "accept"])
            try ProcessRunner.check(["ip", "netns", "exec", modemNS, "nft", "add", "rule", "inet", "bg95sim", "datacall",
                                     "iifname", "pdn0", "oifname", Self.modemECM, "ct", "state", "established,related", "accept"])
        } else {
            try ProcessRunner.check(["ip", "netns", "exec", modemNS, "nft", "flush", "chain", "inet", "bg95sim", "datacall"])
        }
        forwarding = on
    }

    /// Creates the ECM veth: `<ecmName>` in the host namespace (down, as a fresh net device is),
    /// `ecm0` with the gateway address in the modem namespace. Returns the host end's ifindex.
    func plugECM(mac: String) throws -> Int {
        try ProcessRunner.check(["ip", "link", "add", ecmName, "netns", hostNS, "address", mac, "type", "veth",
                                 "peer", "name", Self.modemECM, "netns", modemNS])
        ecmPlugged = true
        try ProcessRunner.check(["ip", "-n", modemNS, "addr", "add", "\(Self.gateway)/24", "dev", Self.modemECM])
        try ProcessRunner.check(["ip", "-n", modemNS, "link", "set", Self.modemECM, carrier ? "up" : "down"])
        let out = try ProcessRunner.check(["ip", "-n", hostNS, "-o", "link", "show", "dev", ecmName]).output
        // "7: eth2@if3: <...>"; ip may print a warning line first ("Peer netns reference is
        // invalid" while the peer namespace id is being assigned), so look for the link line.
        for line in out.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2)
            if fields.count == 3, let index = Int(fields[0].trimmingCharacters(in: .whitespaces)),
               fields[1].trimmingCharacters(in: .whitespaces).hasPrefix(ecmName) {
                return index
            }
        }
        throw SimulatorError.setup("cannot read the ifindex of \(ecmName): \(out)")
    }

    /// Deletes the ECM veth (both ends go).
    func unplugECM() {
        guard ecmPlugged else { return }
        ProcessRunner.run(["ip", "-n", hostNS, "link", "del", ecmName])
        ecmPlugged = false
    }

    /// Carrier on the host end follows the modem end's admin state, like cdc_ether's
    /// network-connection notification.
    func setCarrier(_ on: Bool) throws {
        carrier = on
        guard ecmPlugged else { return }
        try ProcessRunner.check(["ip", "-n", modemNS, "link", "set", Self.modemECM, on ? "up" : "down"])
    }

    var leaseFile: String { runDirectory + "/dnsmasq.leases" }
    var dnsmasqLog: String { runDirectory + "/dnsmasq.log" }

    /// Starts the module's DHCP/DNS server on ecm0. `--no-ping`: dnsmasq would otherwise probe
    /// each new address for 3 s before offering it, which every test would pay for.
    func startDHCP() throws {
        guard dnsmasqPID == nil, ecmPlugged else { return }
        let logFD = open(dnsmasqLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { if logFD >= 0 { close(logFD) } }
        let argv = [
            "ip", "netns", "exec", modemNS, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--bind-interfaces",
            "--interface=\(Self.modemECM)", "--except-interface=lo", "--listen-address=\(Self.gateway)",
            "--dhcp-range=192.168.225.20,192.168.225.60,255.255.255.0,\(leaseTime)",
            "--dhcp-option=option:router,\(Self.gateway)", "--dhcp-option=option:dns-server,\(Self.gateway)",
            "--host-record=\(Self.testName),\(Self.testHost)", "--dhcp-leasefile=\(leaseFile)",
            "--pid-file=\(runDirectory)/dnsmasq.pid", "--no-resolv", "--no-hosts", "--no-ping", "--dhcp-authoritative",
            "--log-dhcp", "--log-facility=-", "--user=root",
        ]
        let pid = try ProcessRunner.spawn(argv, environment: ProcessRunner.helperEnvironment(), stdout: logFD, stderr: logFD)
        dnsmasqPID = pid
        // Acked only once in effect: wait until dnsmasq has bound its DHCP socket.
        for _ in 0..<200 {
            if let status = ProcessRunner.poll(pid) {
                dnsmasqPID = nil
                throw SimulatorError.setup("dnsmasq exited \(status); see \(dnsmasqLog)")
            }
            if dnsmasqListening() { return }
            usleep(10_000)
        }
        throw SimulatorError.setup("dnsmasq did not start listening within 2 s")
    }

    private func dnsmasqListening() -> Bool {
        let out = ProcessRunner.run(["ip", "netns", "exec", modemNS, "ss", "-H", "-u", "-l", "-n", "sport", "= :67"])
        return out.succeeded && !out.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    func stopDHCP() {
        guard let pid = dnsmasqPID else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 {
            if ProcessRunner.poll(pid) != nil { dnsmasqPID = nil; return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = ProcessRunner.wait(pid)
        dnsmasqPID = nil
    }

    var dhcpRunning: Bool { dnsmasqPID != nil }

    /// Kills everything in the namespaces and deletes them.
    func destroy() {
        stopDHCP()
        Self.deleteNamespaces(prefix: prefix)
    }

    /// Removes the namespaces of `prefix` and the processes in them (also leftovers of a killed run).
    static func deleteNamespaces(prefix: String) {
        for role in ["host", "modem", "pdn"] {
            let ns = "\(prefix)-\(role)"
            guard FileManager.default.fileExists(atPath: "/run/netns/\(ns)") else { continue }
            for _ in 0..<3 {
                let pids = ProcessRunner.run(["ip", "netns", "pids", ns]).output.split(whereSeparator: \.isWhitespace)
                if pids.isEmpty { break }
                for pid in pids { if let p = pid_t(pid), p != getpid() { kill(p, SIGKILL) } }
                usleep(20_000)
            }
            ProcessRunner.run(["ip", "netns", "del", ns])
        }
    }
}
