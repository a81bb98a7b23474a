import ATProtocol

/// Everything bg95d does with the module, as one pure value: the bring-up from "AT port open"
/// to "data call up" (its SIM and radio steps in `+SIM`, `+Radio`), the recovery steps
/// (restart the data call, radio cycle, reboot) and `down` as states (`+Recovery`), the
/// diagnosis queries (`+Diagnosis`), the survey while online (`+Survey`), the AT link with
/// its queue (`+Link`: the port's bytes go in, lines to write come out), and the module model
/// every reply and URC fills (`module`), which status, doctor and metrics read.
/// `ModemIO.ModemController` carries out its actions.
///
/// Bring-up steps, each skipped when the module already is in the wanted state, each logging one line of
/// what it found and did, ordered so that the module's own waits (reboot, SIM, registration,
/// data call) hide the host's questions:
/// 1. usbnet: `AT+QCFGEXT="usbnet"`; when not ECM, `AT+QCFGEXT=?` must offer ECM, then set it
///    and reboot (`AT+CFUN=1,1`) at once, and wait (bounded) for the module to vanish and come
///    back;
/// 2. identify: `ATI`, `AT+QGMR` (firmware remembered for the result and diagnosis);
/// 3. URC port: `AT+QURCCFG="urcport"`, set `"usbat"` if it is not (else no URCs reach us);
/// 4. data-call method: `AT+QNETDEVCTL=?` (asked now, not after registration);
/// 5. SIM: `AT+CPIN?`; the configured PIN once when asked; PUK, no SIM or a wrong PIN stop with
///    a clear error, and a wrong PIN is never sent again by this machine;
/// 6. radio: iotopmode, nwscanmode, nwscanseq, band from the configuration, each written only
///    when the module's value differs;
/// 7. PDP context: `AT+CGDCONT` when type or APN differ; `AT+QICSGP` when credentials are set;
/// 8. registration: `AT+CEREG=2`, then `+CEREG` URCs with `AT+CEREG?` polling as fallback,
///    bounded; denied stops with the reject cause (asked for with `AT+CEREG=3` if missing);
/// 9. attach: `AT+CGATT?`, `AT+CGATT=1` when detached;
/// 10. data call: `AT+QNETDEVCTL=1,<cid>,1` when `AT+QNETDEVCTL=?` answered, else
///    `AT+CGACT=1,<cid>` (each skipped when already connected/active), completion by URC with a
///    fast fallback poll (`BringUpPolling`); then `AT+CGPADDR=<cid>`.
///
/// A restart of the data call (recovery) ends the call only while it is up and resumes at 8
/// (at 1 when the SIM's last word was not READY).
///
/// Only one command of the machine is in flight at a time. A timed-out command is sent again
/// (the link resynchronises in between) up to `commandRetries` times. Time is injected: the
/// machine never reads a clock; timers are actions and come back as events.
public struct ModemMachine: Sendable {
    public let configuration: ModemConfiguration
    public internal(set) var state: ModemState = .waitingForModule
    /// The firmware revision from `AT+QGMR`, once known.
    public private(set) var firmware: String?
    /// The model from `ATI`, once known.
    public private(set) var model: String?
    /// Whether `AT+QNETDEVCTL` exists on this firmware, once probed.
    public private(set) var dataCallMethod: DataCallMethod?
    /// What is known about the module, filled from every reply and URC the machine sees.
    public internal(set) var module = ModuleModel()

    /// Which reply or timer the machine waits for within `state` (with that wait's data).
    var step: Step = .idle
    /// The command of ours in flight: only its response moves `step` on.
    var awaiting: ATLinkMachine.Ticket?
    /// The AT port's policy (one command in flight, FIFO, resync, stall).
    var link: ATLinkMachine
    /// Who waits for each command on the link.
    var requests: [ATLinkMachine.Ticket: Request] = [:]
    var lastTicket: UInt64 = 0
    /// Commands submitted while handling the current event, handed to the link after it.
    var linkInbox: [ATLinkMachine.Event] = []
    /// Consecutive timeouts of the step's command (sent again up to `commandRetries` times).
    var timeouts = 0
    /// Polls or retries of the step so far (SIM not ready, net device, address).
    var stepAttempts = 0
    /// Memory across bring-ups: this machine switched usbnet and rebooted; coming back in
    /// another mode is then a failure, not a reason to reboot again.
    var rebootedForECM = false
    /// Memory across bring-ups: the SIM refused the PIN once; never send it again.
    var pinRejected = false

    /// Between `AT+CFUN=1,1` and the module's return (the module may vanish before it answers).
    var expectingReboot: Bool {
        switch step {
        case .recovery(.reboot), .awaitingReboot: return true
        case .idle, .identify, .firmware, .urcPortQuery, .urcPortSet, .usbNetTest, .usbNetQuery, .usbNetSet, .reboot,
             .simQuery, .simEnterPIN, .radioQuery, .radioSet, .contextQuery, .contextDefine, .contextAuth,
             .registrationReporting, .registrationQuery, .registrationWait, .registrationCauseReporting, .dataCallPrecheck,
             .netDevTest, .netDevQuery, .netDevConnect, .netDevConfirm, .netDevRecheck, .activationQuery,
             .activate, .addressQuery, .retryWait, .done, .survey, .recovery, .diagnosis:
            return false
        }
    }

