import BG95Core
import ATProtocol
import BG95Control
import Glibc
import Modem
import ModemIO

extension StatusSnapshot {
    /// The module's identity, SIM, network, signal and data call from the module model (the
    /// one source; nothing is cached here) and the device udev reported.
    mutating func addModuleFacts(from model: ModuleModel?, device: ModemDevice?) {
        guard let model else { return }
        if let device {
            var module = StatusSnapshot.Module(
                model: model.model?.value, firmware: model.firmware?.value, imei: model.imei?.value,
                atPort: device.atPort)
            module.iccidMasked = model.iccid.map { StatusSnapshot.maskICCID($0.value) }
            module.usbnet = model.usbnet?.value.rawValue ?? (device.netInterface != nil ? "ecm" : nil)
            self.module = module
        }
        if let state = model.sim { sim = state.value.rawValue } else if let error = model.simError { sim = error.value }
        if let selection = model.operatorSelection?.value { `operator` = selection.operatorName }
        if case .serving(let network)? = model.networkInfo?.value {
            plmn = network.operatorCode
            rat = network.accessTechnology
            band = network.band
        }
        switch model.servingSignal?.value {
        case .catM1(let lte)?, .nbIoT(let lte)?:
            signal = StatusSnapshot.Signal(rsrp: Double(lte.rsrp), rsrq: Double(lte.rsrq),
                                           sinr: lte.sinrDecibels, rssi: Double(lte.rssi))
        case .gsm(let rssi)?:
            signal = StatusSnapshot.Signal(rssi: Double(rssi))
        case .noService?, nil:
            break
        }
        if let registration = model.registration?.value, registration.status == .denied,
           let cause = registration.rejectCause ?? model.lastRejectCause?.value {
            registrationCause = cause.cause
        }
        switch model.dataCall?.value {
        case .up(let call)?:
            dataCall = StatusSnapshot.DataCall(state: "active", cid: call.contextID, apn: call.apn,
                                               pdnAddress: call.addresses.first)
        case .down?, .lost?, nil:
            if device != nil { dataCall = StatusSnapshot.DataCall(state: "inactive") }
        }
    }

    /// What the operator surface adds from the module model: how old each group of facts is
    /// (`factAges`), tracking area and cell, and the reject cause in words. The model is the
    /// one source; nothing here is cached.
    mutating func addOperatorFacts(from model: ModuleModel, now: ContinuousClock.Instant) {
        func newest(_ instants: [ContinuousClock.Instant?]) -> Int? {
            instants.compactMap { $0 }.max().map { max(0, Int((now - $0).components.seconds)) }
        }
        var ages: [String: Int] = [:]
        ages["module"] = newest([model.model?.at, model.firmware?.at, model.imei?.at])
        ages["sim"] = newest([model.sim?.at, model.simError?.at])
        ages["network"] = newest([model.registration?.at, model.operatorSelection?.at, model.networkInfo?.at])
        ages["signal"] = newest([model.servingSignal?.at, model.signalQuality?.at])
        ages["dataCall"] = newest([model.dataCall?.at, model.activations?.at, model.netDeviceConnected?.at])
        if !ages.isEmpty { factAges = ages }
        if let info = model.registration?.value {
            tac = info.trackingAreaCode.map { String($0, radix: 16, uppercase: true) }
            cellID = info.cellID.map { String($0, radix: 16, uppercase: true) }
        }
        if let cause = registrationCause { registrationCauseText = EMMCause(cause).text }
        // The documented words (docs/control-api.md), not the module's spelling.
        if let state = model.sim?.value { sim = Self.simWord(state) }
        if let rat { self.rat = Self.ratWord(rat) }
    }

    /// `+CPIN` states as the schema spells them.
    static func simWord(_ state: SIMState) -> String {
        switch state {
        case .ready: return "ready"
        case .pinRequired, .pin2Required, .phoneSIMPINRequired: return "pin-required"
        case .pukRequired, .puk2Required: return "puk-required"
        case .notInserted: return "absent"
        case .notReady: return "error"
        }
    }

    /// `+QNWINFO` access technologies as the schema spells them ("eMTC" is LTE Cat-M1).
    static func ratWord(_ rat: String) -> String {
        switch rat.uppercased() {
        case "EMTC", "CAT-M1", "CAT-M": return "Cat-M1"
        case "NBIOT", "NB-IOT", "NB IOT": return "NB-IoT"
        default: return rat
        }
    }
}

/// The ECM interface's byte counters from the kernel (`/proc/net/dev` of the daemon's network
/// namespace; /proc is real even under umockdev): totals since the interface appeared, and
/// since the data call started. The baseline is read when the daemon first handles an event
/// after the module model records a new data call with the interface known (`observe`, called
/// after every event), so only bytes moved within that one event's handling can be missed.
final class TrafficCounters {
    private var baseline: (rx: UInt64, tx: UInt64)?
    /// The instant the current data call came up (the model's `.up` fact), nil while down.
    private var callStart: ContinuousClock.Instant?

    /// Takes a new baseline when the data call's start instant changed.
    func observe(interface: String?, model: ModuleModel?) {
        let start: ContinuousClock.Instant? = if let fact = model?.dataCall, case .up = fact.value { fact.at } else { nil }
        if start != callStart {
            callStart = start
            baseline = nil
        }
        // The interface may become known only after the call started (bg95d learns it from
        // udev and the supervisor): the first reading then is the baseline.
        if callStart != nil, baseline == nil, let interface { baseline = Self.read(interface) }
    }

    func fill(_ snapshot: inout StatusSnapshot, interface: String?, model: ModuleModel?) {
        observe(interface: interface, model: model)
        guard let interface, let now = Self.read(interface) else { return }
        var counters = snapshot.counters ?? StatusSnapshot.Counters()
        counters.rxBytesTotal = now.rx
        counters.txBytesTotal = now.tx
        if callStart != nil, let base = baseline {
            counters.rxBytes = now.rx >= base.rx ? now.rx - base.rx : now.rx
            counters.txBytes = now.tx >= base.tx ? now.tx - base.tx : now.tx
        }
        snapshot.counters = counters
    }

    /// rx and tx bytes of `interface` from /proc/net/dev; nil when it is not listed.
    static func read(_ interface: String) -> (rx: UInt64, tx: UInt64)? {
        let fd = open("/proc/net/dev", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while bytes.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return parse(String(decoding: bytes, as: UTF8.self), interface: interface)
    }

    /// `  eth2: <rx bytes> <rx packets> ... (8 rx fields) <tx bytes> ...`.
    static func parse(_ text: String, interface: String) -> (rx: UInt64, tx: UInt64)? {
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingPrefix(while: { $0 == " " }) == interface else { continue }
            let fields = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard fields.count >= 9 else { return nil }
            return (fields[0], fields[8])
        }
        return nil
    }
}

private extension Substring {
    func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        self[(firstIndex { !predicate($0) } ?? endIndex)...]
    }
}
