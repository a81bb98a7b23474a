/// The protocol version this library speaks; every request, response and event carries it as `"v"`.
public let controlProtocolVersion = 1

/// The longest request line the server accepts, newline included. Longer lines are refused
/// with `request-too-large` and the connection is closed.
public let controlMaxRequestBytes = 4096

/// One request from a control client: `{"v":1,"id":7,"cmd":"status"}` plus the command's fields.
///
/// Decoding is strict (see `init(parsing:)`): unknown fields, a missing `v`/`id`/`cmd`, a wrong
/// type, an unknown command or an unsafe AT string are refused with a `ControlFailure` that
/// names the field, never guessed at.
public struct ControlRequest: Equatable, Sendable {
    /// Chosen by the client, echoed in the response: a non-negative integer below 2^53.
    public var id: Int
    /// The command and its arguments.
    public var command: Command

    public enum Command: Equatable, Sendable {
        case status
        /// `follow`: keep the connection subscribed to state events after the response.
        case up(follow: Bool)
        case down(follow: Bool)
        /// `command`: a validated AT command line (see `ATPassthrough.validate`);
        /// `timeout`: seconds the daemon waits for the final result code (nil: its default).
        case at(command: String, timeout: Int?)
        /// `urcs`: also stream unsolicited result codes from the module.
        case watch(urcs: Bool)
        case reset
    }

    public init(id: Int, command: Command) {
        self.id = id
        self.command = command
    }

    /// The command's name on the wire.
    public var name: ControlCommand {
        switch command {
        case .status: return .status
        case .up: return .up
        case .down: return .down
        case .at: return .at
        case .watch: return .watch
        case .reset: return .reset
        }
    }

    /// Whether a successful response subscribes the connection to events.
    public var subscribes: Bool {
        switch command {
        case .watch: return true
        case .up(let follow), .down(let follow): return follow
        case .status, .at, .reset: return false
        }
    }

    /// Whether URC events go to the subscription this request opens.
    public var wantsURCs: Bool {
        if case .watch(let urcs) = command { return urcs }
        return false
    }
}

extension ControlRequest {
    /// The error a request line gets when it cannot be parsed, with the `id` when one was
    /// readable so the client can still correlate it.
    public struct ParseError: Error, Equatable, Sendable {
        public var id: Int?
        public var failure: ControlFailure
    }

