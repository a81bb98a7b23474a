import ArgumentParser
import BG95Control
import FoundationEssentials

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the link's state, module, network, lease, probe and counters (the default).",
        discussion: "--json prints the StatusSnapshot object documented in docs/control-api.md."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the status as JSON (stable schema).")
    var json = false

    func run() throws {
        let client = try global.connect()
        guard case .status(let snapshot) = try client.run(.status) else {
            throw CLIFailure(.failed, "protocol error: status returned another result")
        }
        if json {
            emit(try JSONOutput.string(snapshot))
        } else {
            emit(StatusFormatter.render(snapshot), terminator: "")
        }
    }
}

enum JSONOutput {
    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
