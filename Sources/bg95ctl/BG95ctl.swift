import ArgumentParser

/// `bg95ctl`: talk to a running bg95d.
@main
struct BG95ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bg95ctl",
        abstract: "Control and inspect the bg95d connection manager."
    )
}
