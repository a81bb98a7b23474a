import ATProtocol
import BG95System
import Dispatch
import LogLimit
import Modem

/// The AT conversation with the module over its serial port, on the daemon's queue.
///
/// The policy (one command in flight with a FIFO behind it, reference-table timeouts, `AT` +
/// `ATE0` after every open and after a timeout or garbage, stall reporting, reopening a port
/// that never answered) is the pure `ATLinkMachine`; this class carries out its actions:
/// it owns the `SerialPort`, the two timers and the callers' completions.
///
/// URCs are delivered at any time, also in the middle of a command's response. Closing (by the
/// owner or because the device went away) completes the in-flight and every queued command as
/// `.cancelled` at once; nothing waits forever on a closed port.
///
/// Log lines that whoever writes to the port can trigger one per line (garbage, overlong lines,
/// and with `trace` every URC) pass a `RateLimitedLog`, so a babbling port or a URC storm
/// cannot fill the log; a timer writes the summary of what was suppressed.
///
/// All methods must be called on `queue`; callbacks run on it.
public final class ATChannel: @unchecked Sendable {
    public typealias Health = ATLinkMachine.Health

    public struct Options: Sendable {
        /// Timeout of one `AT` probe while (re)synchronising.
        public var probeTimeout: Duration = .seconds(2)
        /// Unanswered probes before the channel reports `.stalled`.
        public var probesBeforeStall = 3
        /// Delay between probes once stalled.
        public var stalledProbeInterval: Duration = .seconds(3)
        /// Queued commands beyond this complete at once as `.cancelled`.
        public var queueLimit = 64
        /// Log every command written and every response (PIN/password redacted).
        public var trace = false
        /// Where the port's lock file lives.
        public var lockDirectory = "/run/lock"
        /// Caps every command's timeout (nil: the reference table's values). For tests and for
        /// simulators that run faster than real time.
        public var maximumCommandTimeout: Duration?

        public init() {}

        var link: ATLinkMachine.Options {
            var link = ATLinkMachine.Options()
            link.probeTimeout = probeTimeout
            link.probesBeforeStall = probesBeforeStall
            link.stalledProbeInterval = stalledProbeInterval
            link.queueLimit = queueLimit
            link.maximumCommandTimeout = maximumCommandTimeout
            return link
        }
    }

    public let queue: DispatchQueue
    public let options: Options
    public var health: Health { link.health }
    /// The device node currently open, if any.
    public var portPath: String? { port?.path }

    /// URCs, in arrival order.
    public var onURC: ((URC, _ line: String) -> Void)?
    /// Health changes (e.g. to report a stalled port).
    public var onHealthChange: ((Health) -> Void)?

    private let log: (String) -> Void
    private var link: ATLinkMachine
    private var port: SerialPort?
    private var onClosed: ((String) -> Void)?
    private var completions: [ATLinkMachine.Ticket: (ATResponse) -> Void] = [:]
    private var nextTicket: UInt64 = 1
    private let timers: OneShotTimers<ATLinkMachine.Timer>

    /// The two rate-limited log sources and the timers that write their summaries.
    private enum LimitedLog: Hashable, Sendable { case portInput, urcTrace }
    private var portInputLog = RateLimitedLog(source: "AT port input", burst: 5, interval: .seconds(10))
    private var urcTraceLog = RateLimitedLog(source: "AT URC trace", burst: 20, interval: .seconds(10))
    private let summaryTimers: OneShotTimers<LimitedLog>
    private var summaryArmed: Set<LimitedLog> = []

    public init(queue: DispatchQueue, options: Options = Options(), log: @escaping (String) -> Void) {
        self.queue = queue
        self.options = options
        self.log = log
        self.link = ATLinkMachine(options: options.link)
        self.timers = OneShotTimers(queue: queue)
        self.summaryTimers = OneShotTimers(queue: queue)
    }

    /// Opens `path` (exclusively), then synchronises. `onClosed` is called once if the port
    /// closes by itself (device gone, I/O error), after pending commands were cancelled.
    public func open(_ path: String, onClosed: @escaping (String) -> Void) throws(ModemIOError) {
        dispatchPrecondition(condition: .onQueue(queue))
        if port != nil { close(reason: "reopening") }
        port = try openPort(path)
        self.onClosed = onClosed
        apply(.opened)
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
        let ticket = ATLinkMachine.Ticket(rawValue: nextTicket)
        nextTicket += 1
        if let completion { completions[ticket] = completion }
        if options.trace, port != nil { log("AT> \(command)") }
        apply(.submit(command, ticket))
    }

