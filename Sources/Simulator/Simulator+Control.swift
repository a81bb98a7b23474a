import Foundation

/// Fault injection (CONTRACTS.md, "ctl verbs"). Every reply is sent only once the fault is in
/// effect, so a test can act on it immediately. Bad arguments get `error <reason>`.
extension Simulator {
    func handleControl(_ verb: String, _ args: [String], respond: @escaping (String) -> Void) {
        func needsNoArgs() -> Bool {
            if !args.isEmpty { respond("error \(verb) takes no arguments"); return false }
            return true
        }
        switch verb {
        case "unplug":
            guard needsNoArgs() else { return }
            // Also during a reboot's gap: the module must then stay away.
            let wasPlugged = plugged
            hardwareGeneration += 1
            engine.powerOff()
            unplugHardware()
            finishEnumerationWaiters(false)
            respond(wasPlugged ? "ok unplug" : "ok unplug (already unplugged)")
        case "replug":
            guard needsNoArgs() else { return }
            guard !plugged else { return respond("ok replug (already plugged) at=\(atPort ?? "-")") }
            hardwareGeneration += 1
            do {
                try plugHardware()
                engine.powerOn()
                finishEnumerationWaiters(true)
                respond("ok replug at=\(atPort ?? "-")")
            } catch {
                respond("error replug: \(error)")
            }
        case "reboot":
            guard needsNoArgs() else { return }
            guard plugged else { return respond("error reboot: the module is unplugged") }
            reboot { [weak self] enumerated in
                respond(enumerated ? "ok reboot at=\(self?.atPort ?? "-")" : "error reboot: unplugged before the module came back")
            }
        case "pdp-drop":
            guard needsNoArgs() else { return }
            let cids = engine.activeContexts.keys.sorted()
            engine.deactivateAll(byNetwork: true)
            respond(cids.isEmpty ? "ok pdp-drop (no active context)" : "ok pdp-drop cids=\(cids.map(String.init).joined(separator: ","))")
        case "detach":
            guard needsNoArgs() else { return }
            engine.registrationOverride = nil
            engine.loseNetwork(stat: 2, detachURC: "+CGEV: NW DETACH")
            respond("ok detach")
        case "attach":
            guard needsNoArgs() else { return }
            engine.registrationOverride = nil
            if engine.registered {
                engine.attach()
                return respond("ok attach")
            }
            // Answered once: when the registration ends, or after 30 s of module time if it was
            // superseded (another fault, a reset) and never reported back.
            let answered = UncheckedBox(AnswerFlag())
            let answer: () -> Void = { [weak self] in
                guard let self, !answered.value.done else { return }
                answered.value.done = true
                if self.engine.attached {
                    respond("ok attach")
                } else {
                    respond("error attach: not attached (registration \(self.engine.regStat), sim \(self.engine.simStatus.rawValue), cfun \(self.engine.cfun))")
                }
            }
            engine.startRegistration { answer() }
            clock.after(30) { answer() }
        case "deregister", "deny":
            // The network refuses registration with this EMM cause (reported in +CEREG at n=3)
            // and keeps refusing (also after CFUN=0/1) until `allow` or `attach`.
            guard args.count == 1, let cause = Int(args[0]), (0...255).contains(cause) else {
                return respond("error usage: \(verb) <EMM reject cause 0-255>")
            }
            engine.registrationOverride = .denied(cause: cause)
            engine.loseNetwork(stat: 3, cause: cause, detachURC: "+CGEV: NW DETACH")
            respond("ok \(verb) cause=\(cause)")
        // Issue 10: registration allowed again (`deny` is `deregister`, above), and spurious URCs.
        case "allow":
            guard needsNoArgs() else { return }
            engine.registrationOverride = nil
            guard engine.powered, engine.cfun == 1, !engine.registered else { return respond("ok allow") }
            // The module tries again and the network accepts it now.
            engine.startRegistration { [weak self] in
                respond("ok allow registration=\(self?.engine.regStat ?? -1)")
            }
        case "urc":
            // A line the module sends on its own (spurious or lost-state URCs): the words joined
            // with single spaces, e.g. `urc +CEREG: 2`, `urc +QIURC: "pdpdeact",1`, `urc RDY`.
            let line = args.joined(separator: " ")
            guard !line.isEmpty, line.utf8.count <= 200, line.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else {
                return respond("error usage: urc <printable text, at most 200 characters>")
            }
            guard plugged, engine.powered else { return respond("error urc: the module is not powered") }
            engine.urc(line)
            // How many commands the module had received when the URC went out, and when: the
            // base of an `await-command` for the host's reaction.
            respond("ok urc command=\(commandJournal.count) ns=\(Self.monotonicNanoseconds())")
        case "await-command":
            awaitCommand(args, respond: respond)
        case "signal":
            guard args.count == 1, let rsrp = Int(args[0]), (-160 ... -44).contains(rsrp) else {
                return respond("error usage: signal <rsrp dBm, -160..-44>")
            }
            engine.rsrp = rsrp
            respond("ok signal rsrp=\(rsrp)")
        case "sim-remove":
            guard needsNoArgs() else { return }
            engine.removeSIM()
            respond("ok sim-remove")
        case "sim-insert":
            guard needsNoArgs() else { return }
            guard !engine.simInserted else { return respond("ok sim-insert (already inserted)") }
            engine.insertSIM()
            clock.after(0.6) { [weak self] in respond("ok sim-insert sim=\(self?.engine.simStatus.rawValue ?? "-")") }
        case "stall":
            guard args.count == 1, let seconds = Double(args[0]), seconds > 0, seconds <= 3600 else {
                return respond("error usage: stall <seconds 0-3600>")
            }
            engine.stall(seconds: seconds)
            respond("ok stall seconds=\(args[0])")
        case "stall-off":
            guard needsNoArgs() else { return }
            engine.stalled = false
            respond("ok stall-off")
        case "garbage":
            guard needsNoArgs() else { return }
            guard let atChannel else { return respond("error garbage: the module is unplugged") }
            atChannel.write([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x3f, 0x80, 0x81, 0x0d, 0x0a, 0x7e, 0x00, 0x9f, 0xc3, 0x28, 0x0d, 0x0a])
            respond("ok garbage bytes=17")
        case "dhcp-stop":
            guard needsNoArgs() else { return }
            dhcpWanted = false
            topology.stopDHCP()
            respond("ok dhcp-stop")
        case "dhcp-start":
            guard needsNoArgs() else { return }
            dhcpWanted = true
            guard plugged, composition?.mode == .ecm else { return respond("ok dhcp-start (starts with the ECM interface)") }
            do {
                try topology.startDHCP()
                respond("ok dhcp-start")
            } catch {
                respond("error dhcp-start: \(error)")
            }
        case "carrier-off", "carrier-on":
            guard needsNoArgs() else { return }
            do {
                try topology.setCarrier(verb == "carrier-on")
                respond("ok \(verb)")
            } catch {
                respond("error \(verb): \(error)")
            }
        case "lease-time":
            guard args.count == 1, let seconds = Int(args[0]), seconds >= 120, seconds <= 86400 * 30 else {
                return respond("error usage: lease-time <seconds, min 120 (dnsmasq)>")
            }
            topology.leaseTime = seconds
            do {
                if topology.dhcpRunning {
                    topology.stopDHCP()
                    try topology.startDHCP()
                }
                respond("ok lease-time seconds=\(seconds)")
            } catch {
                respond("error lease-time: \(error)")
            }
        case "speed":
            guard args.count == 1, let speed = Double(args[0]), speed > 0, speed <= 1000 else {
                return respond("error usage: speed <factor in (0, 1000]>")
            }
            clock.speed = speed
            respond("ok speed factor=\(args[0])")
        case "latency":
            let usage = "error usage: latency <\(SimLatencies.phases.joined(separator: "|"))> <module seconds in [0, 3600]>"
            guard args.count == 2, let seconds = Double(args[1]), seconds >= 0, seconds <= 3600 else {
                return respond(usage)
            }
            guard clock.latencies.set(args[0], to: seconds) else { return respond(usage) }
            respond("ok latency \(args[0])=\(args[1])")
        case "status":
            guard needsNoArgs() else { return }
            respond(statusJSON())
        // Host worlds for `bg95ctl doctor` (operator helper; HostWorld+Control.swift).
        case "host-world":
            handleHostWorld(args, respond: respond)
        default:
            respond("error unknown verb \(verb)")
        }
    }

