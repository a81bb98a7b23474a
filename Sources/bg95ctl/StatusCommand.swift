import ArgumentParser
import BG95Control
import FoundationEssentials

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the link's state, module, network, lease, probe and counters (the default).",
        discussion: """
            --json prints the StatusSnapshot object documented in docs/control-api.md; \
            --prometheus the same facts as Prometheus metrics (bg95_*). Exit status: 0 online, \
            1 not online, 5 failed (bg95d waits for an operator), 3 bg95d is not running.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the status as JSON (stable schema).")
    var json = false

    @Flag(help: "Print the status as Prometheus text metrics.")
    var prometheus = false

    func validate() throws {
        if json && prometheus { throw ValidationError("--json and --prometheus exclude each other") }
    }

    func run() throws {
        let client = try global.connect()
        guard case .status(let snapshot) = try client.run(.status) else {
            throw CLIFailure(.failed, "protocol error: status returned another result")
        }
        if json {
            emit(try JSONOutput.string(snapshot))
        } else if prometheus {
            emit(PrometheusText.render(snapshot), terminator: "")
        } else {
            emit(StatusText.render(snapshot), terminator: "")
        }
        switch StatusText.health(snapshot) {
        case .online: return
        case .notOnline: throw CLIFailure(.notOnline, nil)
        case .failed: throw CLIFailure(.failed, nil)
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
