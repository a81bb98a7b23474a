import ATProtocol

/// The policy of one AT port as a pure value: what to write when, and what a reply, a timeout
/// or garbage means. `ModemMachine` owns one and routes the port's bytes, opening and closing
/// through it; its actions become the modem machine's (`ModemIO.ModemController` owns the
/// descriptor and the timers and carries them out).
///
/// - One command in flight, the others queued (FIFO, at most `queueLimit`; beyond it a command
///   completes at once as `.cancelled`). Each gets its reference-table timeout
///   (`ATCommand.timeout`, capped by `maximumCommandTimeout`).
/// - After `opened`, and after a timeout, garbage or an overlong line, nothing queued is
///   written until the port is synchronised: the probe is `ATE0` (echo is on after every boot),
///   so that one `OK` both proves the port and turns echo off; a first probe refused (a line
///   mangled by what was left in the module's input) is sent once more, and any final result
///   then counts. A timed-out module may answer late; that late `OK` must not complete the
///   next command.
/// - Probes time out after `probeTimeout`; after `probesBeforeStall` unanswered ones the link
///   is `.stalled` and probes every `stalledProbeInterval`, without end: the module is never
///   declared dead here (the supervisor decides). A port that has not answered once since it
///   was opened asks to be reopened first (`maximumReopens` times): the open may have raced
///   the device's setup after a re-enumeration.
/// - `closed` completes the in-flight and every queued command as `.cancelled` at once.
public struct ATLinkMachine: Sendable {
    /// How usable the link is.
    public enum Health: Sendable, Equatable, CustomStringConvertible {
        case closed
        /// Opened; probing with `ATE0` before anything else.
        case synchronising
        case ready
        /// A command timed out or garbage arrived: probing before the next command.
        case resynchronising
        /// Probes go unanswered: the AT port is stalled. Probing continues.
        case stalled

        public var description: String {
            switch self {
            case .closed: return "closed"
            case .synchronising: return "synchronising"
            case .ready: return "ready"
            case .resynchronising: return "resynchronising"
            case .stalled: return "stalled"
            }
        }
    }

    public struct Options: Sendable, Equatable {
        public var probeTimeout: Duration = .seconds(2)
        public var probesBeforeStall = 3
        public var stalledProbeInterval: Duration = .seconds(3)
        public var queueLimit = 64
        /// Caps every command's timeout (nil: the reference table's values).
        public var maximumCommandTimeout: Duration?
        /// How often a port that never answered since it was opened is reopened.
        public var maximumReopens = 2

        public init() {}
    }

