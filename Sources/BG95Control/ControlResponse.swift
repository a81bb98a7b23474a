/// What a successful command returns (`"result"` of a response).
public enum ControlResult: Equatable, Sendable {
    /// `status`.
    case status(StatusSnapshot)
    /// `up`, `down`, `reset`, `watch`: accepted; `state` is the supervisor state right now
    /// (so `watch --until online` can stop at once when already online).
    case accepted(state: String)
    /// `at`.
    case at(ATPassthroughResult)
}

/// The daemon's answer to one request: exactly one per request, with the request's `id`
/// (`null` when the request was too broken to read one) and its `cmd` (when known).
///
/// `{"v":1,"id":7,"cmd":"status","ok":true,"result":{...}}` or
/// `{"v":1,"id":7,"cmd":"down","ok":false,"error":{"code":"permission-denied","message":"..."}}`.
public struct ControlResponse: Equatable, Sendable, Codable {
    public var id: Int?
    public var command: ControlCommand?
    public var outcome: Result<ControlResult, ControlFailure>

    public init(id: Int?, command: ControlCommand?, outcome: Result<ControlResult, ControlFailure>) {
        self.id = id
        self.command = command
        self.outcome = outcome
    }

    enum CodingKeys: String, CodingKey {
        case v, id, cmd, ok, result, error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(controlProtocolVersion, forKey: .v)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(command, forKey: .cmd)
        switch outcome {
        case .success(let result):
            try container.encode(true, forKey: .ok)
            switch result {
            case .status(let snapshot): try container.encode(snapshot, forKey: .result)
            case .accepted(let state): try container.encode(["state": state], forKey: .result)
            case .at(let at): try container.encode(at, forKey: .result)
            }
        case .failure(let failure):
            try container.encode(false, forKey: .ok)
            try container.encode(failure, forKey: .error)
        }
    }

    /// Decodes a response; the shape of `result` follows `cmd`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .v)
        guard version == controlProtocolVersion else {
            throw DecodingError.dataCorruptedError(forKey: .v, in: container, debugDescription: "unsupported protocol version \(version)")
        }
        id = try container.decodeIfPresent(Int.self, forKey: .id)
        command = try container.decodeIfPresent(ControlCommand.self, forKey: .cmd)
        if try container.decode(Bool.self, forKey: .ok) {
            guard let command else {
                throw DecodingError.dataCorruptedError(forKey: .cmd, in: container, debugDescription: "successful response without cmd")
            }
            switch command {
            case .status:
                outcome = .success(.status(try container.decode(StatusSnapshot.self, forKey: .result)))
            case .up, .down, .reset, .watch:
                let accepted = try container.decode([String: String].self, forKey: .result)
                outcome = .success(.accepted(state: accepted["state"] ?? "unknown"))
            case .at:
                outcome = .success(.at(try container.decode(ATPassthroughResult.self, forKey: .result)))
            }
        } else {
            outcome = .failure(try container.decode(ControlFailure.self, forKey: .error))
        }
    }
}

/// Something the daemon pushes to subscribed clients (`watch`, `up`/`down` with `follow`).
///
/// `{"v":1,"event":"state","state":"registering","previous":"configuring-module","reason":"..."}`,
/// `{"v":1,"event":"urc","line":"+CEREG: 5"}`,
/// `{"v":1,"event":"error","message":"SIM PIN rejected","fatal":true}`.
public enum ControlEvent: Equatable, Sendable, Codable {
    /// The supervisor entered `state` (from `previous`), with an optional reason.
    case state(state: String, previous: String?, reason: String?)
    /// An unsolicited result code from the module, as received.
    case urc(line: String)
    /// An error worth showing; `fatal` means the daemon will not retry without operator
    /// action (wrong PIN, SIM missing), so a waiting `bg95ctl up` gives up.
    case error(message: String, fatal: Bool)

    enum CodingKeys: String, CodingKey {
        case v, event, state, previous, reason, line, message, fatal
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(controlProtocolVersion, forKey: .v)
        switch self {
        case .state(let state, let previous, let reason):
            try container.encode("state", forKey: .event)
            try container.encode(state, forKey: .state)
            try container.encodeIfPresent(previous, forKey: .previous)
            try container.encodeIfPresent(reason, forKey: .reason)
        case .urc(let line):
            try container.encode("urc", forKey: .event)
            try container.encode(line, forKey: .line)
        case .error(let message, let fatal):
            try container.encode("error", forKey: .event)
            try container.encode(message, forKey: .message)
            try container.encode(fatal, forKey: .fatal)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .event)
        switch kind {
        case "state":
            self = .state(
                state: try container.decode(String.self, forKey: .state),
                previous: try container.decodeIfPresent(String.self, forKey: .previous),
                reason: try container.decodeIfPresent(String.self, forKey: .reason)
            )
        case "urc":
            self = .urc(line: try container.decode(String.self, forKey: .line))
        case "error":
            self = .error(message: try container.decode(String.self, forKey: .message), fatal: try container.decodeIfPresent(Bool.self, forKey: .fatal) ?? false)
        default:
            throw DecodingError.dataCorruptedError(forKey: .event, in: container, debugDescription: "unknown event \(kind)")
        }
    }

    /// Whether this is a URC event (only sent to subscriptions that asked for URCs).
    public var isURC: Bool {
        if case .urc = self { return true }
        return false
    }
}

/// One line from the daemon, as a client reads it: a response or an event.
public enum ControlMessage: Equatable, Sendable {
    case response(ControlResponse)
    case event(ControlEvent)

    /// Parses one line (without newline). Lines with an `"event"` key are events; the rest
    /// responses. Throws `ControlFailure(.invalidRequest, ...)` describing what was wrong.
    public init(parsing line: some Collection<UInt8>) throws(ControlFailure) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(line, limits: .controlMessage)
        } catch {
            throw ControlFailure(.invalidRequest, "daemon sent a line that is not JSON: \(error)")
        }
        guard case .object(let probe) = document else {
            throw ControlFailure(.invalidRequest, "daemon sent a line that is not a JSON object")
        }
        do {
            if probe["event"] != nil {
                self = .event(try JSONTreeDecoder.decode(ControlEvent.self, from: document))
            } else {
                self = .response(try JSONTreeDecoder.decode(ControlResponse.self, from: document))
            }
        } catch {
            throw ControlFailure(.invalidRequest, "daemon sent a malformed message: \(error)")
        }
    }

    /// The message as one JSON line without newline.
    public func encoded() -> [UInt8] {
        switch self {
        case .response(let response): return ControlJSON.encode(response)
        case .event(let event): return ControlJSON.encode(event)
        }
    }
}
