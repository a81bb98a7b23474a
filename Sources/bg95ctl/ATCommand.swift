import ArgumentParser
import BG95Control
import FoundationEssentials

struct ATCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at",
        abstract: "Send one AT command through bg95d's AT queue and print the module's answer.",
        discussion: """
            The command must be one line of printable ASCII starting with AT (e.g. 'AT+QCSQ'); \
            it is queued behind the daemon's own commands, so bg95d never has to be stopped. \
            Exits 0 when the module answers OK, 5 otherwise.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The AT command, e.g. 'AT+QCSQ'.", valueName: "command"))
    var command: String

    @Option(help: ArgumentHelp("Seconds bg95d waits for the final result code (1-300).", valueName: "seconds"))
    var timeout: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let reason = ATPassthrough.validate(command) {
            throw ValidationError("AT command \(reason)")
        }
        if let timeout, !ATPassthrough.timeoutRange.contains(timeout) {
            throw ValidationError("--timeout must be within \(ATPassthrough.timeoutRange)")
        }
    }

    func run() throws {
        let client = try global.connect()
        guard case .at(let result) = try client.run(.at(command: command, timeout: timeout), timeout: Double(timeout ?? 180) + 15) else {
            throw CLIFailure(.failed, "protocol error: unexpected result")
        }
        if json {
            emit(try JSONOutput.string(result))
        } else {
            for line in result.lines { emit(line) }
            emit(result.final)
        }
        if !result.succeeded { throw CLIFailure(.failed, "\(command): \(result.final)") }
    }
}