    /// Identifies one submitted command; the I/O side maps it to the caller's completion.
    public struct Ticket: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public var description: String { "#\(rawValue)" }
    }

    /// The link's two timers; starting one that runs replaces it.
    public enum Timer: Hashable, Sendable {
        /// The command or probe in flight must have its final result by then.
        case response
        /// The pause between probes while stalled.
        case probeDelay
    }

    public enum Event: Sendable, Equatable {
        /// The port was (re)opened.
        case opened
        /// Queue a command.
        case submit(ATCommand, Ticket)
        /// Bytes read from the port.
        case received([UInt8])
        case timerFired(Timer)
        /// The port is gone (closed by the owner, hang-up, I/O error).
        case closed
    }

    public enum Action: Sendable, Equatable {
        /// Write these bytes (the command line of `command`) to the port now.
        case write([UInt8], ATCommand)
        case startTimer(Timer, after: Duration)
        case cancelTimer(Timer)
        /// A submitted command completed (OK, error, `.timedOut`, `.cancelled`).
        case complete(Ticket, ATResponse)
        /// A URC and its line as received.
        case urc(URC, line: String)
        case healthChanged(Health)
        /// The port is ready for the first time since it was opened: the module answers.
        case synchronised
        /// Close the descriptor and open the same path again, then report `.opened`.
        case reopen
        /// A line for the log (commands appear redacted).
        case log(String)
        /// A log line caused by one line that arrived on the port (garbage, an overlong line):
        /// whoever writes to the port can trigger it at will, so the owner rate-limits it.
        case logPortInput(String)
    }

    public let options: Options
    public private(set) var health: Health = .closed

    private var session = ATSession()
    private var queue: [(command: ATCommand, ticket: Ticket)] = []
    private var inFlight: (id: ATCommandID, command: ATCommand, ticket: Ticket?)?
    private var needsResync = false
    private var failedProbes = 0
    private var holdingProbes = false
    private var answeredSinceOpen = false
    /// The current synchronisation's probe was refused once (answered, not OK).
    private var probeRefused = false
    private var readySinceOpen = false
    private var reopens = 0

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Commands waiting behind the one in flight.
    public var queuedCount: Int { queue.count }

    public mutating func handle(_ event: Event, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .opened:
            session = ATSession()
            inFlight = nil
            failedProbes = 0
            probeRefused = false
            holdingProbes = false
            needsResync = true
            readySinceOpen = false
            actions.append(.cancelTimer(.response))
            actions.append(.cancelTimer(.probeDelay))
            setHealth(.synchronising, into: &actions)
            pump(into: &actions)
        case .submit(let command, let ticket):
            guard health != .closed else {
                actions.append(.complete(ticket, ATResponse.cancelled(command)))
                break
            }
            guard queue.count < options.queueLimit else {
                actions.append(.log("AT: queue full (\(options.queueLimit)); refusing \(command)"))
                actions.append(.complete(ticket, ATResponse.cancelled(command)))
                break
            }
            queue.append((command, ticket))
            pump(into: &actions)
        case .received(let bytes):
            for output in session.receive(bytes) { handle(output, into: &actions) }
        case .timerFired(.response):
            guard let current = inFlight else { break }
            for output in session.timeoutFired(for: current.id) { handle(output, into: &actions) }
        case .timerFired(.probeDelay):
            guard holdingProbes else { break }
            holdingProbes = false
            pump(into: &actions)
        case .closed:
            close(into: &actions)
        }
        return actions
    }

    // MARK: Writing

    private mutating func pump(into actions: inout [Action]) {
        guard health != .closed, inFlight == nil, !holdingProbes else { return }
        if needsResync || health != .ready {
            write(.echoOff, ticket: nil, timeout: options.probeTimeout, into: &actions)
            return
        }
        guard !queue.isEmpty else { return }
        let next = queue.removeFirst()
        var timeout = next.command.timeout
        if let cap = options.maximumCommandTimeout, cap < timeout { timeout = cap }
        write(next.command, ticket: next.ticket, timeout: timeout, into: &actions)
    }

    private mutating func write(_ command: ATCommand, ticket: Ticket?, timeout: Duration, into actions: inout [Action]) {
        let (id, outputs) = session.start(command)
        inFlight = (id, command, ticket)
        for output in outputs {
            if case .write(_, let bytes, _) = output {
                actions.append(.write(bytes, command))
                actions.append(.startTimer(.response, after: timeout))
            } else {
                handle(output, into: &actions)
            }
        }
    }

    // MARK: Reading

    private mutating func handle(_ output: ATSessionOutput, into actions: inout [Action]) {
        switch output {
        case .write:
            break  // never produced by `receive` or `timeoutFired`
        case .response(let response):
            guard let current = inFlight, current.id == response.id else { return }
            inFlight = nil
            actions.append(.cancelTimer(.response))
            if response.result != .timedOut, response.result != .cancelled { answeredSinceOpen = true }
            if let ticket = current.ticket {
                if response.result == .timedOut {
                    actions.append(.log("AT: \(response.command) timed out; resynchronising"))
                    needsResync = true
                    setHealth(.resynchronising, into: &actions)
                }
                actions.append(.complete(ticket, response))
                pump(into: &actions)
            } else {
                probeFinished(response, into: &actions)
            }
        case .urc(let urc, let received):
            if case .unknown(let line) = urc, Self.looksLikeGarbage(line) {
                actions.append(.logPortInput("AT: garbage on the port; resynchronising before the next command"))
                needsResync = true
                pump(into: &actions)
                return
            }
            actions.append(.urc(urc, line: received))
        case .prompt:
            break
        case .discarded(let discard):
            switch discard {
            case .overlongLine, .excessResponseLine:
                actions.append(.logPortInput("AT: \(discard); resynchronising before the next command"))
                needsResync = true
                pump(into: &actions)
            case .strayResult:
                break  // typically the late answer to a command that timed out
            }
        }
    }

    private mutating func probeFinished(_ response: ATResponse, into actions: inout [Action]) {
        if response.result == .timedOut || response.result == .cancelled {
            failedProbes += 1
            if failedProbes == options.probesBeforeStall, !answeredSinceOpen, reopens < options.maximumReopens {
                reopens += 1
                actions.append(.log("AT: the port has not answered since it was opened; reopening it"))
                actions.append(.reopen)
                return
            }
            if failedProbes == options.probesBeforeStall {
                actions.append(.log("AT: port stalled: \(failedProbes) probes unanswered; still probing every "
                    + "\(options.stalledProbeInterval.components.seconds) s"))
                setHealth(.stalled, into: &actions)
            }
            if failedProbes >= options.probesBeforeStall {
                holdingProbes = true
                actions.append(.startTimer(.probeDelay, after: options.stalledProbeInterval))
            } else {
                pump(into: &actions)
            }
            return
        }
        // Any final result means the module is listening again (ERROR too: it parsed a line).
        if failedProbes > 0 || health == .stalled {
            actions.append(.log("AT: port answers again after \(failedProbes) unanswered probe(s)"))
        }
        failedProbes = 0
        if !response.isOK, !probeRefused {
            // Likely a line mangled by bytes left in the module's input: the next one is clean.
            probeRefused = true
            write(.echoOff, ticket: nil, timeout: options.probeTimeout, into: &actions)
            return
        }
        probeRefused = false
        needsResync = false
        setHealth(.ready, into: &actions)
        if !readySinceOpen {
            readySinceOpen = true
            actions.append(.synchronised)
        }
        pump(into: &actions)
    }

    private mutating func close(into actions: inout [Action]) {
        let current = inFlight
        inFlight = nil
        let queued = queue
        queue.removeAll()
        _ = session.reset()
        holdingProbes = false
        probeRefused = false
        answeredSinceOpen = false
        readySinceOpen = false
        reopens = 0
        actions.append(.cancelTimer(.response))
        actions.append(.cancelTimer(.probeDelay))
        setHealth(.closed, into: &actions)
        if let current, let ticket = current.ticket {
            actions.append(.complete(ticket, ATResponse.cancelled(current.command, id: current.id)))
        }
        for item in queued {
            actions.append(.complete(item.ticket, ATResponse.cancelled(item.command)))
        }
    }

    private mutating func setHealth(_ new: Health, into actions: inout [Action]) {
        guard new != health else { return }
        health = new
        actions.append(.healthChanged(new))
    }

    /// A line no module prints: replacement characters (bytes that were not UTF-8), other
    /// non-ASCII, or mostly punctuation.
    public static func looksLikeGarbage(_ line: String) -> Bool {
        if line.unicodeScalars.contains(where: { $0 == "\u{FFFD}" || $0.value > 0x7E }) { return true }
        let letters = line.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.count
        return line.unicodeScalars.count >= 4 && letters * 2 < line.unicodeScalars.count
    }
}
