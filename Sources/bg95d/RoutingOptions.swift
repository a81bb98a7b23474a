import ArgumentParser
import Netconfig
import NetlinkIO

/// Route, policy-routing and DNS options shared by `bg95d netconfig apply` and
/// `bg95d dhcp --configure` (include with `@OptionGroup var routing: RoutingOptions`).
struct RoutingOptions: ParsableArguments {
    @Option(help: "Metric of the main-table default route (high: the module is only a fallback).")
    var routeMetric: UInt32 = RoutingSettings.defaultMetric

    @Flag(help: "Install the main-table default route with metric 0 (the module becomes primary).")
    var takeOverDefaultRoute = false

    @Flag(help: "Install no main-table default route (only the policy table).")
    var noDefaultRoute = false

    @Option(help: "Policy-routing table for traffic from the leased address (0 disables policy routing).")
    var policyTable: UInt32 = RoutingSettings.defaultPolicyTable

    @Option(help: "Priority of the rule 'from <address> lookup <table>'.")
    var rulePriority: UInt32 = RoutingSettings.defaultRulePriority

    @Option(help: "DNS backend: auto, resolvconf, resolved, file or none.")
    var dnsBackend: String = "auto"

    @Option(help: "File written by the file DNS backend.")
    var dnsFile: String = DNSBackend.defaultFilePath

    @Flag(help: "Allow the file DNS backend to write /etc/resolv.conf.")
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