    /// `await-command <after> <timeout s> <prefix words>`: answers `ok command=<n> ns=<arrival>
    /// <line>` for the first command numbered above `after` (from `urc`'s answer) that starts with
    /// the prefix (words joined with single spaces, case ignored), once it has reached the module,
    /// or an error when none did within the timeout (at most 600 s).
    func awaitCommand(_ args: [String], respond: @escaping (String) -> Void) {
        let usage = "error usage: await-command <after: a command number> <timeout seconds, 0.01-600> <prefix>"
        guard args.count >= 3, let after = Int(args[0]), after >= 0, let timeout = Double(args[1]),
            timeout >= 0.01, timeout <= 600
        else { return respond(usage) }
        let prefix = args.dropFirst(2).joined(separator: " ")
        guard prefix.utf8.count <= 200, prefix.utf8.allSatisfy({ (0x20...0x7e).contains($0) }) else { return respond(usage) }
        func answer(_ entry: CommandJournal.Entry) -> String { "ok command=\(entry.number) ns=\(entry.nanoseconds) \(entry.line)" }
        nextCommandWaiter += 1
        let id = nextCommandWaiter
        switch commandJournal.lookup(after: after, prefix: prefix, id: id) {
        case .found(let entry):
            respond(answer(entry))
        case .forgotten:
            respond("error await-command: commands after \(after) are no longer kept")
        case .waiting:
            let refusal = "error await-command: no command starting with \(prefix) after \(after) within \(args[1]) s"
            commandWaiters[id] = { entry in respond(entry.map(answer) ?? refusal) }
            // The one timer of a waiting request; it ends the request when nothing came.
            queue.asyncAfter(deadline: .now() + timeout) { [weak self] in
                guard let self, self.commandJournal.cancel(id: id) else { return }
                self.commandWaiters.removeValue(forKey: id)?(nil)
            }
        }
    }

