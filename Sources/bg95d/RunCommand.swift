import ArgumentParser

/// `bg95d run` (the default): discover the module and keep it online.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: discover the module, bring the data link online and supervise it."
    )

    func run() throws {
        throw ValidationError("the supervisor is not built yet")
    }
}
