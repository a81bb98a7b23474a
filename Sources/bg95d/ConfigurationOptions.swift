import BG95CommandLine
import BG95Config
import BG95Daemon
import BG95System

/// `--config FILE` and `--set key=value`: every bg95d command reads the daemon's one
/// configuration the same way, so a key means the same in `bg95d run`, `bg95d modem`,
/// `bg95d dhcp` and `bg95d netconfig` (a field of the command, its `table` lifted into the
/// command's).
struct ConfigurationOptions {
    static var table: [CommandLineArgument<Self>] { [
        .option("config", short: "c", valueName: "file",
                help: "Configuration file (bg95d run: default /etc/bg95d.conf, a missing default file means all defaults; the other commands: none).",
                \.config),
        .option("set", valueName: "key=value", help: "Override any configuration key (repeatable).", \.overrides),
    ] }

    var config: String?
    var overrides: [String] = []

    /// The file (or `defaultFile` when it exists), then `--set`, then `named` (a command's own
    /// options, as the keys they stand for), the last one winning. Values that parse but can never work
    /// here (a missing PIN file, an unknown group, the system's resolv.conf) are refused too.
    func load(defaultFile: String? = nil, named: [(key: String, value: String?)] = []) throws(ConfigurationRefusal) -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        do {
            if let path = config ?? defaultFile {
                let text: String?
                do { text = try TextFile.read(path) } catch { throw ConfigurationRefusal(message: "\(error)") }
                if let text {
                    configuration = try ConfigurationParser.parse(text, file: path)
                } else if config != nil {
                    throw ConfigurationRefusal(message: "\(path): no such file")
                }
            }
            var pairs: [(key: String, value: String)] = []
            for text in overrides { pairs.append(try ConfigurationParser.splitOverride(text)) }
            for (key, value) in named { if let value { pairs.append((key, value)) } }
            if !pairs.isEmpty { configuration = try ConfigurationParser.applyOverrides(pairs, to: configuration) }
        } catch let refusal as ConfigurationRefusal {
            throw refusal
        } catch let error as ConfigurationError {
            throw ConfigurationRefusal(message: "bad configuration: \(error)")
        } catch {
            throw ConfigurationRefusal(message: "bad configuration: \(error)")
        }
        let problems = ConfigurationCheck.problems(in: configuration)
        if !problems.isEmpty {
            throw ConfigurationRefusal(message: "bad configuration: " + problems.joined(separator: "; "))
        }
        return configuration
    }
}

/// A configuration bg95d refuses to run with (file:line or option, and why).
struct ConfigurationRefusal: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
