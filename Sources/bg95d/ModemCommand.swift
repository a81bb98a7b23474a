import ArgumentParser

/// `bg95d modem`: run only discovery and the module bring-up, up to "data call up".
struct ModemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modem",
        abstract: "Find the module, bring it up to an active data call, print what was found as JSON."
    )

    func run() throws {
        throw ValidationError("the modem layer is not built yet")
    }
}
