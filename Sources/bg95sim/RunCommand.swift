import ArgumentParser
import Dispatch
import Foundation
import Simulator
#if canImport(Glibc)
import Glibc
#endif

/// `bg95sim run [options] -- <cmd> [args...]`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start the simulated module, run <cmd> in <prefix>-host under umockdev, tear down, exit with its status."
    )

    @OptionGroup var simulator: SimulatorOptionGroup
    @Argument(parsing: .postTerminator, help: "The command to run (after --).")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("missing command: bg95sim run [options] -- <cmd> [args...]") }
        _ = try simulator.resolved()
    }

    func run() throws {
        try Host.requireRoot()
        try Host.ensurePreload()
        let sim = try Simulator(options: try simulator.resolved())
        let command = self.command
        let box = ChildBox()
        Host.onTerminationSignals(queue: sim.queue) { sig in
            if let pid = box.pid {
                kill(pid, SIGTERM)
                for _ in 0..<20 where kill(pid, 0) == 0 { usleep(50_000) }
            }
            sim.shutdown()
            Glibc.exit(128 + sig)
        }
        sim.queue.async {
            sim.start { error in
                if let error {
                    Host.printError("setup failed: \(error)")
                    sim.shutdown()
                    Glibc.exit(1)
                }
                do {
                    box.pid = try sim.launch(command) { status in
                        sim.shutdown()
                        Glibc.exit(status)
                    }
                } catch {
                    Host.printError("cannot start \(command[0]): \(error)")
                    sim.shutdown()
                    Glibc.exit(127)
                }
            }
        }
        dispatchMain()
    }
}

/// The pid of the command under test, shared with the signal handler (both on the sim queue).
final class ChildBox: @unchecked Sendable {
    var pid: Int32?
}
