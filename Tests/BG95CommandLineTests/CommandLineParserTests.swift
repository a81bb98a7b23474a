@testable import BG95CommandLine
import Synchronization
import XCTest

/// bg95d's command-line parser (BG95CommandLine, which replaced swift-argument-parser in bg95d):
/// the accepted spellings, the refusals and their words, help, exit statuses, the man-page tree.
final class CommandLineParserTests: XCTestCase {
    struct Routing {
        static var table: [CommandLineArgument<Self>] { [.option("metric", help: "Route metric.", \.metric)] }
        var metric: UInt32 = 1024
    }

    struct Sample: CommandLineCommand {
        static let name = "sample"
        static let abstract = "A sample command."
        static var table: [CommandLineArgument<Self>] { [
            .positional("interface", help: "The interface.", \.interface),
            .option("config", short: "c", help: "Configuration file.", \.config),
            .option("set", valueName: "key=value", help: "Override a key (repeatable).", \.overrides),
            .option("cid", help: "Context id.", \.cid),
            .option("timeout", help: "Seconds.", \.timeout),
            .option("apn", help: "APN.", \.apn),
            .required("address", help: "Address.", \.address),
            .option("secret", help: "Hidden.", hidden: true, \.secret),
            .flag("json", help: "JSON output.", \.json),
            .flag("rapid-commit", inversion: "no-rapid-commit", help: "Rapid commit.", \.rapidCommit),
        ] + Routing.table.map { $0.lifted(\.routing) } }

        var interface = ""
        var config = "/etc/x.conf"
        var overrides: [String] = []
        var cid = 1
        var timeout: Double = 30
        var apn: String?
        var address = ""
        var secret: Int?
        var json = false
        var rapidCommit = true
        var routing = Routing()

        func validate() throws {
            if cid == 0 { throw ValidationError("--cid must be 1-15") }
        }

        func run() throws {
            if cid == 7 { throw ExitCode(78) }
            if cid == 8 { throw CommandLineError("a plain error") }
            Self.ran.withLock { $0.append(self.interface) }
        }

        static let ran = Mutex<[String]>([])
    }

    private func parse(_ arguments: [String]) throws(CommandLineError) -> Sample {
        switch try CommandLineParser.parse(arguments, into: Sample(), table: Sample.table) {
        case .run(let sample): return sample
        case .help: throw CommandLineError("help")
        }
    }

    private func refusal(_ arguments: [String]) -> String? {
        do {
            let parsed = try parse(arguments)
            XCTFail("accepted \(arguments): \(parsed)")
            return nil
        } catch {
            return error.message
        }
    }

    func testSpellingsAndDefaults() throws {
        let defaults = try parse(["eth1", "--address", "1.2.3.4/24"])
        XCTAssertEqual(defaults.interface, "eth1")
        XCTAssertEqual(defaults.config, "/etc/x.conf")
        XCTAssertEqual(defaults.cid, 1)
        XCTAssertNil(defaults.apn)
        XCTAssertTrue(defaults.rapidCommit)
        XCTAssertEqual(defaults.routing.metric, 1024)

        let full = try parse([
            "--address=10.0.0.1/8", "-c", "/tmp/a.conf", "--set", "apn=x", "--set=pin_file=/p", "--cid", "3", "--timeout", "-1.5",
            "--apn", "", "--json", "--no-rapid-commit", "--metric", "5", "--secret", "9", "--cid", "4", "--", "-weird",
        ])
        XCTAssertEqual(full.interface, "-weird")
        XCTAssertEqual(full.address, "10.0.0.1/8")
        XCTAssertEqual(full.config, "/tmp/a.conf")
        XCTAssertEqual(full.overrides, ["apn=x", "pin_file=/p"])
        XCTAssertEqual(full.cid, 4, "the last of a repeated option wins")
        XCTAssertEqual(full.timeout, -1.5, "a negative number is a value, not an option")
        XCTAssertEqual(full.apn, "")
        XCTAssertTrue(full.json)
        XCTAssertFalse(full.rapidCommit)
        XCTAssertEqual(full.routing.metric, 5)
        XCTAssertEqual(full.secret, 9)
        XCTAssertTrue(try parse(["eth1", "--address", "a", "--no-rapid-commit", "--rapid-commit"]).rapidCommit)
    }

