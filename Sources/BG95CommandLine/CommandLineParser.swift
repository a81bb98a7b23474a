/// A usage error: what was wrong with the command line, in words (exit status 64, EX_USAGE).
public struct CommandLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// What a command line asked for.
public enum CommandLineRequest<C> {
    case run(C)
    case help
}

/// Parses one command's arguments against its table (`CommandLineArgument`).
///
/// Accepts `--name value`, `--name=value`, `-c value`, flags, positionals in order, and `--`
/// (everything after it is positional). `-h`/`--help` anywhere before `--` asks for help.
/// Refuses unknown options, missing or invalid values, values given to flags, surplus
/// positionals and missing required arguments, with a message naming the argument. The
/// arguments are the caller's own, but they are echoed only in printable form.
public enum CommandLineParser {
    public static func parse<C>(_ arguments: [String], into command: C, table: [CommandLineArgument<C>]) throws(CommandLineError) -> CommandLineRequest<C> {
        // Help wins over any error in the rest of the line, as one would expect when asking for it.
        if arguments.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
            return .help
        }
        var command = command
        var given = Set<Int>()
        let positionals = table.indices.filter { table[$0].kind == .positional }
        var nextPositional = 0
        var onlyPositionals = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if !onlyPositionals && argument == "--" {
                onlyPositionals = true
                continue
            }
            if !onlyPositionals && argument.hasPrefix("-") && argument != "-" {
                var name = argument
                var inline: String?
                if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                    name = String(argument[..<equals])
                    inline = String(argument[argument.index(after: equals)...])
                }
                guard let found = find(name, in: table) else {
                    throw CommandLineError("Unknown option '\(printable(name))'")
                }
                let spec = table[found]
                switch spec.kind {
                case .flag:
                    guard inline == nil else { throw CommandLineError("The flag '\(printable(name))' takes no value") }
                    _ = spec.apply(&command, String(name.drop(while: { $0 == "-" })), nil)
                case .option:
                    let value: String
                    if let inline {
                        value = inline
                    } else if index < arguments.count, !looksLikeOption(arguments[index], table: table) {
                        value = arguments[index]
                        index += 1
                    } else {
                        throw CommandLineError("Missing value for '\(spec.usage)'")
                    }
                    guard spec.apply(&command, spec.names[0], value) else {
                        throw CommandLineError("The value '\(printable(value))' is invalid for '\(spec.usage)'")
                    }
                case .positional:
                    preconditionFailure("find returns flags and options only")
                }
                given.insert(found)
            } else {
                guard nextPositional < positionals.count else {
                    throw CommandLineError("Unexpected argument '\(printable(argument))'")
                }
                let spec = table[positionals[nextPositional]]
                guard spec.apply(&command, spec.valueName, argument) else {
                    throw CommandLineError("The value '\(printable(argument))' is invalid for '\(spec.usage)'")
                }
                given.insert(positionals[nextPositional])
                nextPositional += 1
            }
        }
        for (position, spec) in table.enumerated() where spec.isRequired && !given.contains(position) {
            throw CommandLineError("Missing expected argument '\(spec.usage)'")
        }
        return .run(command)
    }

    private static func find<C>(_ name: String, in table: [CommandLineArgument<C>]) -> Int? {
        if name.hasPrefix("--") {
            let long = String(name.dropFirst(2))
            return table.firstIndex { $0.kind != .positional && $0.names.contains(long) }
        }
        guard name.count == 2, let letter = name.last else { return nil }
        return table.firstIndex { $0.kind != .positional && $0.short == letter }
    }

    /// A following argument is taken as the option's value unless it is itself an option
    /// (a negative number such as "-5" is a value).
    private static func looksLikeOption<C>(_ argument: String, table: [CommandLineArgument<C>]) -> Bool {
        guard argument.hasPrefix("-"), argument != "-" else { return false }
        if argument == "-h" || argument == "--help" || argument == "--" { return true }
        if Double(argument) != nil { return false }
        return true
    }

    /// Control characters replaced, long text cut: an argument echoed in an error stays one line.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            out.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar)
        }
        return text.unicodeScalars.count > 80 ? out + "..." : out
    }
}
