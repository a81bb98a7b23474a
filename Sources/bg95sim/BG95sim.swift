import ArgumentParser

/// `bg95sim`: a simulated Quectel BG95-M3 for machines without one.
@main
struct BG95sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bg95sim",
        abstract: "A simulated Quectel BG95-M3 (umockdev + pty + network namespaces + dnsmasq)."
    )
}