    // Commands built (and validated) once, so bad configuration fails before anything is sent.
    let enterPIN: ATCommand?
    private let defineContext: ATCommand
    private let configureContext: ATCommand?
    private let connectNetDevice: ATCommand
    private let activateContext: ATCommand
    private let addressQuery: ATCommand
    let setScanSequence: ATCommand?
    let disconnectNetDevice: ATCommand
    let deactivateContext: ATCommand

    /// Validates the configuration by building every command that carries a configured value.
    public init(configuration: ModemConfiguration) throws(BringUpError) {
        self.configuration = configuration
        link = ATLinkMachine(options: configuration.link)
        do {
            enterPIN = try configuration.pin.map { pin throws(ATCommandError) in try ATCommand.enterPIN(pin) }
            defineContext = try ATCommand.defineContext(
                cid: configuration.contextID, type: configuration.pdpType, apn: configuration.apn)
            configureContext = configuration.hasCredentials
                ? try ATCommand.configureContext(
                    cid: configuration.contextID, type: configuration.pdpType, apn: configuration.apn,
                    username: configuration.username ?? "", password: configuration.password ?? "",
                    authentication: configuration.authentication)
                : nil
            connectNetDevice = try ATCommand.connectNetDevice(cid: configuration.contextID)
            activateContext = try ATCommand.activateContext(cid: configuration.contextID)
            addressQuery = try ATCommand.addressQuery(cid: configuration.contextID)
            disconnectNetDevice = try ATCommand.disconnectNetDevice(cid: configuration.contextID)
            deactivateContext = try ATCommand.deactivateContext(cid: configuration.contextID)
            setScanSequence = try configuration.scanSequence.map { sequence throws(ATCommandError) in
                try ATCommand.setScanSequence(sequence)
            }
        } catch {
            throw .invalidConfiguration(error)
        }
    }

    /// How usable the AT port is.
    public var portHealth: ATLinkMachine.Health { link.health }

    /// Handles one event and returns what to do, in order.
    public mutating func handle(_ event: ModemEvent, now: ContinuousClock.Instant) -> [ModemAction] {
        var actions: [ModemAction] = []
        switch event {
        case .portOpened:
            runLink(.opened, now: now, into: &actions)
        case .portClosed:
            runLink(.closed, now: now, into: &actions)
            moduleVanished(now: now, into: &actions)
        case .received(let bytes):
            runLink(.received(bytes), now: now, into: &actions)
        case .submit(let command, let ticket):
            submitForeign(command, ticket, into: &actions)
        case .checkDataCall:
            checkDataCall(into: &actions)
        case .deviceChanged(let atPort, let netInterface, let usbnetShown):
            module.noteDevice(atPort: atPort, ecmInterface: netInterface, usbnetShown: usbnetShown, at: now)
        case .timerFired(.link(let timer)):
            runLink(.timerFired(timer), now: now, into: &actions)
        case .timerFired(let timer):
            timerFired(timer, into: &actions)
        case .restart:
            if expectingReboot { break }
            actions.append(.log("bring-up: starting over"))
            begin(now: now, into: &actions)
        case .rebootRequested:
            expectRebootPhase(into: &actions)
        case .restartDataCall:
            startRecovery(.restartDataCall, into: &actions)
        case .cycleRadio:
            startRecovery(.cycleRadio, into: &actions)
        case .reboot:
            startRecovery(.reboot, into: &actions)
        case .endDataCall:
            endDataCall(into: &actions)
        case .diagnose(let pingHost, let count):
            diagnose(pingHost: pingHost, count: count, into: &actions)
        case .refreshModuleFacts:
            refreshModuleFacts(into: &actions)
        }
        // Commands submitted above (and by the completions they cause) go to the link now.
        while !linkInbox.isEmpty {
            runLink(linkInbox.removeFirst(), now: now, into: &actions)
        }
        return actions
    }

    // MARK: Module presence

    mutating func moduleReady(now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        if case .stopped = state {
            actions.append(.log("module ready; staying stopped until `up`"))
            return
        }
        if expectingReboot {
            let vanished = if case .awaitingReboot(vanished: true) = step { true } else { false }
            actions.append(.cancelTimer(.reboot))
            actions.append(.log("reboot: module is back" + (vanished ? "" : " (port reopened)")))
        }
        begin(now: now, into: &actions)
    }

    private mutating func moduleVanished(now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        awaiting = nil
        if expectingReboot {
            step = .awaitingReboot(vanished: true)
            return
        }
        cancelTimers(into: &actions)
        step = .idle
        module.dataCall = module.dataCall.map { _ in Observed(.down, at: now) }
        if case .failed = state { return }
        if case .stopped = state { return }
        actions.append(.log("module vanished; the bring-up starts over when it is back"))
        enter(.waitingForModule, into: &actions)
    }

    private mutating func begin(now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        cancelTimers(into: &actions)
        awaiting = nil
        timeouts = 0
        // usbnet first: a module in modem mode reboots into ECM at once, and everything else
        // is asked after that reboot (before it, ~3 commands would only delay the reboot).
        enter(.checkingUSBNet, into: &actions)
        if module.usbnetShown?.value == .modem {
            guard !rebootedForECM else {
                fail(.rebootFailed("the module came back in modem mode (its USB interfaces) after switching to ECM"), into: &actions)
                return
            }
            // The USB interfaces show modem mode in effect: switch without asking (one round
            // trip less), also when the configured mode already reads ecm (set but not rebooted).
            actions.append(.log("usbnet: the USB interfaces show modem mode (interface 4 modem/PPP, no CDC-ECM); set ecm "
                + "(takes effect after a reboot)"))
            send(.setUSBNetMode(.ecm), step: .usbNetSet, into: &actions)
            return
        }
        send(.usbNetModeQuery, step: .usbNetQuery, into: &actions)
    }

