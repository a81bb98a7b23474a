import ATProtocol
import BG95System
import Dispatch

/// The AT conversation with the module over its serial port, on the daemon's queue.
///
/// - One command in flight, the others queued behind it (FIFO, at most `queueLimit`); each gets
///   the per-command timeout of `ATCommand.timeout` (bg95-reference.md's table).
/// - After every open the channel synchronises before any queued command is written: it sends
///   `AT` until `OK` (the module may still be booting after a re-enumeration) and then `ATE0`.
/// - After a timeout, an overlong line or garbage it resynchronises the same way: a timed-out
///   module may answer late, and that late `OK` must not complete the next command. Probes use
///   a short timeout; after `probesBeforeStall` unanswered probes the channel reports itself
///   `.stalled` and keeps probing (slower) until the module answers again or the port closes —
///   it never declares the module dead on its own. A port that has not answered once since it
///   was opened is reopened (twice at most) before it is called stalled: the open may have raced
///   the device's setup after a re-enumeration.
/// - URCs are delivered at any time, also in the middle of a command's response.
/// - Closing (by the owner or because the device went away) completes the in-flight and every
///   queued command as `.cancelled` at once; nothing waits forever on a closed port.
///
/// All methods must be called on `queue`; callbacks run on it.
public final class ATChannel: @unchecked Sendable {
    /// How usable the channel is.
    public enum Health: Sendable, Equatable, CustomStringConvertible {
        case closed
        /// Opened; probing with `AT` and sending `ATE0` before anything else.
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

    public struct Options: Sendable {
        /// Timeout of one `AT` probe while (re)synchronising.
        public var probeTimeout: Duration = .seconds(2)
        /// Unanswered probes before the channel reports `.stalled`.
        public var probesBeforeStall = 3
        /// Delay between probes once stalled.
        public var stalledProbeInterval: Duration = .seconds(3)
        /// Queued commands beyond this complete at once as `.cancelled`.
        public var queueLimit = 64
        /// Log every line written and every response (PIN/password redacted).
        public var trace = false
        /// Where the port's lock file lives.
        public var lockDirectory = "/run/lock"
        /// Caps every command's timeout (nil: the reference table's values). For tests and for
        /// simulators that run faster than real time.
        public var maximumCommandTimeout: Duration?

        public init() {}
    }

    public let queue: DispatchQueue
    public let options: Options
    public private(set) var health: Health = .closed
    /// The device node currently open, if any.
    public var portPath: String? { port?.path }

    /// URCs, in arrival order.
    public var onURC: ((URC) -> Void)?
    /// Health changes (e.g. to report a stalled port).
    public var onHealthChange: ((Health) -> Void)?

    private let log: (String) -> Void
    private var port: SerialPort?
    private var session = ATSession()
    private var onClosed: ((String) -> Void)?

    private struct Pending {
        let command: ATCommand
        let completion: ((ATResponse) -> Void)?
    }
    private var pending: [Pending] = []
    private var inFlight: (id: ATCommandID, pending: Pending, isProbe: Bool)?
    private var timer: DispatchSourceTimer?
    private var timerGeneration = 0
    private var failedProbes = 0
    private var needsResync = false
    /// Set between probes while stalled.
    private var probeHold = false
    /// Whether the module answered anything since the port was opened (see `reopenSilentPort`).
    private var answeredSinceOpen = false
    private var reopens = 0

    public init(queue: DispatchQueue, options: Options = Options(), log: @escaping (String) -> Void) {
        self.queue = queue
        self.options = options
        self.log = log
    }

    deinit { timer?.cancel() }

    /// Opens `path` (exclusively), then synchronises. `onClosed` is called once if the port
    /// closes by itself (device gone, I/O error), after pending commands were cancelled.
    public func open(_ path: String, onClosed: @escaping (String) -> Void) throws(ModemIOError) {
        dispatchPrecondition(condition: .onQueue(queue))
        if port != nil { close(reason: "reopening") }
        let port = SerialPort(path: path, queue: queue)
        try port.open(
            lockDirectory: options.lockDirectory, log: log,
            onBytes: { [weak self] bytes in self?.received(bytes) },
            onClose: { [weak self] reason in self?.portClosed(reason) })
        self.port = port
        self.onClosed = onClosed
        session = ATSession(queueLimit: 0)
        failedProbes = 0
        probeHold = false
        answeredSinceOpen = false
        reopens = 0
        needsResync = true
        setHealth(.synchronising)
        pump()
    }

