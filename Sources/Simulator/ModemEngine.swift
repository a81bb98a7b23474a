import Foundation

/// What the module engine needs from the hardware around it.
protocol ModemEngineDelegate: AnyObject {
    /// Bytes for the USB AT port.
    func engineWrite(_ bytes: [UInt8])
    /// `AT+CFUN=1,1`: the module resets itself (USB re-enumeration).
    func engineRequestsReboot()
    /// Whether traffic from the ECM link may reach the PDN.
    func engineDataPathChanged(_ up: Bool)
    /// Pings `address` from the module's own stack; completion gets the RTT in ms or nil.
    func enginePing(_ address: String, timeoutSeconds: Int, completion: @escaping (Double?) -> Void)
    /// The persisted state changed and should be saved.
    func engineStateChanged()
    /// The boot sequence finished (`APP RDY`).
    func engineBooted()
    /// A line for the verbose log.
    func engineLog(_ line: String)
    /// A command line reached the module (not while stalled); redacted like the log.
    func engineReceivedCommand(_ line: String)
}

/// The simulated BG95-M3 firmware: AT interpreter, SIM, registration, attach, PDP contexts
/// and the data call, with latencies from bg95-reference.md scaled by the clock's speed.
///
/// Runs on the simulator's queue only. Timers belong to one power cycle (`epoch`): a reset
/// or unplug invalidates everything scheduled before it.
final class ModemEngine: @unchecked Sendable {
    enum SIMStatus: String {
        case initializing, ready, pinRequired = "SIM PIN", pukRequired = "SIM PUK", absent
    }

    enum Final {
        case ok
        case error
        case cme(Int)
    }

    let clock: SimClock
    let profile: FirmwareProfile
    let offeredRAT: IoTMode
    let configuredRegistration: RegistrationConfig
    var state: ModuleState
    weak var delegate: ModemEngineDelegate?

    // Runtime state; lost on reset.
    private(set) var powered = false
    private(set) var epoch = 0
    var echo = true
    var cmee = 1
    var cfun = 0
    var simInserted: Bool
    var simStatus: SIMStatus = .absent
    var ceregMode = 0
    var regStat = 0
    var rejectCause: Int?
    var registrationOverride: RegistrationConfig?
    var attached = false
    var activeContexts: [Int: String] = [:]
    var netdevCID: Int?
    var netdevURC = true
    var rsrp = -95
    var stalled = false
    var registrationGeneration = 0
    private(set) var dataPathUp = false
    var ratInUse: IoTMode?
    var inputBuffer: [UInt8] = []
    var pendingLines: [String] = []
    var busy = false
    var bootComplete = false

    init(clock: SimClock, profile: FirmwareProfile, offeredRAT: IoTMode, registration: RegistrationConfig,
         simInserted: Bool, state: ModuleState) {
        self.clock = clock
        self.profile = profile
        self.offeredRAT = offeredRAT
        self.configuredRegistration = registration
        self.simInserted = simInserted
        self.state = state
    }

    // MARK: Time

    /// Runs `body` after `seconds` of module time unless the module was reset meanwhile.
    func after(_ seconds: Double, _ body: @escaping () -> Void) {
        let scheduledEpoch = epoch
        clock.after(seconds) { [weak self] in
            guard let self, self.powered, self.epoch == scheduledEpoch else { return }
            body()
        }
    }

    // MARK: Power

    /// Power-on (or the end of a reset): the boot URCs, then SIM and registration.
    func powerOn() {
        epoch += 1
        firstRegisteredNs = nil
        powered = true
        bootComplete = false
        echo = true
        cmee = 1
        cfun = 1
        ceregMode = 0
        setRegistration(0, notify: false)
        attached = false
        activeContexts = [:]
        netdevCID = nil
        stalled = false
        busy = false
        pendingLines = []
        inputBuffer = []
        simStatus = simInserted ? .initializing : .absent
        state.boots += 1
        delegate?.engineStateChanged()
        updateDataPath()
        after(0.3) { self.urc("RDY") }
        after(0.6) { self.urc("+CFUN: 1") }
        after(0.8) { self.simBecameAvailable() }
        after(0.9) { if self.simInserted { self.urc("+QUSIM: 1") } }
        after(1.6) { if self.simInserted { self.urc("+QIND: SMS DONE") } }
        after(2.4) {
            self.urc("APP RDY")
            self.bootComplete = true
            self.delegate?.engineBooted()
        }
    }