    /// The data call was ended for a restart. The module kept its configuration (a reboot
    /// shows as a vanish or `RDY`, which start over from the top), so the bring-up resumes at
    /// registration: identify, usbnet, SIM, radio and context would be ~10 commands (~0.4 s)
    /// on the way back that find everything as it was.
    private mutating func resumeAtRegistration(now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        // The SIM can change without a reboot (removed: `+CPIN: NOT READY`): unless its last
        // word was READY, from the top, where the SIM step reports what is wrong. Likewise when
        // the usbnet step never ran (no data call was made by this machine).
        guard dataCallMethod != nil, module.sim?.value == .ready, module.simError == nil else {
            actions.append(.log("bring-up: starting over"))
            return begin(now: now, into: &actions)
        }
        cancelTimers(into: &actions)
        awaiting = nil
        timeouts = 0
        actions.append(.log("bring-up: resuming at registration"))
        startRegistration(into: &actions)
    }

    /// Whether an answer to `dataCallQuery` says this machine's data call is up; nil when the
    /// answer is no answer or unreadable.
    private func dataCallState(_ response: ATResponse) -> Bool? {
        switch dataCallMethod ?? .autoconnect {
        case .qnetdevctl: return Self.netDeviceIsConnected(response, cid: configuration.contextID)
        case .autoconnect: return Self.contextIsActive(response, cid: configuration.contextID)
        }
    }

    /// `dataCallState`, with an unreadable answer counted as up (ending it then is the safe side).
    private func dataCallIsUp(_ response: ATResponse) -> Bool {
        dataCallState(response) ?? true
    }

    private mutating func expectRebootPhase(into actions: inout [ModemAction]) {
        cancelTimers(into: &actions)
        awaiting = nil
        step = .awaitingReboot(vanished: false)
        enter(.rebooting, into: &actions)
        actions.append(.waitForModule(within: configuration.rebootTimeout))
        actions.append(.startTimer(.reboot, after: configuration.rebootTimeout))
    }

    // MARK: Responses

