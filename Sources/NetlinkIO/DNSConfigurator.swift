#if canImport(Glibc)
import Glibc
#endif
import BG95System
import Netconfig

/// Where validated resolvers go.
public enum DNSBackend: Equatable, Sendable, CustomStringConvertible {
    /// resolvconf/openresolv: `resolvconf -a <if>.bg95` with resolv.conf content on stdin,
    /// `resolvconf -d <if>.bg95` to remove (iwd and dhcpcd do the same).
    case resolvconf(executable: String)
    /// systemd-resolved per link: `resolvectl dns <if> <servers...>`, `resolvectl domain <if>
    /// <domains...>`, `resolvectl revert <if>` to remove.
    case systemdResolved(resolvectl: String)
    /// A resolv.conf-format file (default /run/bg95d/resolv.conf) the admin can link to;
    /// written atomically, deleted on removal.
    case file(path: String)
    /// DNS is left alone.
    case none

    public static let defaultFilePath = "/run/bg95d/resolv.conf"

    /// resolvconf when installed, else systemd-resolved when it runs, else the /run file.
    public static func detect(filePath: String = defaultFilePath) -> DNSBackend {
        for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where access(directory + "/resolvconf", X_OK) == 0 {
            return .resolvconf(executable: directory + "/resolvconf")
        }
        if access("/run/systemd/resolve/io.systemd.Resolve", F_OK) == 0 {
            for directory in ["/usr/bin", "/bin"] where access(directory + "/resolvectl", X_OK) == 0 {
                return .systemdResolved(resolvectl: directory + "/resolvectl")
            }
        }
        return .file(path: filePath)
    }

    public var description: String {
        switch self {
        case .resolvconf(let path): return "resolvconf (\(path))"
        case .systemdResolved(let path): return "systemd-resolved (\(path))"
        case .file(let path): return "file \(path)"
        case .none: return "none"
        }
    }
}

/// Why DNS could not be applied or removed.
public enum DNSConfiguratorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file backend points at /etc/resolv.conf (or what it links to) without permission.
    case refusingSystemResolvConf(String)
    /// The interface name is not safe to use as an argument/record name.
    case invalidInterfaceName(String)
    /// The file backend needs an absolute path.
    case relativePath(String)
    /// The helper program exited non-zero.
    case helperFailed(command: String, status: Int32, message: String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .refusingSystemResolvConf(let path): return "refusing to overwrite \(path) (set dns-allow-etc-resolv-conf to allow it)"
        case .invalidInterfaceName(let name): return "interface name \"\(name)\" is not usable for DNS configuration"
        case .relativePath(let path): return "DNS file \(path) is not an absolute path"
        case .helperFailed(let command, let status, let message): return "`\(command)` exited \(status): \(message)"
        case .system(let error): return error.description
        }
    }
}

/// Applies a validated `DNSConfiguration` for one interface through a `DNSBackend`.
///
/// Only `DNSConfiguration` values (already validated) reach files and command lines, and the
/// interface name is checked too, so nothing from the network can add lines or arguments.
/// The resolvconf and resolvectl backends run a short process synchronously (bounded by a
/// 10 s timeout); call from a queue that may block that long, or accept the short stall.
public struct DNSConfigurator: Sendable {
    public let backend: DNSBackend
    public let interface: String

    /// - Throws: `.refusingSystemResolvConf` when the file backend would write /etc/resolv.conf
    ///   (directly or through a symlink) and `allowSystemResolvConf` is false;
    ///   `.invalidInterfaceName` for names outside `[A-Za-z0-9._-]{1,15}`; `.relativePath`
    ///   for a file backend path not starting with `/`.
    public init(backend: DNSBackend, interface: String, allowSystemResolvConf: Bool = false) throws(DNSConfiguratorError) {
        let bytes = Array(interface.utf8)
        let allowed: (UInt8) -> Bool = {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
        guard (1...15).contains(bytes.count), bytes.allSatisfy(allowed), bytes.first != UInt8(ascii: "-") else {
            throw .invalidInterfaceName(interface)
        }
        if case .file(let path) = backend {
            guard path.hasPrefix("/") else { throw .relativePath(path) }
            if !allowSystemResolvConf, Self.isSystemResolvConf(path) { throw .refusingSystemResolvConf(path) }
        }
        self.backend = backend
        self.interface = interface
    }

    /// The record name given to resolvconf.
    public var resolvconfRecord: String { interface + ".bg95" }

    /// Installs `configuration` (replacing what this interface had). An empty configuration
    /// removes instead.
    public func apply(_ configuration: DNSConfiguration) throws(DNSConfiguratorError) {
        if configuration.isEmpty { return try remove() }
        switch backend {
        case .none:
            return
        case .resolvconf(let executable):
            try run([executable, "-a", resolvconfRecord], input: configuration.resolvConf(header: ["bg95d: \(interface)"]))
        case .systemdResolved(let resolvectl):
            try run([resolvectl, "dns", interface] + configuration.servers.map(\.description))
            try run([resolvectl, "domain", interface] + configuration.searchDomains)
        case .file(let path):
            try writeAtomically(path, configuration.resolvConf(header: ["Generated by bg95d for \(interface); do not edit.",
                                                                        "Link /etc/resolv.conf here to use the cellular resolvers."]))
        }
    }

    /// Removes this interface's DNS configuration; removing what is not there succeeds.
    public func remove() throws(DNSConfiguratorError) {
        switch backend {
        case .none:
            return
        case .resolvconf(let executable):
            try run([executable, "-d", resolvconfRecord, "-f"])
        case .systemdResolved(let resolvectl):
            try run([resolvectl, "revert", interface])
        case .file(let path):
            if unlink(path) != 0 && errno != ENOENT { throw .system(.current("unlink(\(path))")) }
        }
    }

    private func run(_ argv: [String], input: String? = nil) throws(DNSConfiguratorError) {
        let outcome: ProcessRunner.Outcome
        do {
            outcome = try ProcessRunner.run(argv, input: input)
        } catch {
            throw .system(error)
        }
        guard outcome.status == 0 else {
            throw .helperFailed(command: argv.joined(separator: " "), status: outcome.status, message: outcome.standardError)
        }
    }

    private func writeAtomically(_ path: String, _ content: String) throws(DNSConfiguratorError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        do throws(SystemError) {
            try TextFile.writeAtomically(content, to: path, mode: 0o644)
        } catch {
            throw .system(error)
        }
    }

    private func makeDirectories(_ path: String) throws(DNSConfiguratorError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw .system(.current("mkdir(\(prefix))")) }
        }
    }

    /// Whether `path` is /etc/resolv.conf or resolves to the same file.
    static func isSystemResolvConf(_ path: String) -> Bool {
        if path == "/etc/resolv.conf" { return true }
        guard let target = realpath("/etc/resolv.conf", nil) else { return false }
        defer { free(target) }
        guard let resolved = realpath(path, nil) else { return false }
        defer { free(resolved) }
        return strcmp(target, resolved) == 0
    }
}
