import ArgumentParser
import BG95Control

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    static let defaultSocket = "/run/bg95d/control.sock"

    @Option(name: .long, help: ArgumentHelp("Path of bg95d's control socket.", valueName: "path"))
    var socket: String = GlobalOptions.defaultSocket

    /// Connects, mapping failures to exit codes.
    func connect() throws -> ControlClient {
        do {
            return try ControlClient(path: socket)
        } catch {
            throw CLIFailure(error)
        }
    }
}

extension ControlClient {
    /// Sends `command` and returns its result, mapping every failure to a `CLIFailure`.
    func run(_ command: ControlRequest.Command, timeout: Double = 15) throws -> ControlResult {
        let response: ControlResponse
        do {
            response = try request(command, timeout: timeout)
        } catch {
            throw CLIFailure(error)
        }
        switch response.outcome {
        case .success(let result): return result
        case .failure(let failure): throw CLIFailure(failure)
        }
    }
}
