import ArgumentParser
import BG95Control
import FoundationEssentials
import Glibc

struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Stream state changes and URCs as they happen.",
        discussion: """
            With --until, exits 0 as soon as bg95d is in one of the given states (at once if it \
            already is): scripts and tests use `bg95ctl watch --until online --timeout 120` to \
            wait for the link instead of sleeping.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp("Exit 0 once this state is reached (repeatable).", valueName: "state"),
        completion: .list(StatusSnapshot.stateNames)
    )
    var until: [String] = []

    @Option(help: ArgumentHelp("Give up after this many seconds (exit 5).", valueName: "seconds"))
    var timeout: Double?

    @Flag(help: "Do not show URCs, only state changes and errors.")
    var noUrcs = false

    @Flag(help: "Print each event as a JSON line (the wire format).")
    var json = false

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 86_400 * 365) {
            throw ValidationError("--timeout must be positive")
        }
        for state in until where !StatusSnapshot.stateNames.contains(state) {
            throw ValidationError(Self.unknownState(state))
        }
    }

    /// "no state onlin (did you mean online?); states: ..." — a typo must not wait forever.
    static func unknownState(_ state: String) -> String {
        let guesses = StatusSnapshot.stateNames.filter { $0.hasPrefix(state.lowercased()) || state.lowercased().hasPrefix($0) }
        let hint = guesses.isEmpty ? "" : " (did you mean \(guesses.joined(separator: " or "))?)"
        return "--until: no state \"\(ControlFailure.printable(state))\"\(hint); states: " + StatusSnapshot.stateNames.joined(separator: ", ")
    }

    func run() throws {
        let client = try global.connect()
        guard case .accepted(let state) = try client.run(.watch(urcs: !noUrcs)) else {
            throw CLIFailure(.failed, "protocol error: unexpected result")
        }
        if json {
            emit(String(decoding: ControlMessage.event(.state(state: state, previous: nil, reason: "current")).encoded(), as: UTF8.self))
        } else {
            emit("\(Self.clock())  state \(state) (current)")
        }
        if until.contains(state) { return }
        let start = ControlClient.now()
        while true {
            let event: ControlEvent
            do throws(ControlClientError) {
                let remaining = timeout.map { $0 - (ControlClient.now() - start) }
                if let remaining, remaining <= 0 { throw ControlClientError.timeout }
                event = try client.nextEvent(timeout: remaining)
            } catch .timeout {
                throw CLIFailure(.failed, "timed out after \(timeout.map { String(Int($0)) } ?? "?") s waiting for \(until.joined(separator: " or "))")
            } catch .closed {
                // The daemon went away (stopped, crashed, restarted): say so instead of hanging.
                if json {
                    emit(String(decoding: ControlMessage.event(.error(message: "bg95d stopped", fatal: true)).encoded(), as: UTF8.self))
                } else {
                    emit("\(Self.clock())  bg95d stopped")
                }
                throw CLIFailure(until.isEmpty ? .notRunning : .failed, "bg95d stopped" + (until.isEmpty ? "" : " before \(until.joined(separator: " or "))"))
            } catch {
                throw CLIFailure(error)
            }
            if json {
                emit(String(decoding: ControlMessage.event(event).encoded(), as: UTF8.self))
            } else {
                switch event {
                case .state(let state, let previous, let reason):
                    emit("\(Self.clock())  state \(state)\(previous.map { " (from \($0))" } ?? "")\(reason.map { ": \($0)" } ?? "")")
                case .urc(let line):
                    emit("\(Self.clock())  urc   \(line)")
                case .error(let message, let fatal):
                    emit("\(Self.clock())  error \(message)\(fatal ? " (fatal)" : "")")
                }
            }
            if case .state(let state, _, _) = event, until.contains(state) { return }
        }
    }

    static func clock() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return "\(Format.twoDigits(Int(parts.tm_hour))):\(Format.twoDigits(Int(parts.tm_min))):\(Format.twoDigits(Int(parts.tm_sec)))"
    }
}
