import Foundation

/// The AT command set of the simulated BG95-M3 (bg95-reference.md, "Commands the daemon uses").
/// Anything not listed answers `ERROR`, like the real module.
extension ModemEngine {
    static let imei = "866349041234567"
    static let imsi = "262011234567890"
    static let iccid = "89490200001234567890"
    static let puk = "12345678"

    func execute(_ raw: String) {
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard line.count >= 2, line.prefix(2).uppercased() == "AT" else {
            reply([], .error, after: 0.01)
            return
        }
        let body = line.dropFirst(2)
        if body.isEmpty { return reply(after: 0.01) }
        if body.first == "+" {
            guard let command = ATCommandLine(extended: body) else { return reply([], .error, after: 0.02) }
            extended(command)
        } else {
            basic(body.uppercased())
        }
    }

    private func basic(_ body: String) {
        switch body {
        case "E0": echo = false; reply(after: 0.01)
        case "E1", "E": echo = true; reply(after: 0.01)
        case "I", "I0": reply(["Quectel", "BG95-M3", "Revision: \(profile.revision.prefix(14))"], after: 0.02)
        case "Z", "Z0", "&F", "&F0":
            echo = true; cmee = 1; ceregMode = 0; reply(after: 0.05)
        case "V1", "Q0", "&W", "&D2", "&C1", "E0V1", "E1V1", "V1E0", "V1E1":
            if body.contains("E0") { echo = false } else if body.contains("E1") { echo = true }
            reply(after: 0.01)
        default: reply([], .error, after: 0.01)
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private func extended(_ command: ATCommandLine) {
        let args: [ATArgument]
        if case .set(let a) = command.form { args = a } else { args = [] }
        switch (command.name, command.form) {
        case ("+CMEE", .read): reply(["+CMEE: \(cmee)"])
        case ("+CMEE", .test): reply(["+CMEE: (0-2)"])
        case ("+CMEE", .set):
            guard let v = args.first?.int, (0...2).contains(v) else { return reply([], .error) }
            cmee = v
            reply()
        case ("+CGMI", .execute), ("+GMI", .execute): reply(["Quectel"])
        case ("+CGMM", .execute), ("+GMM", .execute): reply(["BG95-M3"])
        case ("+CGMR", .execute), ("+GMR", .execute), ("+QGMR", .execute): reply([profile.revision])
        case ("+CGSN", .execute), ("+GSN", .execute): reply([Self.imei])
        case ("+CIMI", .execute):
            if let error = simError() { return reply([], .cme(error)) }
            reply([Self.imsi], after: 0.05)
        case ("+QCCID", .execute):
            guard simInserted else { return reply([], .cme(10)) }
            reply(["+QCCID: \(Self.iccid)"], after: 0.05)
        case ("+CPIN", _): cpin(command.form, args)
        case ("+QPINC", .read), ("+QPINC", .set):
            guard simInserted else { return reply([], .cme(10)) }
            reply(["+QPINC: \"SC\",\(state.pinAttemptsLeft),\(state.pukAttemptsLeft)"])
        case ("+CFUN", _): cfunCommand(command.form, args)
        case ("+CEREG", .read): reply([ceregLine(urc: false)])
        case ("+CEREG", .test): reply(["+CEREG: (0-5)"])
        case ("+CEREG", .set):
            guard let v = args.first?.int, (0...5).contains(v) else { return reply([], .error) }
            ceregMode = v
            reply()
        case ("+CREG", .read), ("+CGREG", .read):
            reply(["\(command.name): 0,\(regStat == 3 ? 3 : (registered ? regStat : (regStat == 2 ? 2 : 0)))"])
        case ("+CREG", .set), ("+CGREG", .set): reply()
        case ("+COPS", _): cops(command.form, args)
        case ("+QNWINFO", .execute):
            guard registered, let rat = ratInUse else { return reply(["+QNWINFO: No Service"]) }
            reply([rat == .emtc ? "+QNWINFO: \"eMTC\",\"\(plmn)\",\"LTE BAND 20\",6300"
                                : "+QNWINFO: \"NBIoT\",\"\(plmn)\",\"LTE BAND 8\",3740"])
        case ("+QCSQ", .execute):
            guard registered, rsrp > -141, let rat = ratInUse else { return reply(["+QCSQ: \"NOSERVICE\""]) }
            let rssi = min(-51, rsrp + 30)
            reply(["+QCSQ: \"\(rat == .emtc ? "eMTC" : "NBIoT")\",\(rssi),\(rsrp),\(sinr),-10"])
        case ("+CSQ", .execute):
            guard registered, rsrp > -141 else { return reply(["+CSQ: 99,99"]) }
            let rssi = min(-51, rsrp + 30)
            reply(["+CSQ: \(max(0, min(31, (rssi + 113) / 2))),99"])
        case ("+CSQ", .test): reply(["+CSQ: (0-31,99),(0-7,99)"])
        case ("+CGATT", _): cgatt(command.form, args)
        case ("+CGDCONT", _): cgdcont(command.form, args)
        case ("+QICSGP", _): qicsgp(command.form, args)
        case ("+CGACT", _): cgact(command.form, args)
        case ("+CGPADDR", _): cgpaddr(command.form, args)
        case ("+CGEREP", .read): reply(["+CGEREP: 2,1"])
        case ("+CGEREP", .set), ("+CGEREP", .test): reply(command.form == .test ? ["+CGEREP: (0-2),(0,1)"] : [])
        case ("+QNETDEVCTL", _):
            guard profile == .qnetdevctl else { return reply([], .error, after: 0.02) }
            qnetdevctl(command.form, args)
        case ("+QPING", .set): qping(args)
        case ("+QPING", .test): reply(["+QPING: (1-16),<host>,(1-255),(1-10)"])
        case ("+QCFG", _): qcfg(command.form, args)
        case ("+QCFGEXT", _): qcfgext(command.form, args)
        case ("+QURCCFG", _): qurccfg(command.form, args)
        default: reply([], .error, after: 0.02)
        }
    }

    var plmn: String {
        if case .roaming = registrationOverride ?? configuredRegistration { return "26202" }
        return "26201"
    }

    var operatorName: String { plmn == "26202" ? "Vodafone.de" : "Telekom.de" }

    /// SINR 0-250 maps to -20..+30 dB; derived from RSRP so a weak signal also looks noisy.
    var sinr: Int { max(0, min(250, (rsrp + 125) * 5)) }

    /// The CME error for commands that need a ready SIM, or nil.
    func simError() -> Int? {
        switch simStatus {
        case .ready: return nil
        case .absent: return 10
        case .pinRequired: return 11
        case .pukRequired: return 12
        case .initializing: return 14
        }
    }

    // MARK: SIM

    private func cpin(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .read:
            switch simStatus {
            case .absent: reply([], .cme(10))
            case .initializing: reply([], .cme(14))
            case .ready: reply(["+CPIN: READY"])
            case .pinRequired: reply(["+CPIN: SIM PIN"])
            case .pukRequired: reply(["+CPIN: SIM PUK"])
            }
        case .test: reply()
        case .execute: reply([], .error)
        case .set:
            switch simStatus {
            case .absent: return reply([], .cme(10))
            case .initializing: return reply([], .cme(14))
            case .ready: return reply([], .cme(3))
            case .pinRequired:
                guard args.count == 1 else { return reply([], .error) }
                if args[0].text == state.pin {
                    state.pinAttemptsLeft = 3
                    delegate?.engineStateChanged()
                    simStatus = .ready
                    reply(after: 0.3, then: {
                        self.urc("+CPIN: READY")
                        self.after(0.2) { self.urc("+QUSIM: 1"); self.startRegistration() }
                        self.after(1.0) { self.urc("+QIND: SMS DONE") }
                    })
                } else {
                    state.pinAttemptsLeft -= 1
                    if state.pinAttemptsLeft <= 0 { simStatus = .pukRequired }
                    delegate?.engineStateChanged()
                    reply([], .cme(16), after: 0.3, then: {
                        if self.simStatus == .pukRequired { self.urc("+CPIN: SIM PUK") }
                    })
                }
            case .pukRequired:
                guard args.count == 2, (4...8).contains(args[1].text.count), args[1].text.allSatisfy(\.isNumber) else {
                    return reply([], .error)
                }
                if args[0].text == Self.puk {
                    state.pin = args[1].text
                    state.pinAttemptsLeft = 3
                    state.pukAttemptsLeft = 10
                    simStatus = .ready
                    delegate?.engineStateChanged()
                    reply(after: 0.5, then: { self.urc("+CPIN: READY"); self.startRegistration() })
                } else {
                    state.pukAttemptsLeft -= 1
                    if state.pukAttemptsLeft <= 0 { simStatus = .absent }
                    delegate?.engineStateChanged()
                    reply([], .cme(16), after: 0.5)
                }
            }
        }
    }

    // MARK: Radio

    private func cfunCommand(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .read: reply(["+CFUN: \(cfun)"])
        case .test: reply(["+CFUN: (0,1,4),(0,1)"])
        case .execute: reply([], .error)
        case .set:
            guard let fun = args.first?.int, [0, 1, 4].contains(fun) else { return reply([], .error) }
            let reset = args.count > 1 ? args[1].int : 0
            guard reset == 0 || reset == 1 else { return reply([], .error) }
            if reset == 1 {
                // OK first, then the USB device goes away (bg95-reference.md, "reboot").
                return reply(after: 0.1, then: { self.delegate?.engineRequestsReboot() })
            }
            if fun == cfun { return reply(after: 0.05) }
            if fun == 1 {
                cfun = 1
                reply(after: 0.8, then: { self.startRegistration() })
            } else {
                cfun = fun
                loseNetwork(stat: 0, detachURC: "+CGEV: ME DETACH")
                reply(after: 1.0)
            }
        }
    }

