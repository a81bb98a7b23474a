import ArgumentParser
import BG95System

/// `bg95d`: the BG95 connection manager daemon.
@main
struct BG95d: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bg95d",
        abstract: "Connection manager for the Quectel BG95-M3 over CDC-ECM.",
        version: BG95Version.string,
        subcommands: [RunCommand.self, ModemCommand.self, DHCPCommand.self, NetconfigCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
