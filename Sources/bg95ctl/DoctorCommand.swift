import ArgumentParser
import BG95Control
import FoundationEssentials

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Ask bg95d to check each step from USB device to end-to-end probe, with a fix for each failure.",
        discussion: "Exits 0 when every step passes, 5 when one fails."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let client = try global.connect()
        guard case .doctor(let report) = try client.run(.doctor, timeout: 120) else {
            throw CLIFailure(.failed, "protocol error: unexpected result")
        }
        if json {
            emit(try JSONOutput.string(report))
        } else {
            for step in report.steps {
                let mark: String
                switch step.outcome {
                case .ok: mark = "[ ok ]"
                case .warning: mark = "[warn]"
                case .failed: mark = "[FAIL]"
                case .skipped: mark = "[skip]"
                }
                emit("\(mark) \(step.title)\(step.detail.map { ": \($0)" } ?? "")")
                if let fix = step.fix, step.outcome == .failed || step.outcome == .warning {
                    emit("       fix: \(fix)")
                }
            }
        }
        if !report.healthy {
            let failed = report.steps.filter { $0.outcome == .failed }.map(\.id)
            throw CLIFailure(.failed, "diagnosis found a problem: \(failed.joined(separator: ", "))")
        }
    }
}
