/// One command of a program: a plain struct with defaults, its argument table, and what it does.
public protocol CommandLineCommand {
    init()
    static var name: String { get }
    static var abstract: String { get }
    static var discussion: String { get }
    static var table: [CommandLineArgument<Self>] { get }
    /// Checks combinations of values after parsing; throw `ValidationError` for a usage error.
    func validate() throws
    func run() throws
}

extension CommandLineCommand {
    public static var discussion: String { "" }
    public func validate() throws {}
}

/// A usage error found after parsing (exit status 64 with the usage), e.g. "--cid must be 1-15".
public struct ValidationError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Ends the program with this status and no message (the command printed what it had to say).
public struct ExitCode: Error {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// A program's command tree: a group (the program, `netconfig`) with subcommands, or a command.
///
/// `main` dispatches on the first argument, prints help and the version, and maps outcomes to
/// exit statuses: 0 done, 64 usage error (message, usage line, hint to --help on stderr),
/// `ExitCode`'s own status, 1 for any other error ("Error: ..." on stderr).
public struct CommandLineTool {
    public let name: String
    public let abstract: String
    public let discussion: String
    public let version: String?
    public let subcommands: [CommandLineTool]
    public let defaultSubcommand: String?
    let arguments: [ArgumentDescription]
    let execute: ((_ path: String, _ arguments: [String], _ io: CommandLineIO) -> Int32)?

    public static func command<C: CommandLineCommand>(_ type: C.Type) -> CommandLineTool {
        let defaults = C()
        let descriptions = C.table.map { ArgumentDescription($0, defaults: defaults) }
        return CommandLineTool(
            name: C.name, abstract: C.abstract, discussion: C.discussion, version: nil, subcommands: [], defaultSubcommand: nil,
            arguments: descriptions,
            execute: { path, arguments, io in
                let usage = Self.usageLine(path: path, arguments: descriptions)
                do {
                    switch try CommandLineParser.parse(arguments, into: defaults, table: C.table) {
                    case .help:
                        io.out(Self.help(path: path, abstract: C.abstract, discussion: C.discussion, arguments: descriptions, subcommands: [], defaultSubcommand: nil, version: nil))
                        return 0
                    case .run(let command):
                        try command.validate()
                        try command.run()
                        return 0
                    }
                } catch let error as CommandLineError {
                    io.err("Error: \(error.message)\n\(usage)\n  See '\(path) --help' for more information.")
                    return 64
                } catch let error as ValidationError {
                    io.err("Error: \(error.message)\n\(usage)\n  See '\(path) --help' for more information.")
                    return 64
                } catch let exit as ExitCode {
                    return exit.rawValue
                } catch {
                    io.err("Error: \(error)")
                    return 1
                }
            })
    }

    public static func group(
        name: String, abstract: String, discussion: String = "", version: String? = nil,
        subcommands: [CommandLineTool], defaultSubcommand: String? = nil
    ) -> CommandLineTool {
        CommandLineTool(name: name, abstract: abstract, discussion: discussion, version: version, subcommands: subcommands,
                        defaultSubcommand: defaultSubcommand, arguments: [], execute: nil)
    }

    /// Runs the command line (without the program name) and returns the exit status.
    /// `dumpHelp` turns the tree's description into the JSON `--experimental-dump-help` prints
    /// (the man page's input), so this target needs no JSON encoder of its own.
    public func main(_ arguments: [String], io: CommandLineIO, dumpHelp: ((ToolDescription) -> String)? = nil) -> Int32 {
        if let dumpHelp, arguments == ["--experimental-dump-help"] {
            io.out(dumpHelp(ToolDescription(command: description)))
            return 0
        }
        return dispatch(path: name, arguments, io: io)
    }

    private func dispatch(path: String, _ arguments: [String], io: CommandLineIO) -> Int32 {
        if let execute { return execute(path, arguments, io) }
        let first = arguments.first
        if let first, let sub = subcommands.first(where: { $0.name == first }) {
            return sub.dispatch(path: path + " " + sub.name, Array(arguments.dropFirst()), io: io)
        }
        if first == "-h" || first == "--help" || first == "help" {
            io.out(Self.help(path: path, abstract: abstract, discussion: discussion, arguments: [], subcommands: subcommands,
                             defaultSubcommand: defaultSubcommand, version: version))
            return 0
        }
        if let version, first == "--version" {
            io.out(version)
            return 0
        }
        if let defaultSubcommand, let sub = subcommands.first(where: { $0.name == defaultSubcommand }) {
            return sub.dispatch(path: path + " " + sub.name, arguments, io: io)
        }
        let names = subcommands.map(\.name).joined(separator: ", ")
        if let first {
            io.err("Error: Unknown subcommand '\(CommandLineParser.printable(first))' (known: \(names))\n  See '\(path) --help' for more information.")
        } else {
            io.err("Error: Missing subcommand (known: \(names))\n  See '\(path) --help' for more information.")
        }
        return 64
    }

    static func usageLine(path: String, arguments: [ArgumentDescription]) -> String {
        let items = arguments.filter { !$0.isHidden }.map { argument -> String in
            var item = argument.usage
            if argument.isRepeating { item += " ..." }
            return argument.isRequired ? item : "[\(item)]"
        }
        // Wrapped like the rest of the help: continuation lines line up after the command.
        return wrap([path] + items, width: helpWidth, first: "Usage: ", rest: String(repeating: " ", count: 7 + path.count + 1))
            .joined(separator: "\n")
    }

    /// Help and usage fit an 80-column terminal.
    static let helpWidth = 80

