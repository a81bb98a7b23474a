import ArgumentParser
import BG95Control
import FoundationEssentials
import Glibc

/// `bg95ctl`: operate a running bg95d through its control socket.
struct BG95ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bg95ctl",
        abstract: "Control and inspect the bg95d connection manager.",
        discussion: """
            Talks to bg95d over its control socket (default \(GlobalOptions.defaultSocket)). \
            Reading (status, watch, doctor) needs root or the daemon's control group; changing \
            state (up, down, reset, at) needs root unless the daemon allows the group.

            Exit status: 0 success; 1 status: not online; 2 usage \
            error or a refused argument; 3 bg95d is not running; 4 permission denied; 5 the \
            command failed or timed out (also: AT result not OK, status: state failed, a fatal \
            error while waiting).
            """,
        version: bg95SoftwareVersion,
        subcommands: [
            StatusCommand.self, UpCommand.self, DownCommand.self, ResetCommand.self,
            ATCommand.self, WatchCommand.self, DoctorCommand.self,
        ],
        defaultSubcommand: StatusCommand.self
    )

    // Declared here too so `bg95ctl --socket PATH status` works as well as `bg95ctl status --socket PATH`.
    @OptionGroup var global: GlobalOptions
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
            if let message = failure.message { writeAll(2, "bg95ctl: \(message)\n") }
            exit(failure.exit.rawValue)
        } catch {
            // Help, --version and completion scripts exit 0 through ArgumentParser; anything
            // else it throws is a usage error.
            if BG95ctl.exitCode(for: error) == .success { BG95ctl.exit(withError: error) }
            writeAll(2, BG95ctl.fullMessage(for: error) + "\n")
            exit(CLIExit.usage.rawValue)
        }
    }
}

/// Writes `text` to standard output at once (unbuffered), so progress lines appear as they
/// happen even when stdout is a pipe (tests, journald, `| tee`).
func emit(_ text: String, terminator: String = "\n") {
    writeAll(1, text + terminator)
}

/// Writes all of `text` to `fd`, retrying short writes and EINTR; gives up on other errors
/// (a closed pipe must not turn into a crash).
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        bytes = bytes.dropFirst(written)
    }
}