    /// Power lost or reset: everything scheduled is void, the data path closes.
    func powerOff() {
        epoch += 1
        powered = false
        bootComplete = false
        attached = false
        activeContexts = [:]
        netdevCID = nil
        regStat = 0
        updateDataPath()
    }

    // MARK: SIM

    /// The SIM answered after boot or insertion.
    func simBecameAvailable() {
        guard simInserted else {
            simStatus = .absent
            urc("+CPIN: NOT READY")
            return
        }
        if state.pukAttemptsLeft <= 0 {
            simStatus = .absent  // blocked for good
            urc("+CPIN: NOT READY")
        } else if state.pinAttemptsLeft <= 0 {
            simStatus = .pukRequired
            urc("+CPIN: SIM PUK")
        } else if state.pin != nil {
            simStatus = .pinRequired
            urc("+CPIN: SIM PIN")
        } else {
            simStatus = .ready
            urc("+CPIN: READY")
            startRegistration()
        }
    }

    func removeSIM() {
        simInserted = false
        simStatus = .absent
        urc("+CPIN: NOT READY")
        loseNetwork(stat: 0, detachURC: "+CGEV: ME DETACH")
    }

    func insertSIM() {
        guard !simInserted else { return }
        simInserted = true
        simStatus = .initializing
        after(0.5) { self.simBecameAvailable() }
    }

    // MARK: Registration

    /// Whether the configured RAT preferences let the module find the offered network.
    var ratAllowed: Bool {
        if state.nwscanmode == 1 { return false }  // GSM only: BG95's LTE network never found
        switch (state.iotopmode, offeredRAT) {
        case (0, .emtc), (1, .nbiot), (2, _): return true
        default: return false
        }
    }

    var registered: Bool { regStat == 1 || regStat == 5 }
    /// When the module first registered since its last power-on (CLOCK_MONOTONIC ns), for
    /// `ctl status`: a benchmark counts the time until then as the module's own. Later
    /// registrations (after a host's radio cycle) do not move it.
    var firstRegisteredNs: UInt64?

    /// Searching, then home/roaming/denied after a few seconds; attach follows registration
    /// (on LTE the EPS attach is part of it). `completion` runs once the outcome is known.
    func startRegistration(completion: (() -> Void)? = nil) {
        guard powered, cfun == 1, simStatus == .ready else { completion?(); return }
        registrationGeneration += 1
        let generation = registrationGeneration
        let outcome = clock.latencies.registration
        after(min(1.0, outcome / 4)) {
            guard generation == self.registrationGeneration else { return }
            self.setRegistration(2)
        }
        after(outcome) {
            guard generation == self.registrationGeneration else { completion?(); return }
            guard self.ratAllowed else { completion?(); return }  // keeps searching
            self.ratInUse = self.offeredRAT
            switch self.registrationOverride ?? self.configuredRegistration {
            case .home: self.setRegistration(1)
            case .roaming: self.setRegistration(5)
            case .denied(let cause):
                self.setRegistration(3, cause: cause)
                completion?()
                return
            }
            // On LTE the EPS attach is part of the registration: CGATT reads 1 with it.
            self.attach()
            completion?()
        }
    }

    func attach() {
        guard registered, !attached else { return }
        attached = true
        if profile == .qnetdevctl, let cid = state.autoConnectCID {
            connectNetdev(cid: cid)
        }
        updateDataPath()
    }

    func setRegistration(_ stat: Int, cause: Int? = nil, notify: Bool = true) {
        let changed = stat != regStat || cause != rejectCause
        regStat = stat
        if registered, firstRegisteredNs == nil { firstRegisteredNs = Simulator.monotonicNanoseconds() }
        rejectCause = stat == 3 ? cause : nil
        if !registered && stat != 3 { ratInUse = stat == 0 ? nil : ratInUse }
        if changed && notify && ceregMode > 0 { urc(ceregLine(urc: true)) }
    }