    /// Commands waiting behind the one in flight.
    public var queuedCount: Int { link.queuedCount }

    // MARK: Carrying out the link's actions

    private func apply(_ event: ATLinkMachine.Event) {
        let actions = link.handle(event, now: .now)
        for action in actions {
            switch action {
            case .write(let bytes):
                do {
                    try port?.write(bytes)
                } catch {
                    // The port closed itself: `portClosed` already cancelled everything.
                    return
                }
            case .startTimer(let timer, let after):
                start(timer, after: after)
            case .cancelTimer(let timer):
                timers.cancel(timer)
            case .complete(let ticket, let response):
                if options.trace { log("AT< \(response)") }
                completions.removeValue(forKey: ticket)?(response)
            case .urc(let urc, let line):
                if options.trace { logLimited("AT< URC \(urc)", .urcTrace) }
                onURC?(urc, line)
            case .healthChanged(let health):
                onHealthChange?(health)
            case .reopen:
                reopen()
            case .log(let line):
                log(line)
            case .logPortInput(let line):
                logLimited(line, .portInput)
            }
        }
    }

    // MARK: Rate-limited log lines

    private func logLimited(_ line: String, _ source: LimitedLog) {
        let now = Self.monotonicNow()
        let lines: [String]
        switch source {
        case .portInput: lines = portInputLog.admit(line, now: now)
        case .urcTrace: lines = urcTraceLog.admit(line, now: now)
        }
        for line in lines { log(line) }
        scheduleSummary(source)
    }

    /// Arms the summary timer of `source` when it owes a summary and none is armed.
    private func scheduleSummary(_ source: LimitedLog) {
        guard !summaryArmed.contains(source) else { return }
        let due: Duration?
        switch source {
        case .portInput: due = portInputLog.summaryDue
        case .urcTrace: due = urcTraceLog.summaryDue
        }
        guard let due else { return }
        summaryArmed.insert(source)
        summaryTimers.start(source, after: due - Self.monotonicNow(), leeway: .milliseconds(100)) { [weak self] source in
            guard let self else { return }
            self.summaryArmed.remove(source)
            let now = Self.monotonicNow()
            let lines: [String]
            switch source {
            case .portInput: lines = self.portInputLog.flush(now: now)
            case .urcTrace: lines = self.urcTraceLog.flush(now: now)
            }
            for line in lines { self.log(line) }
            self.scheduleSummary(source)
        }
    }

    private static func monotonicNow() -> Duration {
        .nanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds))
    }

    private func start(_ timer: ATLinkMachine.Timer, after: Duration) {
        timers.start(timer, after: after, leeway: .milliseconds(1)) { [weak self] timer in self?.apply(.timerFired(timer)) }
    }

    private func openPort(_ path: String) throws(ModemIOError) -> SerialPort {
        let port = SerialPort(path: path, queue: queue)
        try port.open(
            lockDirectory: options.lockDirectory, log: log,
            onBytes: { [weak self] bytes in self?.apply(.received(bytes)) },
            onClose: { [weak self] reason in self?.portClosed(reason) })
        return port
    }

    /// A fresh descriptor for the same node (see `ATLinkMachine`: a port that never answered).
    private func reopen() {
        guard let old = port else { return }
        let path = old.path
        old.close()
        port = nil
        do {
            port = try openPort(path)
        } catch {
            portClosed("reopening failed: \(error)")
            return
        }
        apply(.opened)
    }

    private func portClosed(_ reason: String) {
        let callback = onClosed
        onClosed = nil
        shutDown(reason)
        callback?(reason)
    }

    private func shutDown(_ reason: String) {
        if let port {
            port.close()
            self.port = nil
            log("AT: \(port.path) closed: \(reason)")
        }
        apply(.closed)
        timers.cancelAll()
        // Completions of commands the link never saw (none expected) must not linger.
        let stale = completions
        completions.removeAll()
        for (_, completion) in stale {
            completion(ATResponse(id: ATCommandID(rawValue: 0), command: .attention, lines: [], result: .cancelled))
        }
    }
}
