/// A value an option or positional argument can take: parsed from the command-line text, nil
/// when the text is not a valid value.
public protocol CommandLineValue {
    init?(commandLineValue text: String)
}

extension String: CommandLineValue {
    public init?(commandLineValue text: String) { self = text }
}

extension Int: CommandLineValue {
    public init?(commandLineValue text: String) { self.init(text) }
}

extension Int64: CommandLineValue {
    public init?(commandLineValue text: String) { self.init(text) }
}

extension UInt8: CommandLineValue {
    public init?(commandLineValue text: String) { self.init(text) }
}

extension UInt32: CommandLineValue {
    public init?(commandLineValue text: String) { self.init(text) }
}

extension Double: CommandLineValue {
    public init?(commandLineValue text: String) {
        guard let value = Double(text), value.isFinite else { return nil }
        self = value
    }
}

/// One flag, option or positional argument of a command `C`, and how it sets `C`'s field.
///
/// The command is a plain struct with defaults (`C()`); every argument writes one field
/// through a key path, so the table of arguments is the whole command-line interface
/// (parsing, `--help`, the man page's input).
public enum CommandLineArgumentKind: String, Sendable {
    case flag, option, positional
}

public struct CommandLineArgument<C> {
    public typealias Kind = CommandLineArgumentKind

    public let kind: Kind
    /// Long names without "--" (a flag with an inversion has two: "rapid-commit", "no-rapid-commit").
    public let names: [String]
    public let short: Character?
    /// What the value is called in the usage text: `--set <key=value>`, `<interface>`.
    public let valueName: String
    public let help: String
    public let isHidden: Bool
    public let isRepeating: Bool
    /// Must be given (a positional or option without a default).
    public let isRequired: Bool
    /// Sets the field from the name used and the value (nil for flags); false: invalid value.
    let apply: (inout C, String, String?) -> Bool
    /// The default shown in help, read from `C()`.
    let defaultText: (C) -> String?

    /// The name shown in usage and errors: `--apn <apn>`, `--json`, `<interface>`.
    public var usage: String {
        switch kind {
        case .flag: return "--" + names[0]
        case .option: return "--\(names[0]) <\(valueName)>"
        case .positional: return "<\(valueName)>"
        }
    }

    /// A flag: present sets the field to true.
    public static func flag(_ name: String, help: String, _ field: WritableKeyPath<C, Bool>) -> Self {
        Self(kind: .flag, names: [name], short: nil, valueName: name, help: help, isHidden: false, isRepeating: false,
             isRequired: false, apply: { command, _, _ in command[keyPath: field] = true; return true }, defaultText: { _ in nil })
    }

    /// A flag with its `--no-` inversion: `--rapid-commit` sets true, `--no-rapid-commit` false.
    public static func flag(_ name: String, inversion: String, help: String, _ field: WritableKeyPath<C, Bool>) -> Self {
        Self(kind: .flag, names: [name, inversion], short: nil, valueName: name, help: help, isHidden: false, isRepeating: false,
             isRequired: false, apply: { command, used, _ in command[keyPath: field] = used == name; return true },
             defaultText: { "--" + ($0[keyPath: field] ? name : inversion) })
    }

    /// An option with a default (the field's value in `C()`); given twice, the last one wins.
    public static func option<V: CommandLineValue>(
        _ name: String, short: Character? = nil, valueName: String? = nil, help: String, hidden: Bool = false,
        _ field: WritableKeyPath<C, V>
    ) -> Self {
        Self(kind: .option, names: [name], short: short, valueName: valueName ?? name, help: help, isHidden: hidden,
             isRepeating: false, isRequired: false,
             apply: parsing { $0[keyPath: field] = $1 },
             defaultText: { String(describing: $0[keyPath: field]) })
    }

    /// An option that must be given (the field's value in `C()` is only a placeholder).
    public static func required<V: CommandLineValue>(
        _ name: String, valueName: String? = nil, help: String, _ field: WritableKeyPath<C, V>
    ) -> Self {
        let plain = option(name, valueName: valueName, help: help, field)
        return Self(kind: .option, names: plain.names, short: nil, valueName: plain.valueName, help: help, isHidden: false,
                    isRepeating: false, isRequired: true, apply: plain.apply, defaultText: { _ in nil })
    }

    /// An option without a default: nil when not given.
    public static func option<V: CommandLineValue>(
        _ name: String, short: Character? = nil, valueName: String? = nil, help: String, hidden: Bool = false,
        _ field: WritableKeyPath<C, V?>
    ) -> Self {
        Self(kind: .option, names: [name], short: short, valueName: valueName ?? name, help: help, isHidden: hidden,
             isRepeating: false, isRequired: false,
             apply: parsing { $0[keyPath: field] = $1 },
             defaultText: { _ in nil })
    }

    /// A repeatable option: every occurrence appends.
    public static func option<V: CommandLineValue>(
        _ name: String, short: Character? = nil, valueName: String? = nil, help: String, _ field: WritableKeyPath<C, [V]>
    ) -> Self {
        Self(kind: .option, names: [name], short: short, valueName: valueName ?? name, help: help, isHidden: false,
             isRepeating: true, isRequired: false,
             apply: parsing { $0[keyPath: field].append($1) },
             defaultText: { _ in nil })
    }

    /// A positional argument that must be given.
    public static func positional<V: CommandLineValue>(_ valueName: String, help: String, _ field: WritableKeyPath<C, V>) -> Self {
        Self(kind: .positional, names: [], short: nil, valueName: valueName, help: help, isHidden: false, isRepeating: false,
             isRequired: true,
             apply: parsing { $0[keyPath: field] = $1 },
             defaultText: { _ in nil })
    }

    /// An `apply` that parses the value as `V` and stores it; a value that does not parse is refused.
    private static func parsing<V: CommandLineValue>(_ store: @escaping (inout C, V) -> Void) -> (inout C, String, String?) -> Bool {
        { command, _, text in
            guard let text, let value = V(commandLineValue: text) else { return false }
            store(&command, value)
            return true
        }
    }

    /// The same argument for a command that holds `C` in a field (a shared group of options).
    public func lifted<Outer>(_ field: WritableKeyPath<Outer, C>) -> CommandLineArgument<Outer> {
        let apply = self.apply
        let defaultText = self.defaultText
        return CommandLineArgument<Outer>(
            kind: kind, names: names, short: short, valueName: valueName, help: help, isHidden: isHidden,
            isRepeating: isRepeating, isRequired: isRequired,
            apply: { outer, used, text in apply(&outer[keyPath: field], used, text) },
            defaultText: { defaultText($0[keyPath: field]) })
    }
}