    /// `+CEREG: [<n>,]<stat>[,<tac>,<ci>,<AcT>[,<cause_type>,<reject_cause>]]`
    func ceregLine(urc: Bool) -> String {
        var fields: [String] = urc ? [] : [String(ceregMode)]
        fields.append(String(regStat))
        if ceregMode >= 2 && (registered || regStat == 3) {
            fields += ["\"1A2B\"", "\"01A2D001\"", ratInUse == .nbiot ? "9" : "8"]
            if ceregMode >= 3 && regStat == 3 { fields += ["0", String(rejectCause ?? 0)] }
        }
        return "+CEREG: " + fields.joined(separator: ",")
    }

    /// Network gone (deregistered, detached, radio off, SIM gone): contexts drop.
    func loseNetwork(stat: Int, cause: Int? = nil, detachURC: String?) {
        registrationGeneration += 1
        let wasAttached = attached
        attached = false
        deactivateAll(byNetwork: true, quiet: true)
        if wasAttached, let detachURC { urc(detachURC) }
        setRegistration(stat, cause: cause)
        updateDataPath()
    }

    // MARK: PDP contexts and the data call

    func activate(cid: Int) {
        guard activeContexts[cid] == nil else { return }
        activeContexts[cid] = "10.64.11.\(123 + cid)"
        updateDataPath()
    }

    func deactivate(cid: Int, byNetwork: Bool) {
        guard activeContexts.removeValue(forKey: cid) != nil else { return }
        if byNetwork {
            urc("+CGEV: NW PDN DEACT \(cid)")
            urc("+QIURC: \"pdpdeact\",\(cid)")
        }
        if netdevCID == cid {
            netdevCID = nil
            if netdevURC && profile == .qnetdevctl { urc("+QNETDEVSTATUS: 0") }
            if byNetwork, profile == .qnetdevctl, let auto = state.autoConnectCID {
                // Auto-connect retries after the network dropped the call.
                after(5.0) { if self.attached { self.connectNetdev(cid: auto) } }
            }
        }
        updateDataPath()
    }

    func deactivateAll(byNetwork: Bool, quiet: Bool = false) {
        for cid in activeContexts.keys.sorted() {
            if quiet {
                activeContexts[cid] = nil
                if netdevCID == cid {
                    netdevCID = nil
                    if netdevURC && profile == .qnetdevctl { urc("+QNETDEVSTATUS: 0") }
                }
            } else {
                deactivate(cid: cid, byNetwork: byNetwork)
            }
        }
        updateDataPath()
    }

    /// `AT+QNETDEVCTL=1,<cid>,1` (or auto-connect): activate the context if needed and bind
    /// it to the USB net device.
    func connectNetdev(cid: Int) {
        guard attached else {
            if netdevURC { urc("+QNETDEVSTATUS: 0") }
            return
        }
        let alreadyActive = activeContexts[cid] != nil
        after(alreadyActive ? 0.3 : clock.latencies.dataCall) {
            guard self.attached else { return }
            // The data path first, then the URC that says so: a host that sends traffic the
            // moment it reads the URC must find the path up, as on the real module.
            self.netdevCID = cid
            self.activate(cid: cid)
            self.updateDataPath()
            if self.netdevURC { self.urc("+QNETDEVSTATUS: 1") }
        }
    }

    /// Recomputes whether ECM traffic reaches the PDN and tells the delegate on change.
    func updateDataPath() {
        let up: Bool
        if !powered || !attached {
            up = false
        } else {
            switch profile {
            case .qnetdevctl: up = netdevCID.map { activeContexts[$0] != nil } ?? false
            case .autoconnect: up = !activeContexts.isEmpty
            }
        }
        if up != dataPathUp {
            dataPathUp = up
            delegate?.engineDataPathChanged(up)
        }
    }

    // MARK: Output

    /// A URC: only delivered when the urcport is the USB AT port, and never while stalled.
    func urc(_ line: String) {
        guard state.urcport == .usbat else {
            delegate?.engineLog("URC to \(state.urcport.rawValue) (not USB AT): \(line)")
            return
        }
        write("\r\n\(line)\r\n")
    }