    func testRefusalsNameTheArgument() {
        let cases: [([String], String)] = [
            (["eth1", "--address", "a", "--nope"], "Unknown option '--nope'"),
            (["eth1", "--address", "a", "-x"], "Unknown option '-x'"),
            (["eth1", "--address", "a", "-cx"], "Unknown option '-cx'"),
            (["eth1", "--address", "a", "--cid", "three"], "The value 'three' is invalid for '--cid <cid>'"),
            (["eth1", "--address", "a", "--cid", "99999999999999999999"], "The value '99999999999999999999' is invalid for '--cid <cid>'"),
            (["eth1", "--address", "a", "--metric", "-1"], "The value '-1' is invalid for '--metric <metric>'"),
            (["eth1", "--address", "a", "--timeout", "nan"], "The value 'nan' is invalid for '--timeout <timeout>'"),
            (["eth1", "--address", "a", "--cid"], "Missing value for '--cid <cid>'"),
            (["eth1", "--address", "a", "--cid", "--json"], "Missing value for '--cid <cid>'"),
            (["eth1", "--address", "a", "--json=yes"], "The flag '--json' takes no value"),
            (["eth1", "eth2", "--address", "a"], "Unexpected argument 'eth2'"),
            (["--address", "a"], "Missing expected argument '<interface>'"),
            (["eth1"], "Missing expected argument '--address <address>'"),
            (["eth1", "--address", "a", "--apn\u{1b}[2J"], "Unknown option '--apn?[2J'"),
        ]
        for (arguments, message) in cases {
            XCTAssertEqual(refusal(arguments), message, "\(arguments)")
        }
        XCTAssertEqual(refusal(["eth1", "--address", "a", "--" + String(repeating: "x", count: 200)]).map(\.count), "Unknown option ''".count + 83)
    }

    func testHelpIsRequestedAnywhereBeforeDoubleDash() throws {
        for arguments in [["-h"], ["eth1", "--help"], ["--cid", "x", "-h"]] {
            guard case .help = try CommandLineParser.parse(arguments, into: Sample(), table: Sample.table) else {
                return XCTFail("\(arguments) did not ask for help")
            }
        }
        XCTAssertEqual(try parse(["--address", "a", "--", "--help"]).interface, "--help")
    }

    private final class Output: @unchecked Sendable {
        var out: [String] = []
        var err: [String] = []
        var io: CommandLineIO {
            CommandLineIO(out: { [self] in out.append($0) }, err: { [self] in err.append($0) })
        }
    }

    private var tool: CommandLineTool {
        .group(name: "tool", abstract: "A tool.", version: "1.2.3",
               subcommands: [.command(Sample.self), .group(name: "net", abstract: "Net.", subcommands: [.command(Sample.self)])],
               defaultSubcommand: "sample")
    }

    func testToolDispatchAndExitStatuses() {
        let output = Output()
        XCTAssertEqual(tool.main(["--version"], io: output.io), 0)
        XCTAssertEqual(output.out, ["1.2.3"])
        XCTAssertEqual(tool.main(["sample", "eth1", "--address", "a"], io: output.io), 0)
        XCTAssertEqual(tool.main(["eth2", "--address", "a"], io: output.io), 0, "the default subcommand")
        XCTAssertEqual(tool.main(["net", "sample", "eth3", "--address", "a"], io: output.io), 0)
        XCTAssertEqual(Sample.ran.withLock { $0 }.suffix(3), ["eth1", "eth2", "eth3"])

        XCTAssertEqual(tool.main(["eth1", "--address", "a", "--cid", "0"], io: output.io), 64, "validate() refuses")
        XCTAssertEqual(output.err.last, """
            Error: --cid must be 1-15
            Usage: tool sample <interface> [--config <config>] [--set <key=value> ...]
                               [--cid <cid>] [--timeout <timeout>] [--apn <apn>]
                               --address <address> [--json] [--rapid-commit]
                               [--metric <metric>]
              See 'tool sample --help' for more information.
            """)
        XCTAssertEqual(tool.main(["eth1", "--nope"], io: output.io), 64)
        XCTAssertTrue(output.err.last?.hasPrefix("Error: Unknown option '--nope'\nUsage: tool sample ") == true)
        XCTAssertEqual(tool.main(["eth1", "--address", "a", "--cid", "7"], io: output.io), 78, "ExitCode passes through")
        let errors = output.err.count
        XCTAssertEqual(tool.main(["eth1", "--address", "a", "--cid", "8"], io: output.io), 64)
        XCTAssertEqual(output.err.count, errors + 1)
        XCTAssertEqual(tool.main(["net"], io: output.io), 64)
        XCTAssertEqual(output.err.last, "Error: Missing subcommand (known: sample)\n  See 'tool net --help' for more information.")
        XCTAssertEqual(tool.main(["net", "bogus"], io: output.io), 64)
        XCTAssertEqual(output.err.last, "Error: Unknown subcommand 'bogus' (known: sample)\n  See 'tool net --help' for more information.")
    }