    /// The simulator's state as one JSON line (keys sorted).
    public func statusJSON() -> String {
        var status = engine?.status() ?? [:]
        status["plugged"] = plugged
        status["usbnetActive"] = plugged ? (composition?.mode.rawValue ?? "-") : "-"
        status["atPort"] = atPort.map { "/dev/\($0)" } ?? NSNull()
        status["ttys"] = plugged ? (composition?.ttyInterfaces.compactMap { composition?.ttyName(interface: $0) } ?? []) : []
        status["netInterface"] = plugged && composition?.mode == .ecm ? options.ecmInterfaceName : NSNull()
        status["dhcpRunning"] = topology.dhcpRunning
        status["carrier"] = topology.carrier
        status["forwarding"] = topology.forwarding
        status["speed"] = clock.speed
        status["latencies"] = [
            "registration": clock.latencies.registration, "boot": clock.latencies.boot, "data-call": clock.latencies.dataCall,
        ]
        status["leaseTime"] = topology.leaseTime
        if let lastReboot {
            status["lastReboot"] = ["startedNs": lastReboot.started, "poweredOnNs": lastReboot.poweredOn ?? NSNull()] as [String: Any]
        }
        status["prefix"] = options.prefix
        let cleaned = status.mapValues { value -> Any in
            // Optionals boxed in Any: nil becomes JSON null, a value is unwrapped.
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional else { return value }
            return mirror.children.first?.value ?? NSNull()
        }
        guard let data = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Whether a control request was answered already (queue-confined).
final class AnswerFlag {
    var done = false
}