    func write(_ text: String) {
        guard powered, !stalled else { return }
        if text.contains(where: { !$0.isWhitespace }) {
            delegate?.engineLog("-> \(text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\r\n", with: " | "))")
        }
        delegate?.engineWrite(Array(text.utf8))
    }

    func finalText(_ final: Final) -> String {
        switch final {
        case .ok: return "OK"
        case .error: return "ERROR"
        case .cme(let code):
            switch cmee {
            case 0: return "ERROR"
            case 2: return "+CME ERROR: \(Self.cmeText[code] ?? "unknown error \(code)")"
            default: return "+CME ERROR: \(code)"
            }
        }
    }

    static let cmeText: [Int: String] = [
        3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted", 11: "SIM PIN required",
        12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy", 16: "incorrect password", 30: "no network service",
        107: "GPRS services not allowed", 111: "PLMN not allowed", 148: "unspecified GPRS error",
    ]

    // MARK: Input

    /// Bytes from the host: lines end with CR; LF is ignored; overlong lines are refused.
    func receive(_ bytes: [UInt8]) {
        guard powered else { return }
        for byte in bytes {
            switch byte {
            case 0x0d:
                let line = String(decoding: inputBuffer, as: UTF8.self)
                inputBuffer = []
                lineReceived(line)
            case 0x0a:
                continue
            case 0x08, 0x7f:
                if !inputBuffer.isEmpty { inputBuffer.removeLast() }
            default:
                if inputBuffer.count < 560 { inputBuffer.append(byte) } else { inputBuffer = []; write("\r\nERROR\r\n") }
            }
        }
    }

    private func lineReceived(_ line: String) {
        guard !stalled else {
            delegate?.engineLog("<- (stalled, ignored) \(Self.redacted(line))")
            return
        }
        if echo { write(line + "\r") }
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        delegate?.engineLog("<- \(Self.redacted(line))")
        delegate?.engineReceivedCommand(Self.redacted(line))
        if busy {
            pendingLines.append(line)
        } else {
            busy = true
            execute(line)
        }
    }

    /// Ends the current command: info lines, then (after a short gap in which URCs may
    /// interleave, as on the real module) `urcs` and the final result code.
    func reply(_ info: [String] = [], _ final: Final = .ok, after delay: Double = 0.03, urcs: [String] = [],
               then: (() -> Void)? = nil) {
        after(delay) {
            if !info.isEmpty { self.write("\r\n" + info.joined(separator: "\r\n") + "\r\n") }
            self.after(0.01) {
                for line in urcs { self.urc(line) }
                self.write("\r\n\(self.finalText(final))\r\n")
                then?()
                self.commandFinished()
            }
        }
    }

    private func commandFinished() {
        busy = false
        if !pendingLines.isEmpty {
            busy = true
            execute(pendingLines.removeFirst())
        }
    }

    /// Passwords and PINs never reach the log.
    static func redacted(_ line: String) -> String {
        let upper = line.uppercased()
        if upper.contains("+CPIN=") { return "AT+CPIN=<redacted>" }
        if upper.contains("+QICSGP="), let args = ATArgument.split(Substring(line.split(separator: "=", maxSplits: 1).last ?? "")),
           args.count > 3 {
            return "AT+QICSGP=\(args[0].text),\(args[1].text),\"\(args[2].text)\",<redacted>"
        }
        return line
    }

    // MARK: Faults

    /// The AT port stops answering (input ignored, nothing written) until `resume`.
    func stall(seconds: Double?) {
        stalled = true
        pendingLines = []
        busy = false
        if let seconds {
            let token = epoch
            // Real seconds, not module time: the caller times the stall with its own clock.
            clock.after(seconds * clock.speed) { [weak self] in
                guard let self, self.epoch == token else { return }
                self.stalled = false
            }
        }
    }

    func status() -> [String: Any] {
        [
            "powered": powered, "booted": bootComplete, "profile": profile.rawValue, "cfun": cfun, "echo": echo,
            "sim": simStatus.rawValue, "simInserted": simInserted, "pinAttemptsLeft": state.pinAttemptsLeft,
            "registration": regStat, "rejectCause": rejectCause as Any, "attached": attached,
            "firstRegisteredNs": firstRegisteredNs as Any,
            "activeContexts": Dictionary(uniqueKeysWithValues: activeContexts.map { (String($0.key), $0.value) }),
            "netdevConnected": netdevCID as Any, "dataPath": dataPathUp, "rsrp": rsrp, "stalled": stalled,
            "urcport": state.urcport.rawValue, "usbnetConfigured": state.usbnet.rawValue, "boots": state.boots,
            "rat": ratInUse?.rawValue as Any,
        ]
    }
}
