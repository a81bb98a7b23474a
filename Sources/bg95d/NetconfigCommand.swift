#if canImport(Glibc)
import Glibc
#endif
import BG95CommandLine
import BG95Daemon
import DHCPProtocol
import Dispatch
import Netconfig
import NetlinkIO
import BG95Core

/// `bg95d netconfig`: apply or clean up bg95's addresses, routes, policy rule and DNS by hand.
enum NetconfigCommand {
    static let abstract = "Apply a static configuration the way the daemon applies a lease, or remove bg95's leftovers."

    /// `bg95d netconfig apply <if> --address A/N [--gateway G] ... [--hold]`: the daemon's own
    /// `NetworkConfigurator` with a static configuration instead of a lease.
    struct Apply: CommandLineCommand {
        static let name = "apply"
        static let abstract = "Remove leftovers of earlier runs, then install address, routes, rule and DNS."
        static let discussion = """
            With --hold, prints "ready" once everything is installed, keeps it until SIGTERM or \
            SIGINT, then removes it again. Without --hold the configuration stays.
            """

        static var table: [CommandLineArgument<Self>] { [
            .positional("interface", help: "The interface to configure.", \.interface),
            .required("address", help: "Address and prefix length, e.g. 192.168.225.20/24.", \.address),
            .option("gateway", help: "Default gateway.", \.gateway),
            .option("dns", help: "A resolver (repeatable).", \.dns),
            .option("domain", help: "A search domain (repeatable).", \.domain),
            .option("mtu", help: "Interface MTU.", \.mtu),
            .option("lifetime", help: "Address lifetime in seconds (default: forever).", \.lifetime),
            .flag("hold", help: "Keep the configuration until SIGTERM/SIGINT, then remove it.", \.hold),
        ] + ConfigurationOptions.table.map { $0.lifted(\.file) } }

        var interface = ""
        var address = ""
        var gateway: String?
        var dns: [String] = []
        var domain: [String] = []
        var mtu: UInt32?
        var lifetime: UInt32?
        var hold = false
        /// The daemon's keys for routes, the policy rule and DNS (route_metric,
        /// take_default_route, policy_table, policy_priority, dns_backend, dns_file, state_dir).
        var file = ConfigurationOptions()

        func validate() throws {
            _ = try file.load()
        }

        func run() throws {
            let parts = address.split(separator: "/")
            guard parts.count == 2, let ip = IPv4Address(parts[0]), let prefix = UInt8(parts[1]) else {
                throw ValidationError("--address must look like 192.168.225.20/24")
            }
            var config = InterfaceConfig(address: ip, prefixLength: prefix, mtu: mtu, leaseLifetime: lifetime)
            if let gateway {
                guard let gw = IPv4Address(gateway) else { throw ValidationError("--gateway is not an IPv4 address") }
                config.gateway = gw
            }
            for server in dns {
                guard let resolver = IPv4Address(server) else { throw ValidationError("--dns \(server) is not an IPv4 address") }
                config.dns.append(resolver)
            }
            config.domains = domain

            let configuration = try file.load()
            let log = DaemonLogger(level: configuration.logLevel)
            let network = try NetworkConfigurator(configuration: configuration, log: log)
            for removed in network.removeLeftovers() { print("leftover: \(removed)") }
            _ = try network.bringUp(interface)
            for change in try network.apply(config, on: interface) { print(change) }
            guard hold else { return }
            print("ready")
            fflush(nil)

            // Hold until told to stop; then remove exactly what we installed.
            signal(SIGTERM, SIG_IGN)
            signal(SIGINT, SIG_IGN)
            // Only the main queue touches it from here on (the signal handlers run there).
            nonisolated(unsafe) let held = network
            let stop = { @Sendable in
                for change in held.remove() { print(change) }
                print("removed")
                fflush(nil)
                Glibc.exit(0)
            }
            let sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .main) }
            for source in sources {
                source.setEventHandler(handler: stop)
                source.resume()
            }
            withExtendedLifetime(sources) { dispatchMain() }
        }
    }

    /// `bg95d netconfig cleanup`: remove every object tagged with bg95's protocol.
    struct Cleanup: CommandLineCommand {
        static let name = "cleanup"
        static let abstract = "Remove every route, rule and address bg95 left behind (tagged with its protocol), nothing else."

        static var table: [CommandLineArgument<Self>] { [
            .option("protocol-tag", help: "Protocol tag bg95 uses (default 149, 0x95).", \.protocolTag),
        ] }

        var protocolTag: UInt8 = RoutingSettings.defaultProtocolTag

        func run() throws {
            let settings = RoutingSettings(protocolTag: protocolTag)
            do { try settings.validate() } catch { throw ValidationError(error.description) }
            let installer = RouteInstaller(socket: try NetlinkSocket(), settings: settings)
            for change in try installer.removeAll(interfaceIndex: nil) { print(change) }
        }
    }
}