    /// Closes the port; in-flight and queued commands complete as `.cancelled`.
    public func close(reason: String = "closed") {
        dispatchPrecondition(condition: .onQueue(queue))
        onClosed = nil
        shutDown(reason)
    }

    /// Queues `command`; `completion` gets its response (OK, error, `.timedOut`, `.cancelled`).
    public func send(_ command: ATCommand, completion: ((ATResponse) -> Void)? = nil) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard port != nil else {
            completion?(ATResponse(id: ATCommandID(rawValue: 0), command: command, lines: [], result: .cancelled))
            return
        }
        guard pending.count < options.queueLimit else {
            log("AT: queue full (\(options.queueLimit)); refusing \(command)")
            completion?(ATResponse(id: ATCommandID(rawValue: 0), command: command, lines: [], result: .cancelled))
            return
        }
        pending.append(Pending(command: command, completion: completion))
        pump()
    }

    /// Commands waiting behind the one in flight.
    public var queuedCount: Int { pending.count }

    // MARK: Writing

    private func pump() {
        guard port != nil, inFlight == nil, !probeHold else { return }
        if needsResync || health == .synchronising || health == .resynchronising || health == .stalled {
            write(Pending(command: .attention, completion: nil), isProbe: true, timeout: options.probeTimeout)
            return
        }
        guard !pending.isEmpty else { return }
        let next = pending.removeFirst()
        var timeout = next.command.timeout
        if let cap = options.maximumCommandTimeout, cap < timeout { timeout = cap }
        write(next, isProbe: false, timeout: timeout)
    }

    private func write(_ item: Pending, isProbe: Bool, timeout: Duration) {
        let (id, outputs) = session.enqueue(item.command)
        inFlight = (id, item, isProbe)
        for output in outputs {
            switch output {
            case .write(_, let bytes, _):
                if options.trace { log("AT> \(item.command)") }
                do {
                    try port?.write(bytes)
                } catch {
                    return  // the port closed itself; portClosed already cancelled everything
                }
                arm(timeout, for: id)
            case .response, .urc, .prompt, .discarded:
                handle(output)
            }
        }
    }

