import ArgumentParser
import Dispatch
import Foundation
import Simulator
#if canImport(Glibc)
import Glibc
#endif

/// `bg95sim start [options]`: a long-running simulator in the background.
struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the simulator in the background; print its KEY=value environment once the module booted."
    )

    @OptionGroup var simulator: SimulatorOptionGroup
    @Option(help: "Seconds to wait for the module to boot.")
    var timeout: Double = 120

    func run() throws {
        try Host.requireRoot()
        let options = try simulator.resolved()
        RunFolder.cleanupLeftovers(prefix: options.prefix)
        try FileManager.default.createDirectory(atPath: RunFolder.base, withIntermediateDirectories: true)
        let logPath = RunFolder.startLog(prefix: options.prefix)
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw ValidationError("cannot open \(logPath)") }
        defer { close(logFD) }
        // The real path as argv[0]: `stop` recognises the process by "bg95sim" in its cmdline.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let pid = try ProcessRunner.spawn(
            [executable, "serve"] + simulator.arguments, environment: ProcessInfo.processInfo.environment,
            stdout: logFD, stderr: logFD, newSession: true)
        let envFile = RunFolder.envFile(prefix: options.prefix)
        var waited = 0.0
        while waited < timeout {
            if let status = ProcessRunner.poll(pid) {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                Host.printError("the simulator exited (\(status)) before the module booted:\n\(log)")
                unlink(logPath)  // shown; nothing of a failed start stays behind
                throw ExitCode(1)
            }
            if let env = try? String(contentsOfFile: envFile, encoding: .utf8), env.hasSuffix("\n") {
                print(env, terminator: "")
                return
            }
            usleep(20_000)
            waited += 0.02
        }
        kill(pid, SIGTERM)
        Host.printError("the module did not boot within \(timeout) s; see \(logPath)")
        throw ExitCode(1)
    }
}

/// `bg95sim serve [options]` (internal): the background process behind `start`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the simulator in the foreground until SIGTERM (used by start).",
        shouldDisplay: false)

    @OptionGroup var simulator: SimulatorOptionGroup

    func run() throws {
        try Host.requireRoot()
        try Host.ensurePreload()
        let options = try simulator.resolved()
        let sim = try Simulator(options: options)
        Host.onTerminationSignals(queue: sim.queue) { sig in
            sim.log("signal \(sig): tearing down")
            sim.shutdown()
            Glibc.exit(0)
        }
        sim.queue.async {
            sim.start { error in
                if let error {
                    Host.printError("setup failed: \(error)")
                    sim.shutdown()
                    Glibc.exit(1)
                }
                // Written last: `start` returns as soon as the env file is complete.
                let env = Host.envLines(sim.environment)
                let tmp = RunFolder.envFile(prefix: options.prefix) + ".tmp"
                do {
                    try env.write(toFile: tmp, atomically: false, encoding: .utf8)
                    rename(tmp, RunFolder.envFile(prefix: options.prefix))
                } catch {
                    Host.printError("cannot write the env file: \(error)")
                    sim.shutdown()
                    Glibc.exit(1)
                }
            }
            try? "\(getpid())\n".write(toFile: RunFolder.pidFile(prefix: options.prefix), atomically: true, encoding: .utf8)
        }
        dispatchMain()
    }
}

/// `bg95sim stop --prefix P`
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Tear a started simulator down (idempotent).")

    @Option(help: "The prefix the simulator was started with.")
    var prefix = "bg95sim"

    func run() throws {
        try Host.requireRoot()
        do {
            try SimulatorOptions.validatePrefix(prefix)
        } catch {
            throw ValidationError(error.description)
        }
        RunFolder.cleanupLeftovers(prefix: prefix)
        unlink(RunFolder.startLog(prefix: prefix))
        print("stopped \(prefix)")
    }
}

/// `bg95sim env --prefix P`
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print the KEY=value environment of a started simulator, for entering it by hand.",
        discussion: """
            Example: eval "$(bg95sim env | sed 's/^/export /')"; ip netns exec "$BG95SIM_NETNS_HOST" \\
              env LD_PRELOAD=$LD_PRELOAD UMOCKDEV_DIR=$UMOCKDEV_DIR bash
            """)

    @Option(help: "The prefix the simulator was started with.")
    var prefix = "bg95sim"

    func run() throws {
        do {
            try SimulatorOptions.validatePrefix(prefix)
        } catch {
            throw ValidationError(error.description)
        }
        guard let env = try? String(contentsOfFile: RunFolder.envFile(prefix: prefix), encoding: .utf8) else {
            Host.printError("no simulator running for prefix \(prefix) (bg95sim start --prefix \(prefix))")
            throw ExitCode(1)
        }
        print(env, terminator: "")
    }
}

/// `bg95sim ctl [--prefix P | --socket PATH] <verb> [args]`
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Inject a fault; prints \"ok ...\" and exits 0 only once it has taken effect.",
        discussion: """
            verbs: unplug, replug, reboot, pdp-drop, detach, attach, deregister <cause>, signal <rsrp>,
            sim-remove, sim-insert, stall <seconds>, stall-off, garbage, dhcp-stop, dhcp-start,
            carrier-off, carrier-on, lease-time <s>, speed <F>,
            latency <registration|boot|data-call> <module seconds>, status,
            urc <line> (answers command=<n received so far>), await-command <after n> <timeout s> <prefix>
            host worlds (re-enumerate): host-world <normal|qmi|no-serial-driver>
            """)

    @Option(help: "The simulator's prefix (default: $BG95SIM_PREFIX or bg95sim).")
    var prefix: String?
    @Option(help: "The control socket path (default: $BG95SIM_CTL, else from --prefix).")
    var socket: String?
    @Argument(parsing: .captureForPassthrough, help: "The verb and its arguments.")
    var words: [String] = []

    func validate() throws {
        guard !words.isEmpty else { throw ValidationError("missing verb") }
        guard words.allSatisfy({ !$0.contains("\n") && !$0.contains(" ") }) else { throw ValidationError("arguments must be single words") }
        if let prefix {
            do { try SimulatorOptions.validatePrefix(prefix) } catch { throw ValidationError(error.description) }
        }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let path: String
        if let socket {
            path = socket
        } else if let prefix {
            path = RunFolder.controlSocket(prefix: prefix)
        } else if let fromEnv = env["BG95SIM_CTL"], !fromEnv.isEmpty {
            path = fromEnv
        } else {
            path = RunFolder.controlSocket(prefix: env["BG95SIM_PREFIX"] ?? "bg95sim")
        }
        let reply: String
        do {
            reply = try ControlClient.send(words.joined(separator: " "), to: path)
        } catch {
            Host.printError("\(error)")
            throw ExitCode(2)
        }
        print(reply)
        if !(reply.hasPrefix("ok") || reply.hasPrefix("{")) { throw ExitCode(1) }
    }
}