    mutating func handle(_ response: ATResponse, now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        if case .diagnosis(let query, let found, let ping) = step {
            // Diagnosis queries are not retried: an unanswered one is an answer too.
            diagnosisAnswer(query, found, ping, response, into: &actions)
            return
        }
        switch response.result {
        case .timedOut:
            if step == .recovery(.reboot) {
                step = .awaitingReboot(vanished: false)
                return
            }
            if step == .reboot {
                // The module may reboot before it answers.
                expectRebootPhase(into: &actions)
                return
            }
            timeouts += 1
            guard timeouts <= configuration.commandRetries else {
                fail(.moduleNotResponding(command: response.command.description), into: &actions)
                return
            }
            actions.append(.log("\(step.name): \(response.command) timed out; sending it again after resync"))
            send(response.command, step: step, into: &actions)
            return
        case .cancelled:
            // The port closed under the command; `moduleVanished`/`moduleReady` follow.
            if step == .recovery(.reboot) {
                step = .awaitingReboot(vanished: false)
                return
            }
            if step == .reboot { expectRebootPhase(into: &actions) }
            return
        case .ok, .error, .cme, .cms, .failure:
            timeouts = 0
        }

        switch step {
        case .idle, .awaitingReboot, .registrationWait, .retryWait, .done, .diagnosis:
            return  // no command of ours is outstanding in these steps
        case .survey(let remaining):
            survey(remaining, into: &actions)
        case .recovery(let recovery):
            actions.append(.log("recovery: \(response.command) -> \(response.result)"))
            switch recovery {
            case .checkDataCall:
                if dataCallIsUp(response) {
                    let disconnect = dataCallMethod == .qnetdevctl ? disconnectNetDevice : deactivateContext
                    send(disconnect, step: .recovery(.restartDataCall), into: &actions)
                } else {
                    actions.append(.log("recovery: the data call is down already"))
                    resumeAtRegistration(now: now, into: &actions)
                }
            case .restartDataCall:
                resumeAtRegistration(now: now, into: &actions)
            case .cycleRadio:
                send(.setFunctionality(.full), step: .recovery(.radioOn), into: &actions)
            case .radioOn:
                actions.append(.log("bring-up: starting over"))
                begin(now: now, into: &actions)
            case .reboot:
                // OK or not, the module reboots (or is already gone): wait for it.
                step = .awaitingReboot(vanished: false)
            case .endDataCall:
                step = .idle
                module.dataCall = Observed(.down, at: now)
                actions.append(.log("data call: ended on request; the module stays as it is until `up`"))
            }
        case .identify:
            if response.isOK, let identity = try? ModuleIdentity(parsing: response.lines) {
                model = identity.model
            }
            send(.firmwareRevisionQuery, step: .firmware, into: &actions)
        case .firmware:
            firmware = try? response.reply(FirmwareRevision.self).text
            actions.append(.log("identify: \(model.map { "Quectel \($0)" } ?? "module (ATI unanswered)"), "
                + "firmware \(firmware ?? "unknown (AT+QGMR unanswered)")"))
            enter(.configuringURCPort, into: &actions)
            send(.urcPortQuery, step: .urcPortQuery, into: &actions)
        case .urcPortQuery:
            switch Result(catching: { () throws(ATError) in try response.reply(URCPort.self) }) {
            case .success(.usbAT):
                actions.append(.log("urcport: usbat already"))
                askDataCallMethod(into: &actions)
            case .success(let other):
                actions.append(.log("urcport: was \(other.rawValue), set usbat (URCs must reach the USB AT port)"))
                send(.setURCPort(.usbAT), step: .urcPortSet, into: &actions)
            case .failure(let error):
                actions.append(.log("urcport: query failed (\(error)); leaving it"))
                askDataCallMethod(into: &actions)
            }
        case .urcPortSet:
            if !response.isOK {
                actions.append(.log("urcport: setting usbat failed (\(response.result)); registration falls back to polling"))
            }
            askDataCallMethod(into: &actions)
        case .usbNetTest(let setResult):
            // Only after the switch was refused: say why in the firmware's own words.
            let refusal = BringUpError.commandFailed(
                step: "usbnet", command: ATCommand.setUSBNetMode(.ecm).description, result: setResult)
            if response.isOK, let support = try? USBNetSupport(parsingTestReply: response.lines), !support.supports(.ecm) {
                fail(.ecmUnsupported(supported: support.modes.map(\.rawValue).joined(separator: ",")), into: &actions)
            } else {
                fail(refusal, into: &actions)
            }
        case .usbNetQuery:
            let mode: USBNetMode
            do {
                mode = try response.reply(USBNetMode.self)
            } catch {
                fail(.commandFailed(step: "usbnet", command: response.command.description, result: error.description), into: &actions)
                return
            }
            if mode == .ecm {
                actions.append(.log("usbnet: ecm already"))
                rebootedForECM = false
                enter(.identifying, into: &actions)
                send(.identify, step: .identify, into: &actions)
            } else if rebootedForECM {
                fail(.rebootFailed("the module came back with usbnet \(mode.rawValue) after switching to ECM"), into: &actions)
            } else {
                // Straight to the switch: `AT+QCFGEXT=?` (which modes this firmware offers) is
                // only asked when the switch is refused, to name the reason; asked before, it
                // delayed every first boot by one round trip.
                actions.append(.log("usbnet: was \(mode.rawValue), set ecm (takes effect after a reboot)"))
                send(.setUSBNetMode(.ecm), step: .usbNetSet, into: &actions)
            }
        case .usbNetSet:
            guard response.isOK else {
                actions.append(.log("usbnet: switching to ecm refused (\(response.result)); asking which modes this firmware offers"))
                send(.extendedConfigurationTest, step: .usbNetTest(setResult: response.result.description), into: &actions)
                return
            }
            actions.append(.log("usbnet: rebooting into ECM (AT+CFUN=1,1)"))
            rebootedForECM = true
            enter(.rebooting, into: &actions)
            send(.reboot, step: .reboot, into: &actions)
        case .reboot:
            guard response.isOK else {
                fail(.rebootFailed("AT+CFUN=1,1: \(response.result)"), into: &actions)
                return
            }
            expectRebootPhase(into: &actions)
        case .simQuery:
            handleSIMQuery(response, into: &actions)
        case .simEnterPIN:
            handlePINEntry(response, into: &actions)
        case .radioQuery(let setting):
            handleRadioQuery(setting, response, into: &actions)
        case .radioSet(let setting):
            guard response.isOK else {
                failCommand(setting.name, response, into: &actions)
                return
            }
            nextRadioSetting(after: setting, into: &actions)
        case .contextQuery:
            let contexts = (try? response.replies(PDPContextDefinition.self)) ?? []
            if configuration.apn.isEmpty {
                // No APN configured: the module's context (set by a person, or the network's
                // default) is left exactly as it is; writing `""` over it could cut it off.
                let current = contexts.first(where: { $0.cid == configuration.contextID })
                    .map { "\($0.type.rawValue) \"\($0.apn)\"" } ?? "undefined (the network's default)"
                actions.append(.log("PDP context \(configuration.contextID): no APN configured; leaving it as it is (\(current))"))
                afterContextDefined(into: &actions)
            } else if let current = contexts.first(where: { $0.cid == configuration.contextID }),
                current.type == configuration.pdpType, current.apn == configuration.apn {
                actions.append(.log("PDP context \(configuration.contextID): \(configuration.pdpType.rawValue) \"\(configuration.apn)\" already"))
                afterContextDefined(into: &actions)
            } else {
                let was = contexts.first(where: { $0.cid == configuration.contextID })
                    .map { "\($0.type.rawValue) \"\($0.apn)\"" } ?? "undefined"
                actions.append(.log("PDP context \(configuration.contextID): was \(was), set \(configuration.pdpType.rawValue) \"\(configuration.apn)\""))
                send(defineContext, step: .contextDefine, into: &actions)
            }
        case .contextDefine:
            guard response.isOK else {
                failCommand("PDP context", response, into: &actions)
                return
            }
            afterContextDefined(into: &actions)
        case .contextAuth:
            guard response.isOK else {
                failCommand("PDP authentication", response, into: &actions)
                return
            }
            startRegistration(into: &actions)
        case .registrationReporting:
            if !response.isOK {
                actions.append(.log("registration: AT+CEREG=2 failed (\(response.result)); polling only"))
            }
            send(.registrationQuery, step: .registrationQuery, into: &actions)
        case .registrationQuery:
            switch Result(catching: { () throws(ATError) in try response.reply(RegistrationReadReply.self) }) {
            case .success(let reply):
                evaluateRegistration(reply.info, source: "AT+CEREG?", now: now, into: &actions)
            case .failure(let error):
                actions.append(.log("registration: AT+CEREG? failed (\(error)); polling again"))
                waitForRegistration(into: &actions)
            }
        case .registrationCauseReporting:
            send(.registrationQuery, step: .registrationQuery, into: &actions)
        case .dataCallPrecheck:
            // Asked while waiting for registration; what the registration did meanwhile is in
            // the model (a URC that came while this was out).
            // An unreadable answer says nothing: then the call is asked again at registration.
            let up = dataCallState(response)
            updateRegistration { $0.dataCallUp = up }
            if let latest = module.registration?.value {
                evaluateRegistration(latest, source: "+CEREG", now: now, into: &actions)
            } else {
                waitForRegistration(into: &actions)
            }
        case .netDevTest:
            if response.isOK {
                dataCallMethod = .qnetdevctl
            } else {
                dataCallMethod = .autoconnect
                actions.append(.log("data call: no QNETDEVCTL on this firmware (=? gave \(response.result)); the PDP context carries ECM traffic"))
            }
            stepAttempts = 0
            enter(.unlockingSIM(pinSent: false), into: &actions)
            querySIM(into: &actions)
        case .netDevQuery:
            if Self.netDeviceIsConnected(response, cid: configuration.contextID) == true {
                actions.append(.log("data call: QNETDEVCTL connected already"))
                dataCallConfirmed(now: now, into: &actions)
            } else {
                makeDataCall(into: &actions)
            }
        case .netDevConnect:
            guard response.isOK else {
                failCommand("data call", response, into: &actions)
                return
            }
            // The connect completes asynchronously (`+QNETDEVSTATUS: 1`, which ends the wait):
            // traffic only flows once the net device reports connected, so wait for that,
            // polling `AT+QNETDEVCTL?` fast at first in case the URC is lost, bounded.
            stepAttempts = 0
            pollLater(.netDeviceConnected, into: &actions)
        case .netDevConfirm, .netDevRecheck:
            if Self.netDeviceIsConnected(response, cid: configuration.contextID) == true {
                actions.append(.log("data call: net device connected"))
                dataCallConfirmed(now: now, into: &actions)
                return
            }
            if step == .netDevRecheck {
                // `+QNETDEVSTATUS: 1` came while this answer was on its way: ask once more now.
                send(.netDeviceControlQuery, step: .netDevConfirm, into: &actions)
                return
            }
            guard stepAttempts < Self.netDevicePolls else {
                fail(.commandFailed(step: "data call", command: "AT+QNETDEVCTL?",
                                    result: "the net device is still not connected \(Self.netDeviceBound.seconds) s after AT+QNETDEVCTL=1"),
                     into: &actions)
                return
            }
            pollLater(.netDeviceConnected, into: &actions)
        case .activationQuery:
            if Self.contextIsActive(response, cid: configuration.contextID) == true {
                actions.append(.log("data call: PDP context \(configuration.contextID) active already"))
                dataCallConfirmed(now: now, into: &actions)
            } else {
                makeDataCall(into: &actions)
            }
        case .activate:
            guard response.isOK else {
                failCommand("data call", response, into: &actions)
                return
            }
            dataCallConfirmed(now: now, into: &actions)
        case .addressQuery:
            let addresses = ((try? response.replies(PDPAddress.self)) ?? [])
                .filter { $0.cid == configuration.contextID }
                .flatMap { address -> [String] in
                    var found: [String] = []
                    if let ipv4 = address.ipv4, !ipv4.isUnspecified { found.append(ipv4.description) }
                    if let ipv6 = address.ipv6, !ipv6.isEmpty, ipv6 != "::", ipv6 != "0:0:0:0:0:0:0:0" { found.append(ipv6) }
                    return found
                }
            guard !addresses.isEmpty else {
                guard stepAttempts < Self.addressPolls else {
                    // The call is up (confirmed) and carries traffic or not: the probe decides,
                    // not the address line.
                    actions.append(.log("data call: +CGPADDR still has no address after \(Self.addressBound.seconds) s"))
                    addressRead([], now: now, into: &actions)
                    return
                }
                if stepAttempts == 0 { actions.append(.log("data call: no address yet; asking again (up to \(Self.addressBound.seconds) s)")) }
                pollLater(.address, into: &actions)
                return
            }
            addressRead(addresses, now: now, into: &actions)
        }
    }