    private func arm(_ timeout: Duration, for id: ATCommandID) {
        timer?.cancel()
        timerGeneration += 1
        let generation = timerGeneration
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + timeout.dispatchInterval)
        timer.setEventHandler { [weak self] in
            guard let self, generation == self.timerGeneration else { return }
            for output in self.session.timeoutFired(for: id) { self.handle(output) }
        }
        timer.resume()
        self.timer = timer
    }

    // MARK: Reading

    private func received(_ bytes: [UInt8]) {
        for output in session.receive(bytes) { handle(output) }
    }

    private func handle(_ output: ATSessionOutput) {
        switch output {
        case .write:
            break  // never produced: the session's own queue is not used
        case .response(let response):
            guard let current = inFlight, current.id == response.id else { return }
            inFlight = nil
            if response.result != .timedOut, response.result != .cancelled { answeredSinceOpen = true }
            timer?.cancel()
            timer = nil
            if options.trace { log("AT< \(response)") }
            if current.isProbe {
                probeFinished(response)
            } else {
                if response.result == .timedOut {
                    log("AT: \(response.command) timed out; resynchronising")
                    needsResync = true
                    setHealth(.resynchronising)
                }
                current.pending.completion?(response)
            }
            pump()
        case .urc(let urc):
            if case .unknown(let line) = urc, Self.looksLikeGarbage(line) {
                log("AT: garbage on the port; resynchronising before the next command")
                needsResync = true
                pump()
                return
            }
            if options.trace { log("AT< URC \(urc)") }
            onURC?(urc)
        case .prompt:
            break
        case .discarded(let discard):
            switch discard {
            case .overlongLine, .excessResponseLine:
                log("AT: \(discard); resynchronising before the next command")
                needsResync = true
                pump()
            case .strayResult(let line):
                if options.trace { log("AT: stray \(line) (late answer)") }
            }
        }
    }

    private func probeFinished(_ response: ATResponse) {
        if response.result == .timedOut || response.result == .cancelled {
            failedProbes += 1
            if failedProbes == options.probesBeforeStall, !answeredSinceOpen, reopens < 2 {
                // Not one answer since the open: the open may have raced the device's setup
                // (a fresh re-enumeration). A new descriptor costs nothing and nothing is lost.
                reopens += 1
                reopenSilentPort()
                return
            }
            if failedProbes == options.probesBeforeStall {
                log("AT: port stalled: \(failedProbes) probes unanswered; still probing every "
                    + "\(options.stalledProbeInterval.components.seconds) s")
                setHealth(.stalled)
            }
            if failedProbes >= options.probesBeforeStall {
                // Probe again later rather than back to back.
                probeHold = true
                timerGeneration += 1
                let generation = timerGeneration
                queue.asyncAfter(deadline: .now() + options.stalledProbeInterval.dispatchInterval) { [weak self] in
                    guard let self, generation == self.timerGeneration else { return }
                    self.probeHold = false
                    self.pump()
                }
            }
            return
        }
        // Any final result means the module is listening again (ERROR too: it parsed a line).
        let wasStalled = health == .stalled
        if response.command == .attention {
            if failedProbes > 0 || wasStalled {
                log("AT: port answers again after \(failedProbes) unanswered probe(s)")
            }
            failedProbes = 0
            // Echo may be back on after a reboot, so ATE0 follows every synchronisation.
            write(Pending(command: .echoOff, completion: nil), isProbe: true, timeout: options.probeTimeout)
            return
        }
        // ATE0 answered.
        needsResync = false
        setHealth(.ready)
    }

    private func reopenSilentPort() {
        guard let old = port else { return }
        let path = old.path
        log("AT: \(path) has not answered since it was opened; reopening it")
        timer?.cancel()
        timer = nil
        timerGeneration += 1
        probeHold = false
        inFlight = nil
        _ = session.reset()
        old.close()
        port = nil
        let fresh = SerialPort(path: path, queue: queue)
        do {
            try fresh.open(
                lockDirectory: options.lockDirectory, log: log,
                onBytes: { [weak self] bytes in self?.received(bytes) },
                onClose: { [weak self] reason in self?.portClosed(reason) })
        } catch {
            portClosed("reopening failed: \(error)")
            return
        }
        port = fresh
        session = ATSession(queueLimit: 0)
        failedProbes = 0
        needsResync = true
        pump()
    }

    private func portClosed(_ reason: String) {
        let callback = onClosed
        onClosed = nil
        shutDown(reason)
        callback?(reason)
    }

    private func shutDown(_ reason: String) {
        timer?.cancel()
        timer = nil
        timerGeneration += 1
        probeHold = false
        if let port {
            port.close()
            self.port = nil
            log("AT: \(port.path) closed: \(reason)")
        }
        let current = inFlight
        inFlight = nil
        let queued = pending
        pending.removeAll()
        _ = session.reset()
        setHealth(.closed)
        if let current, !current.isProbe {
            current.pending.completion?(ATResponse(id: current.id, command: current.pending.command, lines: [], result: .cancelled))
        }
        for item in queued {
            item.completion?(ATResponse(id: ATCommandID(rawValue: 0), command: item.command, lines: [], result: .cancelled))
        }
    }

    private func setHealth(_ new: Health) {
        guard new != health else { return }
        health = new
        onHealthChange?(new)
    }

    /// A line that no module prints: replacement characters (bytes that were not UTF-8) or
    /// mostly non-alphanumeric noise.
    static func looksLikeGarbage(_ line: String) -> Bool {
        if line.unicodeScalars.contains(where: { $0 == "\u{FFFD}" || $0.value > 0x7E }) { return true }
        let letters = line.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.count
        return line.unicodeScalars.count >= 4 && letters * 2 < line.unicodeScalars.count
    }
}
