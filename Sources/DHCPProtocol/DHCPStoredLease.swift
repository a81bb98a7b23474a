import BG95Core
/// The last lease, as kept in a state file for INIT-REBOOT (RFC 2131 §3.2).
///
/// The format is small `key=value` text, one per line, `#` comments, unknown keys ignored
/// (so newer files still load). `init(parsing:)` refuses a file without `version=1`, a valid
/// `address` or a valid `server`, and any value that does not parse (typed reason); it never
/// trusts the file further than that: the address is only *asked for* again, the server decides.
/// Times are wall-clock Unix seconds because boot time restarts at every boot.
public struct DHCPStoredLease: Equatable, Sendable {
    public var address: IPv4Address
    public var prefixLength: Int
    public var serverIdentifier: IPv4Address
    public var gateway: IPv4Address?
    public var dnsServers: [IPv4Address]
    public var leaseSeconds: UInt32
    /// Wall-clock time of the ACK (Unix seconds).
    public var acquiredUnixSeconds: Int64

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unsupportedVersion(String?)
        case missing(String)
        case badValue(key: String, value: String)

        public var description: String {
            switch self {
            case .unsupportedVersion(let v): return "unsupported state file version \(v ?? "(none)")"
            case .missing(let key): return "state file has no \(key)"
            case .badValue(let key, let value): return "state file: bad \(key) value '\(value.prefix(40))'"
            }
        }
    }

    public init(lease: DHCPLease, acquiredUnixSeconds: Int64) {
        address = lease.address
        prefixLength = lease.prefixLength
        serverIdentifier = lease.serverIdentifier
        gateway = lease.gateway
        dnsServers = lease.dnsServers
        leaseSeconds = lease.leaseSeconds
        self.acquiredUnixSeconds = acquiredUnixSeconds
    }

    /// Whether the lease is still valid at wall-clock time `unixSeconds`.
    public func isValid(atUnixSeconds unixSeconds: Int64) -> Bool {
        leaseSeconds == DHCPLease.infinite || unixSeconds < acquiredUnixSeconds + Int64(leaseSeconds)
    }

    public var text: String {
        var lines = ["# bg95 DHCP lease (INIT-REBOOT state)", "version=1", "address=\(address)",
                     "prefix=\(prefixLength)", "server=\(serverIdentifier)"]
        if let gateway { lines.append("gateway=\(gateway)") }
        if !dnsServers.isEmpty { lines.append("dns=" + dnsServers.map(\.description).joined(separator: ",")) }
        lines.append("lease=\(leaseSeconds)")
        lines.append("acquired=\(acquiredUnixSeconds)")
        return lines.joined(separator: "\n") + "\n"
    }

    public init(parsing text: String) throws(ParseError) {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw .badValue(key: "line", value: String(line)) }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard values["version"] == "1" else { throw .unsupportedVersion(values["version"]) }
        func required(_ key: String) throws(ParseError) -> String {
            guard let v = values[key] else { throw .missing(key) }
            return v
        }
        func address(_ key: String, _ v: String) throws(ParseError) -> IPv4Address {
            guard let a = IPv4Address(v) else { throw .badValue(key: key, value: v) }
            return a
        }
        self.address = try address("address", try required("address"))
        serverIdentifier = try address("server", try required("server"))
        let prefixText = values["prefix"] ?? "32"
        guard let prefix = Int(prefixText), (0...32).contains(prefix) else { throw .badValue(key: "prefix", value: prefixText) }
        prefixLength = prefix
        gateway = try values["gateway"].map { v throws(ParseError) in try address("gateway", v) }
        var dns: [IPv4Address] = []
        for part in (values["dns"] ?? "").split(separator: ",") { dns.append(try address("dns", String(part))) }
        dnsServers = dns
        let leaseText = values["lease"] ?? "0"
        guard let lease = UInt32(leaseText) else { throw .badValue(key: "lease", value: leaseText) }
        leaseSeconds = lease
        let acquiredText = values["acquired"] ?? "0"
        guard let acquired = Int64(acquiredText) else { throw .badValue(key: "acquired", value: acquiredText) }
        acquiredUnixSeconds = acquired
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
