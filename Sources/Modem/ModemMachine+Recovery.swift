import ATProtocol

/// Recovery steps (restart data call, radio cycle, reboot) and `down` as states of the
/// modem machine, not callback chains in the I/O side.
extension ModemMachine {
    // MARK: Recovery steps and the down sequence

    /// A recovery step as states of this machine: whatever the bring-up was doing stops, the
    /// step's commands go out, and a fresh bring-up follows. Only that bring-up's `.finished`
    /// reports the data call up, so a bring-up that started before the request can never
    /// answer for it.
    mutating func startRecovery(_ recovery: Recovery, into actions: inout [ModemAction]) {
        cancelTimers(into: &actions)
        awaiting = nil
        timeouts = 0
        switch recovery {
        case .restartDataCall, .checkDataCall:
            // Ending a call the network already dropped costs the module 0.2-0.5 s for nothing:
            // ask first, end it only while it is up.
            actions.append(.log("recovery: restarting the data call (\(dataCallQuery) first)"))
            enter(.activating, into: &actions)
            send(dataCallQuery, step: .recovery(.checkDataCall), into: &actions)
        case .cycleRadio, .radioOn:
            actions.append(.log("recovery: radio off/on (AT+CFUN=0, AT+CFUN=1)"))
            enter(.configuringRadio, into: &actions)
            send(.setFunctionality(.minimum), step: .recovery(.cycleRadio), into: &actions)
        case .reboot:
            actions.append(.log("recovery: rebooting the module (AT+CFUN=1,1)"))
            enter(.rebooting, into: &actions)
            // The module may vanish before it answers: `.recovery(.reboot)` expects that.
            send(.reboot, step: .recovery(.reboot), into: &actions)
            actions.append(.waitForModule(within: configuration.rebootTimeout))
            actions.append(.startTimer(.reboot, after: configuration.rebootTimeout))
        case .endDataCall:
            endDataCall(into: &actions)
        }
    }

    /// `down`: end the data call the way it was made (`AT+QNETDEVCTL=0,...` or
    /// `AT+CGACT=0,...`) and stay stopped until `.restart`.
    mutating func endDataCall(into actions: inout [ModemAction]) {
        cancelTimers(into: &actions)
        awaiting = nil
        let disconnect = dataCallMethod == .qnetdevctl ? disconnectNetDevice : deactivateContext
        actions.append(.log("data call: ending it (\(disconnect))"))
        enter(.stopped, into: &actions)
        send(disconnect, step: .recovery(.endDataCall), into: &actions)
    }
}
