import ATProtocol

/// The SIM step: `AT+CPIN?`, the configured PIN entered once when the SIM asks for it, SIM busy
/// retried (or woken by `+CPIN: READY`), and PUK, no SIM or a wrong PIN stopping with a clear
/// error; a PIN the SIM refused is never sent again by this machine.
extension ModemMachine {
    mutating func querySIM(into actions: inout [ModemAction]) {
        send(.simStatusQuery, step: .simQuery, into: &actions)
    }

    mutating func handleSIMQuery(_ response: ATResponse, into actions: inout [ModemAction]) {
        switch response.result {
        case .ok:
            break
        case .cme(.simNotInserted):
            retrySIM(limit: 3, giveUp: .simNotInserted, note: "no SIM (+CME ERROR: 10)", into: &actions)
            return
        case .cme(.simBusy):
            retrySIM(limit: 10, giveUp: .simFailure("SIM busy for 10 s"), note: "SIM busy", into: &actions)
            return
        case .cme(.simPINRequired):
            simAsksForPIN(into: &actions)
            return
        case .cme(.simPUKRequired):
            fail(.simLocked("SIM PUK"), into: &actions)
            return
        case .cme(.simFailure):
            fail(.simFailure("+CME ERROR: 13"), into: &actions)
            return
        case .error, .cme, .cms, .failure, .timedOut, .cancelled:
            failCommand("SIM", response, into: &actions)
            return
        }
        let simState: SIMState
        do {
            simState = try response.reply(SIMState.self)
        } catch {
            fail(.unexpectedReply(step: "SIM", detail: error.description), into: &actions)
            return
        }
        switch simState {
        case .ready:
            actions.append(.log("SIM: ready" + (pinSent ? " (PIN accepted)" : "")))
            startRadio(into: &actions)
        case .pinRequired:
            simAsksForPIN(into: &actions)
        case .notReady:
            retrySIM(limit: 10, giveUp: .simFailure("SIM not ready for 10 s"), note: "SIM not ready", into: &actions)
        case .notInserted:
            retrySIM(limit: 3, giveUp: .simNotInserted, note: "no SIM (NOT INSERTED)", into: &actions)
        case .pukRequired, .pin2Required, .puk2Required, .phoneSIMPINRequired:
            fail(.simLocked(simState.rawValue), into: &actions)
        }
    }

    /// Whether this bring-up entered the PIN already (carried by `.unlockingSIM`).
    private var pinSent: Bool {
        if case .unlockingSIM(pinSent: true) = state { return true }
        return false
    }

    mutating func simAsksForPIN(into actions: inout [ModemAction]) {
        if pinRejected {
            fail(.wrongPIN, into: &actions)
            return
        }
        if pinSent {
            // The PIN was accepted but the SIM still asks: give it a moment, bounded.
            retrySIM(limit: 5, giveUp: .simFailure("the SIM still asks for its PIN after accepting it"),
                     note: "SIM still asks for the PIN", into: &actions)
            return
        }
        guard let enterPIN else {
            fail(.pinRequired, into: &actions)
            return
        }
        actions.append(.log("SIM: PIN required; entering the configured PIN"))
        state = .unlockingSIM(pinSent: true)
        send(enterPIN, step: .simEnterPIN, into: &actions)
    }

    mutating func handlePINEntry(_ response: ATResponse, into actions: inout [ModemAction]) {
        switch response.result {
        case .ok:
            stepAttempts = 0
            querySIM(into: &actions)
        case .cme(.incorrectPassword):
            pinRejected = true
            fail(.wrongPIN, into: &actions)
        case .cme(.simPUKRequired):
            pinRejected = true
            fail(.simLocked("SIM PUK (no PIN attempts left)"), into: &actions)
        case .error, .cme, .cms, .failure, .timedOut, .cancelled:
            // Whatever the reason, sending the PIN again could burn an attempt: stop.
            pinRejected = true
            fail(.simLocked("PIN entry refused (\(response.result))"), into: &actions)
        }
    }

    mutating func retrySIM(limit: Int, giveUp: BringUpError, note: String, into actions: inout [ModemAction]) {
        stepAttempts += 1
        guard stepAttempts <= limit else {
            fail(giveUp, into: &actions)
            return
        }
        actions.append(.log("SIM: \(note); asking again in 1 s (\(stepAttempts)/\(limit))"))
        step = .retryWait(.sim)
        actions.append(.startTimer(.retry, after: .seconds(1)))
    }
}
