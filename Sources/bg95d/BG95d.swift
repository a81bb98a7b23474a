import BG95CommandLine
import BG95Control
import BG95System
#if canImport(Glibc)
import Glibc
#endif

/// `bg95d`: the BG95 connection manager daemon.
///
/// The command line is parsed by our own BG95CommandLine rather than swift-argument-parser,
/// which linked all of FoundationEssentials into the daemon (docs/benchmarks.md, "Binary size").
@main
enum BG95d {
    static var tool: CommandLineTool { .group(
        name: "bg95d",
        abstract: "Connection manager for the Quectel BG95-M3 over CDC-ECM.",
        version: BG95Version.string,
        subcommands: [
            .command(RunCommand.self), .command(ModemCommand.self), .command(DHCPCommand.self),
            .group(name: "netconfig", abstract: NetconfigCommand.abstract,
                   subcommands: [.command(NetconfigCommand.Apply.self), .command(NetconfigCommand.Cleanup.self)]),
        ],
        defaultSubcommand: RunCommand.name
    ) }

    static func main() {
        let io = CommandLineIO(out: { print($0) }, err: { DHCPSession.stderr($0) })
        let status = tool.main(Array(CommandLine.arguments.dropFirst()), io: io) { description in
            String(decoding: ControlJSON.encode(description), as: UTF8.self)
        }
        exit(status)
    }
}
