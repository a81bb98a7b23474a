import ATProtocol

/// The diagnosis as states of the modem machine.
extension ModemMachine {
    // MARK: Diagnosis

    /// The diagnosis as states of this machine (not a chain of callbacks): `AT+CEREG?`,
    /// `AT+CGACT?`, `AT+QNETDEVCTL?` (QNETDEVCTL firmware), then `AT+QPING` when a host is given
    /// and the module is registered with the context active. While a bring-up runs, the answer
    /// comes from the module model instead (the bring-up is not interrupted).
    mutating func diagnose(pingHost: String?, count: Int, into actions: inout [ModemAction]) {
        var ping: ATCommand?
        var found = ModuleDiagnosis()
        found.pingCount = count
        if let pingHost {
            do {
                ping = try ATCommand.ping(host: pingHost, cid: configuration.contextID, timeoutSeconds: 4, count: count)
            } catch {
                found.pingError = "invalid ping host: \(error)"
            }
        }
        switch step {
        case .done, .survey, .idle, .diagnosis:
            awaiting = nil
            actions.append(.log("diagnosis: asking the module (AT+CEREG?, AT+CGACT?, AT+QNETDEVCTL?\(ping == nil ? "" : ", AT+QPING"))"))
            send(.registrationQuery, step: .diagnosis(.registration, found, ping: ping), into: &actions)
        case .identify, .firmware, .urcPortQuery, .urcPortSet, .usbNetTest, .usbNetQuery, .usbNetSet, .reboot,
             .awaitingReboot, .simQuery, .simEnterPIN, .radioQuery, .radioSet, .contextQuery, .contextDefine,
             .contextAuth, .registrationReporting, .registrationQuery, .registrationWait, .registrationCauseReporting,
             .dataCallPrecheck, .netDevTest, .netDevQuery, .netDevConnect, .netDevConfirm, .netDevRecheck, .activationQuery,
             .activate, .addressQuery, .retryWait, .recovery:
            found.registration = module.registration?.value
            found.activeContexts = module.activations?.value.filter(\.isActive).map(\.cid)
            found.netDeviceConnected = module.netDeviceControl?.value.first(where: { $0.cid == configuration.contextID })?.isConnected
            found.fromModel = true
            actions.append(.log("diagnosis: the bring-up is running (\(step.name)); answering from what is known"))
            actions.append(.diagnosed(found))
        }
    }

    mutating func diagnosisAnswer(
        _ query: DiagnosisQuery, _ found: ModuleDiagnosis, _ ping: ATCommand?, _ response: ATResponse,
        into actions: inout [ModemAction]
    ) {
        var found = found
        if case .cancelled = response.result {
            finishDiagnosis(found, into: &actions)  // the port closed: report what we have
            return
        }
        switch query {
        case .registration:
            found.registration = (try? response.reply(RegistrationReadReply.self))?.info
            send(.contextActivationQuery, step: .diagnosis(.activation, found, ping: ping), into: &actions)
        case .activation:
            found.activeContexts = (try? response.replies(ContextActivation.self))?.filter(\.isActive).map(\.cid)
            if dataCallMethod == .autoconnect {
                askPing(found, ping, into: &actions)
            } else {
                send(.netDeviceControlQuery, step: .diagnosis(.netDevice, found, ping: ping), into: &actions)
            }
        case .netDevice:
            if let states = try? response.replies(NetDeviceControlState.self),
               let state = states.first(where: { $0.cid == configuration.contextID }) ?? states.first {
                found.netDeviceConnected = state.isConnected
            }
            askPing(found, ping, into: &actions)
        case .ping:
            guard response.isOK else {
                found.pingError = "\(response.command): \(response.result)"
                finishDiagnosis(found, into: &actions)
                return
            }
            // The summary comes as a URC; bounded by the ping's own timeout plus 5 s per reply.
            step = .diagnosis(.pingWait, found, ping: ping)
            actions.append(.startTimer(.diagnosisPing, after: .seconds((4 + 5) * max(1, found.pingCount))))
        case .pingWait:
            break
        }
    }

    mutating func askPing(_ found: ModuleDiagnosis, _ ping: ATCommand?, into actions: inout [ModemAction]) {
        let registered = found.registration?.status.isRegistered ?? true
        let active = found.activeContexts.map { $0.contains(configuration.contextID) } ?? true
        guard let ping, registered, active else {
            finishDiagnosis(found, into: &actions)
            return
        }
        send(ping, step: .diagnosis(.ping, found, ping: ping), into: &actions)
    }

    mutating func finishDiagnosis(_ found: ModuleDiagnosis, into actions: inout [ModemAction]) {
        step = .done
        awaiting = nil
        actions.append(.diagnosed(found))
    }
}