    // MARK: Context, registration, attach, data call

    private mutating func afterContextDefined(into actions: inout [ModemAction]) {
        if let configureContext {
            actions.append(.log("PDP context \(configuration.contextID): authentication \(configuration.authentication)"
                + (configuration.username.map { " as user \"\($0)\"" } ?? "")))
            send(configureContext, step: .contextAuth, into: &actions)
        } else {
            startRegistration(into: &actions)
        }
    }

    private mutating func startRegistration(into actions: inout [ModemAction]) {
        enter(.registering(RegistrationAttempt()), into: &actions)
        actions.append(.startTimer(.registrationDeadline, after: configuration.registrationTimeout))
        send(.setRegistrationReporting(.location), step: .registrationReporting, into: &actions)
    }

    /// Changes the data `.registering` carries (no transition: the same state, more known).
    private mutating func updateRegistration(_ change: (inout RegistrationAttempt) -> Void) {
        guard case .registering(var attempt) = state else { return }
        change(&attempt)
        state = .registering(attempt)
    }

    private var registrationAttempt: RegistrationAttempt? {
        if case .registering(let attempt) = state { return attempt }
        return nil
    }

    private mutating func evaluateRegistration(
        _ info: RegistrationInfo, source: String, now: ContinuousClock.Instant, into actions: inout [ModemAction]
    ) {
        switch info.status {
        case .home, .roaming:
            actions.append(.cancelTimer(.registrationPoll))
            actions.append(.cancelTimer(.registrationDeadline))
            var detail = "\(info.status)"
            if let act = info.accessTechnology { detail += ", \(act)" }
            if let tac = info.trackingAreaCode { detail += ", TAC \(String(tac, radix: 16))" }
            if let cell = info.cellID { detail += ", cell \(String(cell, radix: 16))" }
            actions.append(.log("registration: \(detail) (\(source))"))
            // EPS registration is the attach (TS 24.301): no `AT+CGATT?` on the way; the data
            // call's command would attach first anyway (TS 27.007 +CGACT).
            startDataCall(knownUp: registrationAttempt?.dataCallUp, now: now, into: &actions)
        case .denied:
            if let cause = info.rejectCause {
                fail(.registrationDenied(cause: cause.cause), into: &actions)
            } else if registrationAttempt?.askedForCause == false {
                updateRegistration { $0.askedForCause = true }
                actions.append(.cancelTimer(.registrationPoll))
                actions.append(.log("registration: denied; asking for the reject cause (AT+CEREG=3)"))
                send(.setRegistrationReporting(.locationAndCause), step: .registrationCauseReporting, into: &actions)
            } else {
                fail(.registrationDenied(cause: nil), into: &actions)
            }
        case .notSearching, .searching, .unknown, .smsOnlyHome, .smsOnlyRoaming, .emergencyOnly:
            if registrationAttempt?.polling == false {
                updateRegistration { $0.polling = true }
                actions.append(.log("registration: \(info.status); waiting for +CEREG (polling every "
                    + "\(configuration.registrationPollInterval.seconds) s, up to \(configuration.registrationTimeout.seconds) s)"))
            }
            if registrationAttempt?.askedForDataCall == false {
                // Meanwhile, whether the call is up already: registration then goes straight
                // on to the call instead of asking it then (one round trip less).
                updateRegistration { $0.askedForDataCall = true }
                send(dataCallQuery, step: .dataCallPrecheck, into: &actions)
            } else {
                waitForRegistration(into: &actions)
            }
        }
    }