    /// Parses one request line (without its newline).
    ///
    /// Refuses, with a reason naming the field: invalid JSON or UTF-8 (with what was wrong and
    /// where, see `JSONParser`; also nesting deeper than 16 levels and duplicate keys), a non-object document,
    /// a missing or non-1 `v` (`unsupported-version`), a missing or non-integer `id`, an unknown
    /// `cmd` (`unknown-command`), a field the command does not take, a field of the wrong type,
    /// and an AT command that fails `ATPassthrough.validate` (`invalid-argument`).
    public init(parsing line: some Collection<UInt8>) throws(ParseError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line, limits: .controlRequest)
        } catch {
            throw ParseError(id: nil, failure: .init(.invalidRequest, "request is not valid JSON: \(error)"))
        }
        guard case .object(let object) = value else {
            throw ParseError(id: nil, failure: .init(.invalidRequest, "request must be a JSON object, got \(value.typeName)"))
        }
        // Read the id first so every later error can carry it.
        var fields = FieldReader(object: object)
        let id: Int
        do {
            id = try fields.requiredInteger("id", range: 0...(1 << 53))
        } catch {
            throw ParseError(id: nil, failure: error)
        }
        do throws(ControlFailure) {
            let version = try fields.requiredInteger("v", range: Int.min...Int.max)
            guard version == controlProtocolVersion else {
                throw ControlFailure(.unsupportedVersion, "protocol version \(version) is not supported (this daemon speaks v\(controlProtocolVersion))")
            }
            let name = try fields.requiredString("cmd")
            if name == Self.retiredDoctor {
                throw ControlFailure(.unknownCommand, "\"doctor\" is no longer a daemon command: run `bg95ctl doctor`, which checks the host and the module itself")
            }
            guard let known = ControlCommand(rawValue: name) else {
                throw ControlFailure(.unknownCommand, "unknown command \"\(ControlFailure.printable(name))\" (known: \(ControlCommand.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let command: Command
            switch known {
            case .status: command = .status
            case .up: command = .up(follow: try fields.optionalBool("follow") ?? false)
            case .down: command = .down(follow: try fields.optionalBool("follow") ?? false)
            case .at:
                let line = try fields.requiredString("command")
                if let reason = ATPassthrough.validate(line) {
                    throw ControlFailure(.invalidArgument, "command: \(reason)")
                }
                let timeout = try fields.optionalInteger("timeout", range: ATPassthrough.timeoutRange)
                command = .at(command: line, timeout: timeout)
            case .watch: command = .watch(urcs: try fields.optionalBool("urcs") ?? true)
            case .reset: command = .reset
            }
            try fields.rejectUnread(command: name)
            self.init(id: id, command: command)
        } catch {
            throw ParseError(id: id, failure: error)
        }
    }

    /// The daemon once answered `doctor` from cached state; old scripts get told where it went.
    static let retiredDoctor = "doctor"

    /// The request as one JSON line (without newline), as `ControlClient` sends it.
    public func encoded() -> [UInt8] {
        var object: [String: JSONValue] = [
            "v": .number(Double(controlProtocolVersion)),
            "id": .number(Double(id)),
            "cmd": .string(name.rawValue),
        ]
        switch command {
        case .status, .reset: break
        case .up(let follow), .down(let follow): object["follow"] = .bool(follow)
        case .at(let line, let timeout):
            object["command"] = .string(line)
            if let timeout { object["timeout"] = .number(Double(timeout)) }
        case .watch(let urcs): object["urcs"] = .bool(urcs)
        }
        return ControlJSON.encode(JSONValue.object(object))
    }
}

/// Reads typed fields out of a request object, remembering which were read so that
/// unknown ones can be refused.
struct FieldReader {
    let object: [String: JSONValue]
    private(set) var read: Set<String> = []

    init(object: [String: JSONValue]) { self.object = object }

    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    mutating func requiredInteger(_ key: String, range: ClosedRange<Int>) throws(ControlFailure) -> Int {
        guard let value = try optionalInteger(key, range: range) else {
            throw ControlFailure(.invalidRequest, "missing field \"\(key)\"")
        }
        return value
    }

    mutating func optionalInteger(_ key: String, range: ClosedRange<Int>) throws(ControlFailure) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, number.magnitude < 9.1e15 else {
            throw ControlFailure(.invalidRequest, "field \"\(key)\" must be an integer, got \(value.typeName)")
        }
        let integer = Int(number)
        guard range.contains(integer) else {
            throw ControlFailure(.invalidRequest, "field \"\(key)\" must be within \(range.lowerBound)...\(range.upperBound), got \(integer)")
        }
        return integer
    }

    mutating func requiredString(_ key: String) throws(ControlFailure) -> String {
        guard let value = value(key) else { throw ControlFailure(.invalidRequest, "missing field \"\(key)\"") }
        guard case .string(let string) = value else {
            throw ControlFailure(.invalidRequest, "field \"\(key)\" must be a string, got \(value.typeName)")
        }
        return string
    }

    mutating func optionalBool(_ key: String) throws(ControlFailure) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw ControlFailure(.invalidRequest, "field \"\(key)\" must be a boolean, got \(value.typeName)")
        }
        return flag
    }

    func rejectUnread(command: String) throws(ControlFailure) {
        let unknown = object.keys.filter { !read.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        throw ControlFailure(.invalidRequest, "command \"\(command)\" takes no field \"\(ControlFailure.printable(first))\"")
    }
}
