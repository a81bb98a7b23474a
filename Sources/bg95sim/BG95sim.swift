import ArgumentParser
import BG95System

/// `bg95sim`: a simulated Quectel BG95-M3 for machines without one (CONTRACTS.md).
@main
struct BG95sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bg95sim",
        abstract: "A simulated Quectel BG95-M3 (umockdev + pty + network namespaces + dnsmasq).",
        version: BG95Version.string,
        subcommands: [RunCommand.self, StartCommand.self, StopCommand.self, EnvCommand.self, CtlCommand.self, ServeCommand.self]
    )
}