    private mutating func waitForRegistration(into actions: inout [ModemAction]) {
        step = .registrationWait
        actions.append(.startTimer(.registrationPoll, after: configuration.registrationPollInterval))
    }

    /// The data call the way `AT+QNETDEVCTL=?` said in the usbnet step: first whether it is up
    /// already.
    /// How this firmware makes the ECM data call, asked before SIM and registration, while the
    /// module still registers, not after registration where it would delay the call.
    private mutating func askDataCallMethod(into actions: inout [ModemAction]) {
        send(.netDeviceControlTest, step: .netDevTest, into: &actions)
    }

    /// `knownUp`: what the question asked while registering said (nil: ask now).
    private mutating func startDataCall(knownUp: Bool?, now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        enter(.activating, into: &actions)
        switch knownUp {
        case nil:
            send(dataCallQuery, step: dataCallMethod == .qnetdevctl ? .netDevQuery : .activationQuery, into: &actions)
        case true?:
            actions.append(.log("data call: up already (asked while registering)"))
            dataCallConfirmed(now: now, into: &actions)
        case false?:
            makeDataCall(into: &actions)
        }
    }

    /// The call is not up: connect the net device or activate the context, as this firmware
    /// makes it.
    private mutating func makeDataCall(into actions: inout [ModemAction]) {
        switch dataCallMethod ?? .autoconnect {
        case .qnetdevctl:
            actions.append(.log("data call: connecting the net device (\(connectNetDevice))"))
            send(connectNetDevice, step: .netDevConnect, into: &actions)
        case .autoconnect:
            actions.append(.log("data call: activating PDP context \(configuration.contextID) (\(activateContext))"))
            send(activateContext, step: .activate, into: &actions)
        }
    }

    /// Whether the call is up, the way this firmware makes it.
    var dataCallQuery: ATCommand {
        dataCallMethod == .qnetdevctl ? .netDeviceControlQuery : .contextActivationQuery
    }

    /// The call is up (the activation answered OK, or the net device / context reports
    /// connected): say so at once, so that routes and the probe start now; its PDP address is
    /// read right after (`.addressRead`), while the host side works.
    private mutating func dataCallConfirmed(now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        let call = DataCall(
            contextID: configuration.contextID, method: dataCallMethod ?? .autoconnect, addresses: [],
            firmware: firmware, model: model, apn: apnInUse,
            registration: module.registration?.value.status ?? .home)
        actions.append(.log("data call: up via \(call.method.rawValue)"))
        module.dataCall = Observed(.up(call), at: now)
        enter(.up(call), into: &actions)
        actions.append(.finished(call))
        stepAttempts = 0
        send(addressQuery, step: .addressQuery, into: &actions)
    }

