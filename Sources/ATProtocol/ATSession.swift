/// The command in flight and the lines collected for it so far.
public struct ATTransaction: Equatable, Sendable {
    public let id: ATCommandID
    public let command: ATCommand
    public fileprivate(set) var lines: [String] = []
}

/// Something the session noticed but did not attach to a command.
public enum ATDiscard: Equatable, Sendable {
    /// The framer dropped a line longer than its cap.
    case overlongLine(length: Int)
    /// A final result code arrived while no command was in flight (typically the late answer
    /// to a command that already timed out).
    case strayResult(String)
    /// The command in flight produced more lines than `ATSession.maxResponseLines`.
    case excessResponseLine
}

/// What the session asks of the IO layer, or reports to its owner.
public enum ATSessionOutput: Equatable, Sendable {
    /// Write `bytes` to the port now and arm a timer of `timeout` that calls
    /// `timeoutFired(for: id)`.
    case write(id: ATCommandID, bytes: [UInt8], timeout: Duration)
    /// A command completed (including timed out and cancelled ones).
    case response(ATResponse)
    /// An unsolicited result code, in arrival order relative to the responses, with the line
    /// as received (at most 256 characters) for `bg95ctl watch`.
    case urc(URC, line: String)
    /// The `> ` data prompt.
    case prompt
    case discarded(ATDiscard)
}

/// Framing and command/response correlation for one AT port, as a pure value (no I/O, no
/// clock, no queue: the owner queues, see `Modem.ATLinkMachine`).
///
/// - One command is in flight at a time: `start` while one is in flight refuses the new one
///   (it completes at once as `.cancelled`).
/// - Each received line is, in this order: the echo of the command in flight (dropped); a
///   final result (`OK`, `ERROR`, `+CME ERROR`, `+CMS ERROR`, `NO CARRIER`, ...) that completes
///   it; an information line the command claims (its own `+NAME:`, see `ATCommand.claims`);
///   a known URC (`URC.parse` not `.unknown`), delivered as `.urc` even mid-response; otherwise
///   an intermediate line of the command (bare text such as the `ATI` lines). A line holding
///   bytes that were not UTF-8 (U+FFFD) is noise and goes out as `.urc(.unknown)`, never into
///   a response. With nothing in flight every line is a URC, and a final result code is
///   reported as `.strayResult`.
/// - Timers live in the IO layer: it arms one per `.write` and calls `timeoutFired(for:)`;
///   a stale id is ignored. After a timeout the module may still answer late; that late
///   `OK` would complete the next command, so owners should resynchronise (e.g. send
///   `ATCommand.attention` and treat repeated timeouts as a dead port).
public struct ATSession: Sendable {
    public static let maxResponseLines = 128

    public private(set) var inFlight: ATTransaction?
    private var framer: ATFramer
    private var nextID: UInt64 = 1

    public init(maxLineLength: Int = ATFramer.defaultMaxLineLength) {
        self.framer = ATFramer(maxLineLength: maxLineLength)
    }

    /// Starts `command`. Returns its id and what to do now: its `.write`, or (a command is
    /// in flight) a `.cancelled` response.
    public mutating func start(_ command: ATCommand) -> (id: ATCommandID, outputs: [ATSessionOutput]) {
        let id = ATCommandID(rawValue: nextID)
        nextID += 1
        guard inFlight == nil else {
            return (id, [.response(.cancelled(command, id: id))])
        }
        inFlight = ATTransaction(id: id, command: command)
        return (id, [.write(id: id, bytes: command.bytes, timeout: command.timeout)])
    }

    /// Feeds bytes read from the port.
    public mutating func receive(_ bytes: some Sequence<UInt8>) -> [ATSessionOutput] {
        var outputs: [ATSessionOutput] = []
        for frame in framer.feed(bytes) {
            switch frame {
            case .prompt:
                outputs.append(.prompt)
            case .overlongLine(let length):
                outputs.append(.discarded(.overlongLine(length: length)))
            case .line(let line):
                handle(line, into: &outputs)
            }
        }
        return outputs
    }

    /// The IO layer's timer for `id` fired. Completes that command as `.timedOut` if it is
    /// still in flight; otherwise (stale timer) does nothing.
    public mutating func timeoutFired(for id: ATCommandID) -> [ATSessionOutput] {
        guard inFlight?.id == id else { return [] }
        var outputs: [ATSessionOutput] = []
        complete(with: .timedOut, into: &outputs)
        return outputs
    }

    /// The port went away (USB re-enumeration, close): the command in flight completes as
    /// `.cancelled` and any partial line is dropped.
    public mutating func reset() -> [ATSessionOutput] {
        var outputs: [ATSessionOutput] = []
        if let transaction = inFlight {
            outputs.append(.response(ATResponse(
                id: transaction.id, command: transaction.command, lines: transaction.lines, result: .cancelled)))
        }
        inFlight = nil
        framer.reset()
        return outputs
    }

    // MARK: Private

    private mutating func handle(_ line: String, into outputs: inout [ATSessionOutput]) {
        guard var transaction = inFlight else {
            if ATResult.finalResult(of: line) != nil {
                outputs.append(.discarded(.strayResult(line)))
            } else {
                outputs.append(.urc(URC.parse(line), line: String(line.prefix(256))))
            }
            return
        }
        if isEcho(line, of: transaction.command) { return }
        if line.unicodeScalars.contains("\u{FFFD}") {
            // Bytes that were not UTF-8: line noise, never part of a response.
            outputs.append(.urc(.unknown(String(line.prefix(256))), line: String(line.prefix(256))))
            return
        }
        if let result = ATResult.finalResult(of: line) {
            complete(with: result, into: &outputs)
            return
        }
        if !transaction.command.claims(line) {
            let urc = URC.parse(line)
            if case .unknown = urc {
                // Not a URC we know: an intermediate line of the command (ATI, AT+QGMR, ...).
            } else {
                outputs.append(.urc(urc, line: String(line.prefix(256))))
                return
            }
        }
        guard transaction.lines.count < ATSession.maxResponseLines else {
            outputs.append(.discarded(.excessResponseLine))
            return
        }
        transaction.lines.append(line)
        inFlight = transaction
    }

    private func isEcho(_ line: String, of command: ATCommand) -> Bool {
        line.utf8.count == command.text.utf8.count && line.uppercased() == command.text.uppercased()
    }

    private mutating func complete(with result: ATResult, into outputs: inout [ATSessionOutput]) {
        guard let transaction = inFlight else { return }
        inFlight = nil
        outputs.append(.response(ATResponse(
            id: transaction.id, command: transaction.command, lines: transaction.lines, result: result)))
    }
}
