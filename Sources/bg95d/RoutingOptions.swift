import BG95CommandLine
import Netconfig
import NetlinkIO

/// Route, policy-routing and DNS options shared by `bg95d netconfig apply` and
/// `bg95d dhcp --configure` (a field of the command, its `table` lifted into the command's).
struct RoutingOptions {
    static var table: [CommandLineArgument<Self>] { [
        .option("route-metric", help: "Metric of the main-table default route (high: the module is only a fallback).", \.routeMetric),
        .flag("take-over-default-route", help: "Install the main-table default route with metric 0 (the module becomes primary).", \.takeOverDefaultRoute),
        .flag("no-default-route", help: "Install no main-table default route (only the policy table).", \.noDefaultRoute),
        .option("policy-table", help: "Policy-routing table for traffic from the leased address (0 disables policy routing).", \.policyTable),
        .option("rule-priority", help: "Priority of the rule 'from <address> lookup <table>'.", \.rulePriority),
        .option("dns-backend", help: "DNS backend: auto, resolvconf, resolved, file or none.", \.dnsBackend),
        .option("dns-file", help: "File written by the file DNS backend.", \.dnsFile),
        .flag("dns-allow-etc-resolv-conf", help: "Allow the file DNS backend to write /etc/resolv.conf.", \.dnsAllowEtcResolvConf),
    ] }

    var routeMetric: UInt32 = RoutingSettings.defaultMetric
    var takeOverDefaultRoute = false
    var noDefaultRoute = false
    var policyTable: UInt32 = RoutingSettings.defaultPolicyTable
    var rulePriority: UInt32 = RoutingSettings.defaultRulePriority
    var dnsBackend: String = "auto"
    var dnsFile: String = DNSBackend.defaultFilePath
    var dnsAllowEtcResolvConf = false

    func validate() throws {
        if takeOverDefaultRoute && noDefaultRoute {
            throw ValidationError("--take-over-default-route and --no-default-route exclude each other")
        }
        do { try settings.validate() } catch { throw ValidationError(error.description) }
        _ = try backend()
    }

    var settings: RoutingSettings {
        RoutingSettings(
            defaultRoute: noDefaultRoute ? .none : takeOverDefaultRoute ? .takeOver : .fallback(metric: routeMetric),
            policyTable: policyTable == 0 ? nil : policyTable,
            rulePriority: rulePriority
        )
    }

    func backend() throws -> DNSBackend {
        switch dnsBackend {
        case "auto": return DNSBackend.detect(filePath: dnsFile)
        case "resolvconf": return .resolvconf(executable: "/sbin/resolvconf")
        case "resolved": return .systemdResolved(resolvectl: "/usr/bin/resolvectl")
        case "file":
            guard dnsFile.hasPrefix("/") else { throw ValidationError("--dns-file must be an absolute path") }
            return .file(path: dnsFile)
        case "none": return .none
        default: throw ValidationError("--dns-backend must be auto, resolvconf, resolved, file or none")
        }
    }
}
