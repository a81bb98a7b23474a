import ATProtocol

/// The AT link as part of the modem machine: the port's bytes, opening and closing go through
/// `link` (`ATLinkMachine`: one command in flight, FIFO, resync, stall), and every completed
/// command and URC comes back here, where it fills the module model and moves the bring-up on.
/// Nothing between the port and the module model keeps state of its own.
extension ModemMachine {
    /// Who waits for a command's response.
    enum Request: Equatable, Sendable {
        /// The machine's own step (bring-up, recovery, survey, diagnosis); it still counts only
        /// while it is the one `awaiting` names.
        case step
        /// Someone else's command (`.submit`): the response goes back with its ticket.
        case foreign(CommandTicket)
        /// The supervisor's question "is the data call still up?" (`.checkDataCall`), about
        /// the call that was up when it was asked (nil: any active context counts).
        case dataCallCheck(DataCallCheck, call: DataCall?)
    }

    /// The queries of `.checkDataCall`, in order.
    enum DataCallCheck: Equatable, Sendable {
        /// `AT+CGACT?`: is the call's context active?
        case activation
        /// `AT+QNETDEVCTL?` (a QNETDEVCTL call): is its net device still connected? A context
        /// can stay active with the ECM binding gone, and then no traffic flows.
        case netDevice
    }

    /// Queues `command` on the link for `request`; it is handed to the link when the current
    /// event's handling is done (see `handle(_:now:)`), so a completion never runs inside the
    /// step that sent the command.
    @discardableResult
    mutating func submit(_ command: ATCommand, for request: Request) -> ATLinkMachine.Ticket {
        lastTicket += 1
        let ticket = ATLinkMachine.Ticket(rawValue: lastTicket)
        requests[ticket] = request
        linkInbox.append(.submit(command, ticket))
        return ticket
    }

    /// Places of the link's queue only the machine's own commands may take (a step and a
    /// data-call question are the most it has waiting at once).
    public static let queueReserve = 4

    /// Someone else's command: queued unless the queue is nearly full. The last places are
    /// kept for the machine's own commands, so no flood of `bg95ctl at` can make the link
    /// refuse a bring-up or recovery step (a refused step would wait for nothing).
    mutating func submitForeign(_ command: ATCommand, _ ticket: CommandTicket, into actions: inout [ModemAction]) {
        let room = configuration.link.queueLimit - Self.queueReserve
        guard link.queuedCount + linkInbox.count < room else {
            actions.append(.log("AT: queue full (\(room) commands of others waiting); refusing \(command)"))
            actions.append(.completed(.cancelled(command), for: ticket))
            return
        }
        submit(command, for: .foreign(ticket))
    }

    /// Feeds `event` to the link and carries its actions into the machine's.
    mutating func runLink(_ event: ATLinkMachine.Event, now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        for action in link.handle(event, now: now) {
            switch action {
            case .write(let bytes, let command):
                actions.append(.write(bytes, command))
            case .startTimer(let timer, let after):
                actions.append(.startTimer(.link(timer), after: after))
            case .cancelTimer(let timer):
                actions.append(.cancelTimer(.link(timer)))
            case .complete(let ticket, let response):
                completed(ticket, response, now: now, into: &actions)
            case .urc(let urc, let line):
                actions.append(.urc(urc, line: line))
                module.absorb(urc, at: now)
                handle(urc, now: now, into: &actions)
            case .healthChanged(let health):
                actions.append(.portHealth(health))
            case .synchronised:
                // The module answers: start (or resume after a reboot).
                moduleReady(now: now, into: &actions)
            case .reopen:
                actions.append(.reopenPort)
            case .log(let line):
                actions.append(.log(line))
            case .logPortInput(let line):
                actions.append(.logPortInput(line))
            }
        }
    }

    private mutating func completed(
        _ ticket: ATLinkMachine.Ticket, _ response: ATResponse, now: ContinuousClock.Instant,
        into actions: inout [ModemAction]
    ) {
        // Every answer is a fact about the module, whoever asked.
        module.absorb(response, at: now)
        guard let request = requests.removeValue(forKey: ticket) else { return }
        switch request {
        case .step:
            actions.append(.completed(response, for: nil))
            guard awaiting == ticket else { return }  // superseded by a restart, recovery or failure
            awaiting = nil
            handle(response, now: now, into: &actions)
        case .foreign(let caller):
            actions.append(.completed(response, for: caller))
        case .dataCallCheck(let check, let call):
            actions.append(.completed(response, for: nil))
            dataCallCheckAnswered(check, call: call, response, into: &actions)
        }
    }

    // MARK: Is the data call still up?

    mutating func checkDataCall(into actions: inout [ModemAction]) {
        let call: DataCall? = if case .up(let call) = state { call } else { nil }
        submit(.contextActivationQuery, for: .dataCallCheck(.activation, call: call))
    }

    private mutating func dataCallCheckAnswered(
        _ check: DataCallCheck, call: DataCall?, _ response: ATResponse, into actions: inout [ModemAction]
    ) {
        switch check {
        case .activation:
            guard let active = Self.contextIsActive(response, cid: call?.contextID) else {
                return actions.append(.dataCallChecked(nil))
            }
            guard active, let call, call.method == .qnetdevctl else { return actions.append(.dataCallChecked(active)) }
            submit(.netDeviceControlQuery, for: .dataCallCheck(.netDevice, call: call))
        case .netDevice:
            switch response.result {
            case .error, .cme(.operationNotSupported):
                // The firmware answers no QNETDEVCTL now: the active context decides.
                actions.append(.dataCallChecked(true))
            case .ok, .cme, .cms, .failure, .timedOut, .cancelled:
                actions.append(.dataCallChecked(Self.netDeviceIsConnected(response, cid: call?.contextID)))
            }
        }
    }

    /// Whether an `AT+CGACT?` answer shows context `cid` (nil: any context) active; nil when
    /// the answer is no answer or unreadable.
    static func contextIsActive(_ response: ATResponse, cid: Int?) -> Bool? {
        guard response.isOK, let contexts = try? response.replies(ContextActivation.self) else { return nil }
        return contexts.contains { $0.isActive && (cid == nil || $0.cid == cid) }
    }

    /// Whether an `AT+QNETDEVCTL?` answer shows the net device of context `cid` (nil: any)
    /// connected; nil when the answer is no answer or unreadable.
    static func netDeviceIsConnected(_ response: ATResponse, cid: Int?) -> Bool? {
        guard response.isOK, let states = try? response.replies(NetDeviceControlState.self) else { return nil }
        return states.contains { $0.isConnected && (cid == nil || $0.cid == cid) }
    }
}
