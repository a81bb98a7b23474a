/// The `AT+QNETDEVCTL=?` reply, e.g. `+QNETDEVCTL: (0,1,3),(1-16),(0,1)`: for each parameter
/// the values the firmware accepts. A reply at all (rather than ERROR) means the command
/// exists; BG95 support is unconfirmed, so the daemon probes with this.
public struct NetDeviceControlSupport: Equatable, Sendable, ATReply {
    /// One entry per parameter, each a list of accepted ranges.
    public let parameters: [[ClosedRange<Int>]]

    public static var linePrefix: String? { "+QNETDEVCTL" }

    public init(parameters: [[ClosedRange<Int>]]) { self.parameters = parameters }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QNETDEVCTL")
        try info.requireAtMost(8)
        guard !info.fields.isEmpty else { throw ATParseError(.missingField("op"), line: line) }
        var parameters: [[ClosedRange<Int>]] = []
        for (index, field) in info.fields.enumerated() {
            guard case .bare(let text) = field else {
                throw ATParseError(.wrongType(field: "parameter \(index + 1)"), line: line)
            }
            parameters.append(try RangeList.parse(text, field: "parameter \(index + 1)", line: line))
        }
        self.parameters = parameters
    }

    /// True when parameter `index` (0 = `<op>`) accepts `value`.
    public func accepts(_ value: Int, forParameter index: Int) -> Bool {
        guard index < parameters.count else { return false }
        return parameters[index].contains { $0.contains(value) }
    }
}

/// `+QNETDEVCTL: <op>,<cid>,<urc_en>[,<state>]`, the `AT+QNETDEVCTL?` reply.
public struct NetDeviceControlState: Equatable, Sendable, ATReply {
    /// 0 disconnected, 1 connect, 3 auto-connect.
    public let operation: Int
    public let cid: Int
    public let reportsURC: Bool
    /// 1 when the data call is bound to the net device; nil when the firmware omits it.
    public let state: Int?

    public static var linePrefix: String? { "+QNETDEVCTL" }

    public init(operation: Int, cid: Int, reportsURC: Bool, state: Int?) {
        self.operation = operation
        self.cid = cid
        self.reportsURC = reportsURC
        self.state = state
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QNETDEVCTL")
        try info.requireAtMost(4)
        operation = try info.int(0, "op", in: 0...15)
        cid = try info.int(1, "cid", in: 0...255)
        reportsURC = try info.int(2, "urc_en", in: 0...1) == 1
        state = try info.optionalInt(3, "state", in: 0...255)
    }

    /// Connected: `state` 1, or (without a state field) a connect operation.
    public var isConnected: Bool {
        if let state { return state == 1 }
        return operation == 1 || operation == 3
    }
}

/// `+QNETDEVSTATUS: <status>[,...]`: the net-device data call went up (1) or down (0).
public struct NetDeviceStatus: Equatable, Sendable, ATReply {
    public let isConnected: Bool

    public static var linePrefix: String? { "+QNETDEVSTATUS" }

    public init(isConnected: Bool) { self.isConnected = isConnected }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QNETDEVSTATUS")
        try info.requireAtMost(4)
        isConnected = try info.int(0, "status", in: 0...1) == 1
    }
}

/// Parses `(0,1,3)`, `(1-16)`, `(0-1,3)` or a bare `1` into ranges.
enum RangeList {
    static func parse(_ text: String, field: String, line: String) throws(ATParseError) -> [ClosedRange<Int>] {
        var body = Substring(text)
        if body.hasPrefix("(") {
            guard body.hasSuffix(")") else { throw ATParseError(.unbalancedParentheses, line: line) }
            body = body.dropFirst().dropLast()
        }
        var ranges: [ClosedRange<Int>] = []
        for item in body.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2 else {
                throw ATParseError(.notAnInteger(field: field), line: line)
            }
            let low = try ATNumber.decimal(String(bounds[0]).trimmingSpaces(), field: field, line: line)
            let high = bounds.count == 2
                ? try ATNumber.decimal(String(bounds[1]).trimmingSpaces(), field: field, line: line) : low
            guard low <= high else { throw ATParseError(.outOfRange(field: field), line: line) }
            ranges.append(low...high)
        }
        return ranges
    }
}
