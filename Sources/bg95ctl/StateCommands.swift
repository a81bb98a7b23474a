import ArgumentParser
import BG95Control
import FoundationEssentials

/// Options of the commands that change state and by default wait for the outcome.
struct WaitOptions: ParsableArguments {
    @Flag(help: "Return as soon as bg95d accepted the command instead of waiting for the outcome.")
    var noWait = false

    @Option(help: ArgumentHelp("Seconds to wait for the outcome before giving up (exit 5).", valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 86_400) {
            throw ValidationError("--timeout must be more than 0 and at most 86400 seconds (use --no-wait not to wait)")
        }
    }
}

struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Bring the link up and show progress until it is online or clearly fails."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions

    func run() throws {
        try StateChange.run(.up(follow: !wait.noWait), verb: "up", global: global, wait: wait, target: "online", defaultTimeout: 300, abortOn: ["down", "failed"])
    }
}

struct DownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Take the link down (data call ended, lease released, routes removed) and wait until it is."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions

    func run() throws {
        try StateChange.run(.down(follow: !wait.noWait), verb: "down", global: global, wait: wait, target: "down", defaultTimeout: 60, abortOn: [])
    }
}

struct ResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Reboot the module and bring the link up again; waits until online like `up`."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions

    func run() throws {
        let follow = !wait.noWait
        // reset does not subscribe by itself: watch first, then reset on the same connection.
        let client = try global.connect()
        var initial = "unknown"
        if follow, case .accepted(let state) = try client.run(.watch(urcs: false)) { initial = state }
        if case .accepted(let state) = try client.run(.reset) { initial = state }
        emit(StateChange.firstLine(verb: "reset", state: initial, waitingFor: follow ? "online" : nil))
        guard follow else { return }
        try StateChange.follow(client: client, from: initial, target: "online", timeout: wait.timeout ?? 300, abortOn: ["down", "failed"], skipInitialMatch: true)
    }
}

/// Sends a state-changing command and follows the state events until `target`.
enum StateChange {
    /// The first line of `up`, `down` and `reset`, always the same shape:
    /// `up: accepted, state down, waiting for online`.
    static func firstLine(verb: String, state: String, waitingFor target: String?) -> String {
        "\(verb): accepted, state \(state)" + (target.map { ", waiting for \($0)" } ?? "")
    }

    static func run(_ command: ControlRequest.Command, verb: String, global: GlobalOptions, wait: WaitOptions, target: String, defaultTimeout: Double, abortOn: Set<String>) throws {
        let client = try global.connect()
        guard case .accepted(let state) = try client.run(command) else {
            throw CLIFailure(.failed, "protocol error: unexpected result")
        }
        emit(firstLine(verb: verb, state: state, waitingFor: wait.noWait ? nil : target))
        if wait.noWait { return }
        try follow(client: client, from: state, target: target, timeout: wait.timeout ?? defaultTimeout, abortOn: abortOn, skipInitialMatch: false)
    }

    /// Prints each state change; returns on `target`, throws `.failed` on a fatal error,
    /// an abort state, the daemon closing, or the timeout.
    static func follow(client: ControlClient, from initial: String, target: String, timeout: Double, abortOn: Set<String>, skipInitialMatch: Bool) throws {
        let start = ControlClient.now()
        var current = initial
        if current == target && !skipInitialMatch {
            try summary(client: client, target: target)
            return
        }
        while true {
            let remaining = timeout - (ControlClient.now() - start)
            let event: ControlEvent
            do throws(ControlClientError) {
                guard remaining > 0 else { throw ControlClientError.timeout }
                event = try client.nextEvent(timeout: remaining)
            } catch .timeout {
                throw CLIFailure(.failed, "timed out after \(Int(timeout)) s waiting for \(target) (state \(current))")
            } catch .closed {
                throw CLIFailure(.failed, "bg95d stopped while waiting for \(target) (state \(current))")
            } catch {
                throw CLIFailure(.failed, "\(error) while waiting for \(target) (state \(current))")
            }
            let elapsed = Format.padded(Format.oneDecimal(ControlClient.now() - start) + "s", to: 7)
            switch event {
            case .state(let state, _, let reason):
                current = state
                emit("\(elapsed)  \(state)\(reason.map { "  (\($0))" } ?? "")")
                if state == target {
                    try summary(client: client, target: target)
                    return
                }
                if abortOn.contains(state) {
                    throw CLIFailure(.failed, "link went \(state)\(reason.map { ": \($0)" } ?? "") before reaching \(target)")
                }
            case .error(let message, let fatal):
                emit("\(elapsed)  error: \(message)")
                if fatal { throw CLIFailure(.failed, "\(message) (bg95d will not retry until this is fixed)") }
            case .urc:
                break
            }
        }
    }

    /// One closing line: for `online`, interface and address from the status.
    static func summary(client: ControlClient, target: String) throws {
        guard target == "online", case .status(let s) = try client.run(.status) else {
            emit(target)
            return
        }
        emit("online: " + StatusText.summary(s))
    }
}