    /// Fills words into lines of at most `width` characters (a longer word gets a line of its
    /// own), the first line starting with `first`, the others with `rest`.
    static func wrap(_ words: [String], width: Int, first: String, rest: String) -> [String] {
        var lines: [String] = []
        var line = first
        var lineHasWord = false
        for word in words {
            if lineHasWord && line.count + 1 + word.count > width {
                lines.append(line)
                line = rest
                lineHasWord = false
            }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        lines.append(line)
        return lines
    }

    static func words(_ text: String) -> [String] {
        text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }

    static func help(
        path: String, abstract: String, discussion: String, arguments: [ArgumentDescription], subcommands: [CommandLineTool],
        defaultSubcommand: String?, version: String?
    ) -> String {
        var lines = wrap(words(abstract), width: helpWidth, first: "OVERVIEW: ", rest: "") + [""]
        if !discussion.isEmpty {
            for paragraph in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += wrap(words(String(paragraph)), width: helpWidth, first: "", rest: "")
            }
            lines.append("")
        }
        if subcommands.isEmpty {
            lines.append(usageLine(path: path, arguments: arguments).replacingPrefix("Usage: ", with: "USAGE: "))
        } else {
            lines.append("USAGE: \(path) <subcommand>")
        }
        func row(_ left: String, _ right: String) -> String {
            let indent = String(repeating: " ", count: 26)
            let padded = left.count < 24 ? left + String(repeating: " ", count: 24 - left.count) : left + "\n" + indent
            // The description wraps at the terminal width, continuing in its column.
            return "  " + padded + wrap(words(right), width: helpWidth - 26, first: "", rest: "")
                .joined(separator: "\n" + indent)
        }
        let positionals = arguments.filter { $0.kind == .positional }
        if !positionals.isEmpty {
            lines += ["", "ARGUMENTS:"] + positionals.map { row($0.usage, $0.help) }
        }
        lines += ["", "OPTIONS:"]
        for argument in arguments where argument.kind != .positional && !argument.isHidden {
            var left = argument.usage
            if argument.names.count == 2 { left = "--\(argument.names[0])/--\(argument.names[1])" }
            if let short = argument.short { left = "-\(short), " + left }
            var right = argument.help
            if let value = argument.defaultValue, !value.isEmpty { right += " (default: \(value))" }
            lines.append(row(left, right))
        }
        if version != nil { lines.append(row("--version", "Show the version.")) }
        lines.append(row("-h, --help", "Show help information."))
        if !subcommands.isEmpty {
            lines += ["", "SUBCOMMANDS:"]
            for sub in subcommands {
                lines.append(row(sub.name + (sub.name == defaultSubcommand ? " (default)" : ""), sub.abstract))
            }
            lines += ["", "  See '\(path) help <subcommand>' for detailed help."]
        }
        return lines.joined(separator: "\n")
    }

    var description: CommandDescription {
        CommandDescription(
            commandName: name, abstract: abstract, discussion: discussion.isEmpty ? nil : discussion,
            defaultSubcommand: defaultSubcommand,
            subcommands: subcommands.isEmpty ? nil : subcommands.map(\.description),
            arguments: arguments.isEmpty ? nil : arguments.map(\.dumped))
    }
}

/// Where a tool writes: standard output and error (lines without newline), given by the program
/// because this target does no I/O of its own; tests capture them.
public struct CommandLineIO: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }
}

/// An argument as help and the man page show it (independent of the command type).
struct ArgumentDescription {
    var kind: CommandLineArgumentKind
    var names: [String]
    var short: Character?
    var valueName: String
    var help: String
    var isHidden: Bool
    var isRepeating: Bool
    var isRequired: Bool
    var defaultValue: String?
    var usage: String

    init<C>(_ argument: CommandLineArgument<C>, defaults: C) {
        kind = argument.kind
        names = argument.names
        short = argument.short
        valueName = argument.valueName
        help = argument.help
        isHidden = argument.isHidden
        isRepeating = argument.isRepeating
        isRequired = argument.isRequired
        defaultValue = argument.defaultText(defaults)
        usage = argument.usage
    }

    var dumped: ArgumentDump {
        var dumpNames = names.map { NameDump(kind: "long", name: $0) }
        if let short { dumpNames.append(NameDump(kind: "short", name: String(short))) }
        return ArgumentDump(
            kind: kind.rawValue, names: dumpNames.isEmpty ? nil : dumpNames,
            preferredName: names.first.map { NameDump(kind: "long", name: $0) },
            valueName: valueName, isOptional: !isRequired, isRepeating: isRepeating, abstract: help,
            defaultValue: defaultValue.flatMap { $0.isEmpty ? nil : $0 }, shouldDisplay: !isHidden)
    }
}

/// The tree `--experimental-dump-help` prints, in swift-argument-parser's ToolInfo shape (the
/// fields scripts/render-man.py reads), so the man pages render as before.
public struct ToolDescription: Encodable {
    public var serializationVersion = 0
    public var command: CommandDescription
}

public struct CommandDescription: Encodable {
    var commandName: String
    var abstract: String
    var discussion: String?
    var defaultSubcommand: String?
    var subcommands: [CommandDescription]?
    var arguments: [ArgumentDump]?
}

struct ArgumentDump: Encodable {
    var kind: String
    var names: [NameDump]?
    var preferredName: NameDump?
    var valueName: String
    var isOptional: Bool
    var isRepeating: Bool
    var abstract: String
    var defaultValue: String?
    var shouldDisplay: Bool
}

struct NameDump: Encodable {
    var kind: String
    var name: String
}

private extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