    private func cops(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .read:
            guard registered, let rat = ratInUse else { return reply(["+COPS: 0"], after: 0.05) }
            reply(["+COPS: 0,0,\"\(operatorName)\",\(rat == .emtc ? 8 : 9)"], after: 0.05)
        case .test:
            if let error = simError() { return reply([], .cme(error)) }
            reply(["+COPS: (2,\"\(operatorName)\",\"\(operatorName.prefix(3).uppercased())\",\"\(plmn)\",\(offeredRAT == .emtc ? 8 : 9)),,(0-4),(0-2)"],
                  after: 8.0)
        case .execute: reply([], .error)
        case .set:
            guard let mode = args.first?.int else { return reply([], .error) }
            switch mode {
            case 0:
                if registered { return reply(after: 0.1) }
                startRegistration { self.reply(after: 0.1) }
            case 2:
                loseNetwork(stat: 0, detachURC: "+CGEV: ME DETACH")
                reply(after: 1.0)
            default:
                reply([], .cme(3))
            }
        }
    }

    private func cgatt(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .read: reply(["+CGATT: \(attached ? 1 : 0)"])
        case .test: reply(["+CGATT: (0,1)"])
        case .execute: reply([], .error)
        case .set:
            guard let v = args.first?.int, v == 0 || v == 1 else { return reply([], .error) }
            if v == 0 {
                let was = attached
                loseNetwork(stat: regStat == 0 ? 0 : regStat, detachURC: nil)
                if was { return reply(after: 0.5, urcs: ["+CGEV: ME DETACH"]) }
                return reply(after: 0.2)
            }
            if let error = simError() { return reply([], .cme(error)) }
            guard cfun == 1 else { return reply([], .cme(3), after: 0.1) }
            waitForAttach(deadline: 140)
        }
    }

    /// `AT+CGATT=1` blocks until attached or the network refused (up to 140 s).
    private func waitForAttach(deadline: Double) {
        if attached { return reply(after: 0.1) }
        if registered {
            return reply(after: 0.5, then: { self.attach() })
        }
        if regStat == 3 {
            let code: Int
            switch rejectCause ?? 0 {
            case 7, 14: code = 107
            case 11: code = 111
            default: code = 30
            }
            return reply([], .cme(code), after: 1.0)
        }
        if regStat == 0 && registrationGeneration == 0 || regStat == 0 {
            startRegistration()
        }
        guard deadline > 0 else { return reply([], .cme(30)) }
        after(0.5) { self.waitForAttach(deadline: deadline - 0.5) }
    }

    // MARK: Contexts

    static let pdpTypes = ["IP", "IPV6", "IPV4V6", "PPP", "NON-IP"]

    private func cgdcont(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .read:
            let lines = state.contexts.keys.sorted().map { cid -> String in
                let c = state.contexts[cid]!
                return "+CGDCONT: \(cid),\"\(c.pdpType)\",\"\(c.apn)\",\"0.0.0.0\",0,0,0,0"
            }
            reply(lines)
        case .test:
            reply(Self.pdpTypes.map { "+CGDCONT: (1-15),\"\($0)\",,,(0),(0),(0),(0)" })
        case .execute: reply([], .error)
        case .set:
            guard let cid = args.first?.int, (1...15).contains(cid) else { return reply([], .error) }
            if args.count == 1 {
                guard activeContexts[cid] == nil else { return reply([], .cme(3)) }
                state.contexts[cid] = nil
                delegate?.engineStateChanged()
                return reply()
            }
            let type = args[1].text.uppercased()
            guard Self.pdpTypes.contains(type) else { return reply([], .error) }
            let apn = args.count > 2 ? args[2].text : ""
            guard apn.utf8.count <= 99 else { return reply([], .error) }
            guard activeContexts[cid] == nil else { return reply([], .cme(3)) }
            state.contexts[cid] = .init(pdpType: type, apn: apn)
            delegate?.engineStateChanged()
            reply()
        }
    }

    private func qicsgp(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .test: reply(["+QICSGP: (1-16),(1-3),<APN>,<username>,<password>,(0-3)"])
        case .read, .execute: reply([], .error)
        case .set:
            guard let cid = args.first?.int, (1...16).contains(cid) else { return reply([], .error) }
            if args.count == 1 {
                let c = state.credentials[cid] ?? .init(
                    contextType: 1, apn: state.contexts[cid]?.apn ?? "", username: "", password: "", authentication: 0)
                return reply(["+QICSGP: \(c.contextType),\"\(c.apn)\",\"\(c.username)\",\"\(c.password)\",\(c.authentication)"])
            }
            guard args.count >= 3, let type = args[1].int, (1...3).contains(type) else { return reply([], .error) }
            let auth = args.count > 5 ? args[5].int : 0
            guard let auth, (0...3).contains(auth) else { return reply([], .error) }
            let creds = ModuleState.Credentials(
                contextType: type, apn: args[2].text, username: args.count > 3 ? args[3].text : "",
                password: args.count > 4 ? args[4].text : "", authentication: auth)
            guard activeContexts[cid] == nil else { return reply([], .cme(3)) }
            state.credentials[cid] = creds
            // QICSGP and CGDCONT describe the same context on Quectel modules.
            state.contexts[cid] = .init(pdpType: ["IP", "IPV6", "IPV4V6"][type - 1], apn: creds.apn)
            delegate?.engineStateChanged()
            reply()
        }
    }

    private func cgact(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .read:
            reply(state.contexts.keys.sorted().map { "+CGACT: \($0),\(activeContexts[$0] != nil ? 1 : 0)" })
        case .test: reply(["+CGACT: (0,1)"])
        case .execute: reply([], .error)
        case .set:
            guard let v = args.first?.int, v == 0 || v == 1 else { return reply([], .error) }
            var cids = args.dropFirst().compactMap(\.int)
            if args.count == 1 { cids = state.contexts.keys.sorted() }
            guard cids.count == args.count - 1 || args.count == 1, cids.allSatisfy({ state.contexts[$0] != nil }) else {
                return reply([], .cme(3))
            }
            if v == 0 {
                let deactivated = cids.filter { activeContexts[$0] != nil }
                for cid in deactivated { deactivate(cid: cid, byNetwork: false) }
                return reply(after: 0.5, urcs: deactivated.map { "+CGEV: ME PDN DEACT \($0)" })
            }
            if let error = simError() { return reply([], .cme(error)) }
            guard attached else { return reply([], .cme(30), after: 1.0) }
            let fresh = cids.filter { activeContexts[$0] == nil }
            // The contexts (and so the data path) are up before the answer says so; the +CGEV
            // URC arrives before the final OK: a URC in the middle of a response.
            after(fresh.isEmpty ? 0.1 : clock.latencies.dataCall) {
                if self.attached { for cid in fresh { self.activate(cid: cid) } }
                self.reply(after: 0, urcs: fresh.map { "+CGEV: ME PDN ACT \($0)" })
            }
        }
    }

    private func cgpaddr(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .test: reply(["+CGPADDR: (\(state.contexts.keys.sorted().map(String.init).joined(separator: ",")))"])
        case .read: reply([], .error)
        case .execute, .set:
            let cids = args.isEmpty ? state.contexts.keys.sorted() : args.compactMap(\.int)
            guard cids.count == max(args.count, cids.count), cids.allSatisfy({ state.contexts[$0] != nil }) else {
                return reply([], .error)
            }
            reply(cids.map { cid in activeContexts[cid].map { "+CGPADDR: \(cid),\($0)" } ?? "+CGPADDR: \(cid)" })
        }
    }

    // MARK: The data call

    private func qnetdevctl(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .test: reply(["+QNETDEVCTL: (0,1,3),(1-16),(0,1)"])
        case .read:
            let op = state.autoConnectCID != nil ? 3 : (netdevCID != nil ? 1 : 0)
            let cid = netdevCID ?? state.autoConnectCID ?? 1
            reply(["+QNETDEVCTL: \(op),\(cid),\(netdevURC ? 1 : 0),\(netdevCID != nil ? 1 : 0)"])
        case .execute: reply([], .error)
        case .set:
            guard args.count >= 2, let op = args[0].int, [0, 1, 3].contains(op), let cid = args[1].int, (1...16).contains(cid)
            else { return reply([], .error) }
            let urcEnabled = args.count > 2 ? args[2].int : 1
            guard let urcEnabled, urcEnabled == 0 || urcEnabled == 1 else { return reply([], .error) }
            guard state.contexts[cid] != nil else { return reply([], .cme(3)) }
            netdevURC = urcEnabled == 1
            switch op {
            case 0:
                if state.autoConnectCID != nil { state.autoConnectCID = nil; delegate?.engineStateChanged() }
                let wasConnected = netdevCID != nil
                netdevCID = nil
                updateDataPath()
                reply(after: 0.2, then: {
                    if wasConnected, self.netdevURC { self.after(0.2) { self.urc("+QNETDEVSTATUS: 0") } }
                })
            default:
                if op == 3 { state.autoConnectCID = cid; delegate?.engineStateChanged() }
                if let error = simError() { return reply([], .cme(error)) }
                reply(after: 0.2, then: { self.connectNetdev(cid: cid) })
            }
        }
    }

    private func qping(_ args: [ATArgument]) {
        guard args.count >= 2, let cid = args[0].int, (1...16).contains(cid), case .quoted(let host) = args[1], !host.isEmpty,
              host.utf8.count <= 100
        else { return reply([], .error) }
        let timeout = args.count > 2 ? args[2].int : 4
        let count = args.count > 3 ? args[3].int : 4
        guard let timeout, (1...255).contains(timeout), let count, (1...10).contains(count) else { return reply([], .error) }
        guard attached else {
            return reply(after: 0.1, then: { self.after(0.5) { self.pingResult("+QPING: 561") } })
        }
        let address: String?
        if host.lowercased() == NetworkTopology.testName {
            address = NetworkTopology.testHost
        } else if host.split(separator: ".").count == 4, host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
            address = host
        } else {
            address = nil
        }
        reply(after: 0.1, then: {
            guard let address else {
                self.after(1.0) { self.pingResult("+QPING: 565") }
                return
            }
            self.pingLoop(address: address, remaining: count, sent: 0, rtts: [], timeout: timeout)
        })
    }

    /// QPING results go to the port that asked, not through the urcport filter.
    private func pingResult(_ line: String) {
        write("\r\n\(line)\r\n")
    }

    private func pingLoop(address: String, remaining: Int, sent: Int, rtts: [Int], timeout: Int) {
        guard remaining > 0 else {
            let received = rtts.count
            let summary = received == 0
                ? "+QPING: 0,\(sent),0,\(sent),0,0,0"
                : "+QPING: 0,\(sent),\(received),\(sent - received),\(rtts.min()!),\(rtts.max()!),\(rtts.reduce(0, +) / received)"
            pingResult(summary)
            return
        }
        let token = epoch
        delegate?.enginePing(address, timeoutSeconds: max(1, Int((Double(timeout) / clock.speed).rounded(.up)))) { [weak self] rtt in
            guard let self, self.powered, self.epoch == token else { return }
            guard self.attached else { return self.pingResult("+QPING: 561") }
            var rtts = rtts
            if let rtt {
                // The radio link dominates the round trip on the real module.
                let ms = Int(rtt) + 180 + (abs(self.rsrp) - 80)
                rtts.append(ms)
                self.pingResult("+QPING: 0,\"\(address)\",32,\(ms),255")
            } else {
                self.pingResult("+QPING: 569")
            }
            self.after(0.5) {
                self.pingLoop(address: address, remaining: remaining - 1, sent: sent + 1, rtts: rtts, timeout: timeout)
            }
        }
    }

    // MARK: Configuration

    private func qcfg(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .test:
            reply(["+QCFG: \"nwscanseq\",(00-030201),(0,1)", "+QCFG: \"nwscanmode\",(0,1,3),(0,1)",
                   "+QCFG: \"iotopmode\",(0-2),(0,1)", "+QCFG: \"band\",<gsmbandval>,<emtcbandval>,<nbiotbandval>,(0,1)"])
        case .read, .execute: reply([], .error)
        case .set:
            guard case .quoted(let param) = args.first else { return reply([], .error) }
            let values = Array(args.dropFirst())
            switch param.lowercased() {
            case "nwscanmode":
                if values.isEmpty { return reply(["+QCFG: \"nwscanmode\",\(state.nwscanmode)"]) }
                guard let v = values[0].int, [0, 1, 3].contains(v) else { return reply([], .error) }
                state.nwscanmode = v
                delegate?.engineStateChanged()
                reply(after: 0.1, then: { self.reselect() })
            case "iotopmode":
                if values.isEmpty { return reply(["+QCFG: \"iotopmode\",\(state.iotopmode)"]) }
                guard let v = values[0].int, (0...2).contains(v) else { return reply([], .error) }
                let changed = v != state.iotopmode
                state.iotopmode = v
                delegate?.engineStateChanged()
                reply(after: 0.1, then: { if changed { self.reselect() } })
            case "nwscanseq":
                if values.isEmpty { return reply(["+QCFG: \"nwscanseq\",\(state.nwscanseq)"]) }
                let seq = values[0].text
                guard (2...6).contains(seq.count), seq.count % 2 == 0, seq.allSatisfy(\.isNumber) else { return reply([], .error) }
                state.nwscanseq = seq
                delegate?.engineStateChanged()
                // Rewriting nwscanseq de-registered a BG95 about 18 s later (Particle device-os PR 2735),
                // even with the same value.
                reply(after: 0.1, then: { self.after(18) { if self.registered { self.reselect() } } })
            case "band":
                if values.isEmpty { return reply(["+QCFG: \"band\",\(state.band.joined(separator: ","))"]) }
                guard values.count >= 3, values.prefix(3).allSatisfy({ v in
                    v.text.lowercased().hasPrefix("0x") && v.text.count > 2 && v.text.dropFirst(2).allSatisfy(\.isHexDigit)
                }) else { return reply([], .error) }
                state.band = values.prefix(3).map { $0.text.lowercased() }
                delegate?.engineStateChanged()
                reply(after: 0.3)
            default:
                reply([], .error)
            }
        }
    }

    /// The radio settings changed: drop and search again under the new ones.
    private func reselect() {
        guard simStatus == .ready, cfun == 1 else { return }
        loseNetwork(stat: 2, detachURC: "+CGEV: NW DETACH")
        startRegistration()
    }

    private func qcfgext(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .test:
            switch profile {
            case .qnetdevctl: reply(["+QCFGEXT: \"usbnet\",(\"modem\",\"ecm\")"])
            case .autoconnect: reply(["+QCFGEXT: \"usbnet\",\"ecm,modem\""])
            }
        case .read, .execute: reply([], .error)
        case .set:
            guard case .quoted(let param) = args.first, param.lowercased() == "usbnet" else { return reply([], .error) }
            if args.count == 1 { return reply(["+QCFGEXT: \"usbnet\",\"\(state.usbnet.rawValue)\""]) }
            guard args.count == 2, let mode = UsbnetMode(rawValue: args[1].text.lowercased()) else { return reply([], .error) }
            state.usbnet = mode  // takes effect at the next boot
            delegate?.engineStateChanged()
            reply(after: 0.1)
        }
    }

    private func qurccfg(_ form: ATCommandLine.Form, _ args: [ATArgument]) {
        switch form {
        case .test: reply(["+QURCCFG: \"urcport\",(\"usbat\",\"usbmodem\",\"uart1\")"])
        case .read, .execute: reply([], .error)
        case .set:
            guard case .quoted(let param) = args.first, param.lowercased() == "urcport" else { return reply([], .error) }
            if args.count == 1 { return reply(["+QURCCFG: \"urcport\",\"\(state.urcport.rawValue)\""]) }
            guard args.count == 2, let port = URCPort(rawValue: args[1].text.lowercased()) else { return reply([], .error) }
            state.urcport = port
            delegate?.engineStateChanged()
            reply()
        }
    }
}
