import ArgumentParser
import BG95Control
import Foundation

/// `bg95ctl`: operate a running bg95d through its control socket.
struct BG95ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bg95ctl",
        abstract: "Control and inspect the bg95d connection manager.",
        discussion: """
            Talks to bg95d over its control socket (default \(GlobalOptions.defaultSocket)). \
            Reading (status, watch, doctor) needs root or the daemon's control group; changing \
            state (up, down, reset, at) needs root unless the daemon allows the group.

            Exit status: 0 success; 2 usage error; 3 bg95d is not running; 4 permission denied; \
            5 the command failed or timed out (also: AT result not OK, doctor found a failing \
            step, a fatal error while waiting).
            """,
        version: bg95SoftwareVersion,
        subcommands: [
            StatusCommand.self, UpCommand.self, DownCommand.self, ResetCommand.self,
            ATCommand.self, WatchCommand.self, DoctorCommand.self,
        ],
        defaultSubcommand: StatusCommand.self
    )
}

/// Runs the command line and maps every outcome to the documented exit codes.
@main
enum BG95ctlMain {
    static func main() {
        do {
            var command = try BG95ctl.parseAsRoot()
            try command.run()
            exit(CLIExit.ok.rawValue)
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("bg95ctl: \(failure.message)\n".utf8))
            exit(failure.exit.rawValue)
        } catch {
            // Help, --version and completion scripts exit 0 through ArgumentParser; anything
            // else it throws is a usage error.
            if BG95ctl.exitCode(for: error) == .success { BG95ctl.exit(withError: error) }
            FileHandle.standardError.write(Data((BG95ctl.fullMessage(for: error) + "\n").utf8))
            exit(CLIExit.usage.rawValue)
        }
    }
}

/// Writes `text` to standard output at once (unbuffered), so progress lines appear as they
/// happen even when stdout is a pipe (tests, journald, `| tee`).
func emit(_ text: String, terminator: String = "\n") {
    FileHandle.standardOutput.write(Data((text + terminator).utf8))
}
