import ArgumentParser
import BG95Control
import FoundationEssentials

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Look at module and host now, step by step from USB to an end-to-end probe, and name the first real cause with its remedy.",
        discussion: """
            Works with or without bg95d: it reads sysfs (driver of each USB interface), finds \
            who holds the AT port (/proc), asks the module read-only questions (through bg95d \
            when it runs, else on the port itself unless another program holds it), and checks \
            the ECM interface, lease, route, rp_filter, DNS and a ping through it. Exits 0 \
            when no step fails, 5 when one does.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Host to check the route to and ping through the ECM interface (default: bg95d's probe target).", valueName: "address"))
    var probeTarget: String?

    @Flag(help: "Print the report as JSON (the same document).")
    var json = false

    func validate() throws {
        if let probeTarget, probeTarget.isEmpty || probeTarget.count > 253
            || !probeTarget.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) {
            throw ValidationError("--probe-target must be an address or host name")
        }
    }

    func run() throws {
        let observations = DoctorLook.observe(socket: global.socket, probeTarget: probeTarget)
        let report = DoctorDiagnosis.diagnose(observations)
        if json {
            emit(try JSONOutput.string(report))
        } else {
            emit(DoctorText.render(report), terminator: "")
        }
        if !report.healthy {
            throw CLIFailure(.failed, nil)
        }
    }
}