    /// The address step ended (`addresses` empty when none came within the bound): the call
    /// the state carries gets them (the same state, more known), then the survey.
    private mutating func addressRead(_ addresses: [String], now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        step = .done
        guard case .up(var call) = state else { return }
        call.addresses = addresses
        if !addresses.isEmpty { actions.append(.log("data call: address \(addresses.joined(separator: ", "))")) }
        state = .up(call)
        // The same call, better known: its instant stays the one it came up at (status counts
        // the call's traffic from there).
        module.dataCall = Observed(.up(call), at: module.dataCall?.at ?? now)
        actions.append(.addressRead(call))
        if configuration.surveyAfterDataCall { survey(Self.surveyQueries, into: &actions) }
    }

    /// The configured APN, or (none configured) the one the module's context holds.
    private var apnInUse: String {
        guard configuration.apn.isEmpty else { return configuration.apn }
        return module.contexts?.value.first(where: { $0.cid == configuration.contextID })?.apn ?? ""
    }

    // MARK: URCs and timers

    mutating func handle(_ urc: URC, now: ContinuousClock.Instant, into actions: inout [ModemAction]) {
        if case .ping(let event) = urc, case .diagnosis(.pingWait, var found, _) = step {
            switch event {
            case .summary(let summary): found.ping = summary
            case .failed(let code): found.pingError = "QPING error \(code)"
            case .reply: return
            }
            actions.append(.cancelTimer(.diagnosisPing))
            finishDiagnosis(found, into: &actions)
            return
        }
        switch urc {
        case .netDeviceStatus, .packetDomain, .pdpDeactivated:
            // What was asked about the call while registering may be out of date now.
            updateRegistration { $0.dataCallUp = nil }
        default:
            break
        }
        switch urc {
        case .registration(let info):
            guard case .registering = state else { return }
            if step == .registrationWait {
                actions.append(.cancelTimer(.registrationPoll))
                evaluateRegistration(info, source: "+CEREG URC", now: now, into: &actions)
            }  // else a query is in flight: its reply decides
        case .sim(.ready):
            if step == .retryWait(.sim) {
                actions.append(.cancelTimer(.retry))
                querySIM(into: &actions)
            }
        case .netDeviceStatus(let status) where status.isConnected:
            // The net device just came up: no need to wait the poll out.
            if step == .retryWait(.address) {
                actions.append(.cancelTimer(.retry))
                send(addressQuery, step: .addressQuery, into: &actions)
            } else if step == .retryWait(.netDeviceConnected) {
                actions.append(.cancelTimer(.retry))
                send(.netDeviceControlQuery, step: .netDevConfirm, into: &actions)
            } else if step == .netDevConfirm {
                // A query is out; its answer may have been made before the URC.
                step = .netDevRecheck
            }
        case .packetDomain(.activated(let cid)) where cid == nil || cid == configuration.contextID:
            // The PDN is up (`+CGEV: ME PDN ACT`): its address is there now.
            if step == .retryWait(.address) {
                actions.append(.cancelTimer(.retry))
                send(addressQuery, step: .addressQuery, into: &actions)
            }
        case .sim, .netDeviceStatus, .ready, .appReady, .poweredDown, .functionality, .usim, .indication,
             .packetDomain, .pdpDeactivated, .ping, .gnss, .malformed, .unknown:
            break  // the supervisor's business once the data call is up
        }
    }

    private mutating func timerFired(_ timer: ModemTimer, into actions: inout [ModemAction]) {
        switch timer {
        case .link:
            break  // the link's (handled before this)
        case .survey:
            refreshModuleFacts(into: &actions)
        case .diagnosisPing:
            guard case .diagnosis(.pingWait, var found, _) = step else { return }
            found.pingError = "no +QPING summary in time"
            finishDiagnosis(found, into: &actions)
        case .retry:
            guard case .retryWait(let target) = step else { return }
            switch target {
            case .sim: querySIM(into: &actions)
            case .address: send(addressQuery, step: .addressQuery, into: &actions)
            case .netDeviceConnected: send(.netDeviceControlQuery, step: .netDevConfirm, into: &actions)
            }
        case .reboot:
            guard expectingReboot else { return }
            let vanished = if case .awaitingReboot(vanished: true) = step { true } else { false }
            fail(.rebootFailed(vanished
                ? "the module did not come back within \(configuration.rebootTimeout.seconds) s"
                : "the module did not re-enumerate within \(configuration.rebootTimeout.seconds) s"), into: &actions)
        case .registrationPoll:
            guard step == .registrationWait else { return }
            send(.registrationQuery, step: .registrationQuery, into: &actions)
        case .registrationDeadline:
            guard case .registering = state else { return }
            fail(.registrationTimeout(lastStatus: module.registration.map { "\($0.value.status)" } ?? "none"), into: &actions)
        }
    }

    // MARK: Helpers

    /// Waits before polling `target` again (`BringUpPolling`: 100 ms doubling to 1 s); the
    /// caller has checked the bound. A URC that answers the question cancels the wait.
    private mutating func pollLater(_ target: RetryTarget, into actions: inout [ModemAction]) {
        stepAttempts += 1
        step = .retryWait(target)
        actions.append(.startTimer(.retry, after: BringUpPolling.delay(beforeAttempt: stepAttempts)))
    }

    /// How long the net device may take to connect after `AT+QNETDEVCTL=1`, and the PDN to get
    /// its address, polled as `BringUpPolling` says.
    static let netDeviceBound: Duration = .seconds(15)
    static let addressBound: Duration = .seconds(10)
    static let netDevicePolls = BringUpPolling.attempts(within: netDeviceBound)
    static let addressPolls = BringUpPolling.attempts(within: addressBound)

