#if canImport(Glibc)
import Glibc
#endif
import BG95Config

/// Checks of a parsed configuration against this system: values that are well-formed but can
/// never work here. `bg95d run` and `bg95d run --check-config` refuse them before starting,
/// naming the key, instead of failing (or retrying) later.
public enum ConfigurationCheck {
    /// One message per problem, each starting with the key's name; empty when all is well.
    public static func problems(in configuration: DaemonConfiguration) -> [String] {
        var problems: [String] = []
        if let file = configuration.pinFile, access(file, R_OK) != 0 {
            problems.append("pin_file \(file): \(String(cString: strerror(errno)))")
        }
        let group = configuration.controlGroup
        if !group.isEmpty, getgrnam(group) == nil {
            problems.append("control_group \(group): no such group")
        }
        if configuration.dnsBackend == .file || configuration.dnsBackend == .auto,
           resolvesToSystemResolver(configuration.dnsFile)
        {
            problems.append("dns_file \(configuration.dnsFile): is the system's /etc/resolv.conf; "
                + "bg95d writes and removes this file, so point it at a file of its own (e.g. /run/bg95d/resolv.conf)")
        }
        return problems
    }

    /// Whether `path` is (or links to) `/etc/resolv.conf`.
    private static func resolvesToSystemResolver(_ path: String) -> Bool {
        if path == ConfigurationParser.systemResolverFile { return true }
        var pathStat = stat()
        var systemStat = stat()
        guard stat(path, &pathStat) == 0, stat(ConfigurationParser.systemResolverFile, &systemStat) == 0 else { return false }
        return pathStat.st_dev == systemStat.st_dev && pathStat.st_ino == systemStat.st_ino
    }
}