    func testHelpText() {
        let output = Output()
        XCTAssertEqual(tool.main(["--help"], io: output.io), 0)
        XCTAssertTrue(output.out.last?.contains("  sample (default)        A sample command.") == true, output.out.last ?? "")
        XCTAssertTrue(output.out.last?.contains("  --version               Show the version.") == true)
        XCTAssertEqual(tool.main(["sample", "--help"], io: output.io), 0)
        let help = output.out.last ?? ""
        XCTAssertTrue(help.hasPrefix("OVERVIEW: A sample command.\n\nUSAGE: tool sample <interface> "), help)
        XCTAssertTrue(help.contains("  -c, --config <config>   Configuration file. (default: /etc/x.conf)"), help)
        XCTAssertTrue(help.contains("  --rapid-commit/--no-rapid-commit\n                          Rapid commit. (default: --rapid-commit)"), help)
        XCTAssertTrue(help.contains("  --metric <metric>       Route metric. (default: 1024)"), help)
        XCTAssertFalse(help.contains("secret"), "hidden options stay out of help")
    }

    /// Usage, descriptions and discussion wrap to fit an 80-column terminal.
    func testHelpFitsEightyColumns() {
        let output = Output()
        XCTAssertEqual(tool.main(["sample", "--help"], io: output.io), 0)
        let help = output.out.last ?? ""
        for line in help.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
        XCTAssertEqual(CommandLineTool.wrap(["aaa", "bbb", "ccc"], width: 9, first: "> ", rest: "  "), ["> aaa bbb", "  ccc"])
        XCTAssertEqual(CommandLineTool.wrap(["a-very-long-word"], width: 5, first: "", rest: ""), ["a-very-long-word"])
    }

    func testManPageDescription() {
        let output = Output()
        var dumped: ToolDescription?
        XCTAssertEqual(tool.main(["--experimental-dump-help"], io: output.io) { dumped = $0; return "json" }, 0)
        XCTAssertEqual(output.out, ["json"])
        guard let command = dumped?.command else { return XCTFail("nothing dumped") }
        XCTAssertEqual(command.commandName, "tool")
        XCTAssertEqual(command.defaultSubcommand, "sample")
        XCTAssertEqual(command.subcommands?.map(\.commandName), ["sample", "net"])
        let arguments = command.subcommands?.first?.arguments ?? []
        XCTAssertEqual(arguments.map(\.kind), ["positional", "option", "option", "option", "option", "option", "option", "option", "flag", "flag", "option"])
        let config = arguments[1]
        XCTAssertEqual(config.names?.map(\.name), ["config", "c"])
        XCTAssertEqual(config.defaultValue, "/etc/x.conf")
        XCTAssertTrue(config.isOptional)
        XCTAssertTrue(arguments[2].isRepeating)
        XCTAssertEqual(arguments[2].valueName, "key=value")
        XCTAssertFalse(arguments[6].isOptional, "--address is required")
        XCTAssertFalse(arguments[7].shouldDisplay, "--secret is hidden")
    }
}