    mutating func send(_ command: ATCommand, step: Step, into actions: inout [ModemAction]) {
        if step != self.step, step != .simQuery, step != .addressQuery, step != .netDevConfirm { stepAttempts = 0 }
        self.step = step
        awaiting = submit(command, for: .step)
    }

    /// Fails the bring-up because `response` (the command of `step`) did not end in OK.
    mutating func failCommand(_ step: String, _ response: ATResponse, into actions: inout [ModemAction]) {
        fail(.commandFailed(step: step, command: response.command.description, result: response.result.description), into: &actions)
    }

    mutating func fail(_ error: BringUpError, into actions: inout [ModemAction]) {
        cancelTimers(into: &actions)
        awaiting = nil
        step = .idle
        actions.append(.log("bring-up failed: \(error)"))
        enter(.failed(error), into: &actions)
        actions.append(.failed(error))
    }

    func cancelTimers(into actions: inout [ModemAction]) {
        for timer in [ModemTimer.retry, .reboot, .registrationPoll, .registrationDeadline, .survey] {
            actions.append(.cancelTimer(timer))
        }
    }

    /// The one state setter: logs `old -> new` and reports the change.
    mutating func enter(_ new: ModemState, into actions: inout [ModemAction]) {
        guard new != state else { return }
        actions.append(.log("bring-up: \(state) -> \(new)"))
        let old = state
        state = new
        actions.append(.stateChanged(from: old, to: new))
    }
}

extension ModemMachine {
    /// Internal progress within a state: which reply the machine waits for.
    enum Step: Equatable, Sendable {
        case idle
        case identify, firmware
        case urcPortQuery, urcPortSet
        /// `AT+QCFGEXT=?` after the switch to ECM was refused with `setResult`.
        case usbNetTest(setResult: String)
        case usbNetQuery, usbNetSet, reboot
        /// `AT+CFUN=1,1` answered (or the module left first): waiting for it to come back;
        /// `vanished` once udev saw it go.
        case awaitingReboot(vanished: Bool)
        case simQuery, simEnterPIN
        case radioQuery(RadioSetting), radioSet(RadioSetting)
        case contextQuery, contextDefine, contextAuth
        case registrationReporting, registrationQuery, registrationWait, registrationCauseReporting
        /// `AT+QNETDEVCTL?`/`AT+CGACT?` while waiting for registration.
        case dataCallPrecheck
        case netDevTest, netDevQuery, netDevConnect, netDevConfirm, activationQuery, activate, addressQuery
        /// `AT+QNETDEVCTL?` is in flight but `+QNETDEVSTATUS: 1` arrived meanwhile: a "not
        /// connected" answer may predate the URC, so it is asked again at once.
        case netDevRecheck
        /// Waiting for the `.retry` timer to ask `RetryTarget` again.
        case retryWait(RetryTarget)
        case done
        /// Reading the survey queries after the data call is up; the rest still to send.
        case survey([ATCommand])
        /// A recovery step's (or `down`'s) command is in flight.
        case recovery(Recovery)
        /// The diagnosis: which query is in flight, what was found so far, the ping to send.
        case diagnosis(DiagnosisQuery, ModuleDiagnosis, ping: ATCommand?)

        var name: String {
            switch self {
            case .idle, .done, .retryWait, .survey: return "bring-up"
            case .recovery: return "recovery"
            case .diagnosis: return "diagnosis"
            case .identify, .firmware: return "identify"
            case .urcPortQuery, .urcPortSet: return "urcport"
            case .usbNetTest, .usbNetQuery, .usbNetSet, .reboot, .awaitingReboot: return "usbnet"
            case .simQuery, .simEnterPIN: return "SIM"
            case .radioQuery(let setting), .radioSet(let setting): return setting.name
            case .contextQuery, .contextDefine, .contextAuth: return "PDP context"
            case .registrationReporting, .registrationQuery, .registrationWait, .registrationCauseReporting: return "registration"
            case .dataCallPrecheck: return "data call"
            case .netDevTest, .netDevQuery, .netDevConnect, .netDevConfirm, .netDevRecheck, .activationQuery, .activate,
                 .addressQuery:
                return "data call"
            }
        }
    }

    /// The multi-command steps the supervisor asks for, each a state here (not a callback chain).
    enum Recovery: Equatable, Sendable {
        /// `AT+QNETDEVCTL?`/`AT+CGACT?` in flight: is the call to restart still up?
        case checkDataCall
        /// `AT+QNETDEVCTL=0,...`/`AT+CGACT=0,...` in flight; the bring-up resumes at registration.
        case restartDataCall
        /// `AT+CFUN=0` in flight, then `.radioOn`.
        case cycleRadio
        /// `AT+CFUN=1` in flight; a fresh bring-up follows.
        case radioOn
        /// `AT+CFUN=1,1` in flight; the module re-enumerates.
        case reboot
        /// `down`: the disconnect is in flight; the machine stays stopped.
        case endDataCall
    }

    /// The diagnosis's queries, in order.
    enum DiagnosisQuery: Equatable, Sendable {
        case registration, activation, netDevice, ping, pingWait
    }

    /// What the `.retry` timer asks again.
    enum RetryTarget: Equatable, Sendable {
        case sim, address, netDeviceConnected
    }

}

extension Duration {
    /// Whole seconds, for log lines.
    var seconds: Int64 { components.seconds }
}
