/// Identifies one command handed to an `ATSession`, so a stale timer can be told apart.
public struct ATCommandID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: ATCommandID, rhs: ATCommandID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// A completed command: its information lines (echo and URCs removed) and its final result.
public struct ATResponse: Equatable, Sendable, CustomStringConvertible {
    public let id: ATCommandID
    public let command: ATCommand
    /// Information lines in arrival order, without terminators.
    public let lines: [String]
    public let result: ATResult

    public init(id: ATCommandID, command: ATCommand, lines: [String], result: ATResult) {
        self.id = id
        self.command = command
        self.lines = lines
        self.result = result
    }

    public var isOK: Bool { result.isOK }

    /// `command` ended without an answer: the port closed, or it was refused before it was
    /// written (`id` 0 when it never got one).
    public static func cancelled(_ command: ATCommand, id: ATCommandID = ATCommandID(rawValue: 0)) -> ATResponse {
        ATResponse(id: id, command: command, lines: [], result: .cancelled)
    }

    /// Lines starting with `+NAME:` for the given prefix (e.g. `"+CGACT"`).
    public func lines(withPrefix prefix: String) -> [String] {
        lines.filter { ATInformationLine.prefix(of: $0) == prefix }
    }

    /// Returns self when the result is `OK`, else the failure as `ATError`.
    @discardableResult
    public func checked() throws(ATError) -> ATResponse {
        let name = command.description
        switch result {
        case .ok: return self
        case .error: throw .error(command: name)
        case .cme(let error): throw .cme(error, command: name)
        case .cms(let code): throw .cms(code, command: name)
        case .failure(let text): throw .failure(text, command: name)
        case .timedOut: throw .timeout(command: name)
        case .cancelled: throw .cancelled(command: name)
        }
    }

    /// The first line of type `T` parsed, after checking the result is `OK`.
    public func reply<T: ATReply>(_ type: T.Type) throws(ATError) -> T {
        try checked()
        guard let line = candidateLines(for: T.linePrefix).first else {
            throw .missingReply(command: command.description, prefix: T.linePrefix ?? "text")
        }
        do {
            return try T(parsing: line)
        } catch {
            throw .parse(error)
        }
    }

    /// Every line of type `T` parsed (for multi-line replies such as `+CGACT?`), after checking
    /// the result is `OK`. Zero lines is a valid answer.
    public func replies<T: ATReply>(_ type: T.Type) throws(ATError) -> [T] {
        try checked()
        var values: [T] = []
        for line in candidateLines(for: T.linePrefix) {
            do {
                values.append(try T(parsing: line))
            } catch {
                throw .parse(error)
            }
        }
        return values
    }

    private func candidateLines(for prefix: String?) -> [String] {
        if let prefix { return lines(withPrefix: prefix) }
        return lines.filter { ATInformationLine.prefix(of: $0) == nil }
    }

    public var description: String {
        "\(command) -> \(result) (\(lines.count) line\(lines.count == 1 ? "" : "s"))"
    }
}
