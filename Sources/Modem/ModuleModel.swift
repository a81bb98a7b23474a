import ATProtocol

/// Everything bg95d knows about the module, each fact with the instant it was last confirmed.
///
/// One value, owned by `ModemMachine` (the modem machine) and filled from every reply and URC
/// that passes through it (`absorb`), whoever asked the question: the bring-up, the survey after
/// it, the diagnosis, or an operator's `bg95ctl at`. Status, doctor and metrics read this one
/// model instead of keeping copies. A nil fact was never seen; facts are never guessed.
public struct ModuleModel: Sendable, Equatable {
    // Identity.
    /// `ATI` model line, e.g. `BG95-M3`.
    public var model: Observed<String>?
    /// `AT+QGMR`, e.g. `BG95M3LAR02A03_01.202.01.202`.
    public var firmware: Observed<String>?
    /// `AT+CGSN`.
    public var imei: Observed<String>?

    // SIM.
    /// `AT+CPIN?` or `+CPIN:` URC.
    public var sim: Observed<SIMState>?
    /// Why the SIM could not be read (`+CME ERROR: 10` no SIM, 13 failure, ...), when it could not.
    public var simError: Observed<String>?
    /// `AT+QCCID`.
    public var iccid: Observed<String>?
    /// `AT+CIMI`.
    public var imsi: Observed<String>?

    // Configuration of the module.
    /// `AT+QCFGEXT="usbnet"`.
    public var usbnet: Observed<USBNetMode>?
    /// `AT+QURCCFG="urcport"`.
    public var urcPort: Observed<URCPort>?
    /// `AT+QCFG="iotopmode"`.
    public var iotMode: Observed<IoTOperatingMode>?
    /// `AT+QCFG="nwscanmode"`.
    public var scanMode: Observed<ScanMode>?
    /// `AT+QCFG="nwscanseq"`, as its code (e.g. `020301`).
    public var scanSequence: Observed<String>?
    /// `AT+QCFG="band"`.
    public var bands: Observed<BandConfiguration>?
    /// `AT+CFUN?` or `+CFUN:` URC.
    public var functionality: Observed<Functionality>?

    // Network.
    /// `AT+CEREG?` or `+CEREG:` URC: state, TAC, cell, access technology, reject cause.
    public var registration: Observed<RegistrationInfo>?
    /// The last reject cause the network gave (kept after the module registers again, so
    /// status can say why it was refused before).
    public var lastRejectCause: Observed<RejectCause>?
    /// `AT+COPS?`: operator name (or PLMN) and access technology.
    public var operatorSelection: Observed<OperatorSelection>?
    /// `AT+QNWINFO`: access technology, PLMN, band and channel.
    public var networkInfo: Observed<NetworkInfo>?
    /// `AT+QCSQ`: RSRP, RSRQ, SINR, RSSI of the serving cell.
    public var servingSignal: Observed<ServingSignal>?
    /// `AT+CSQ`.
    public var signalQuality: Observed<SignalQuality>?

    // PDP contexts and the data call.
    /// `AT+CGDCONT?`.
    public var contexts: Observed<[PDPContextDefinition]>?
    /// `AT+CGACT?`.
    public var activations: Observed<[ContextActivation]>?
    /// `AT+CGPADDR`.
    public var addresses: Observed<[PDPAddress]>?
    /// `AT+CGATT?`, or a `+CGEV: NW/ME DETACH` URC (false).
    public var attached: Observed<Bool>?
    /// `AT+QNETDEVCTL?`.
    public var netDeviceControl: Observed<[NetDeviceControlState]>?
    /// `+QNETDEVSTATUS:` URC: the data call's binding to the USB network device.
    public var netDeviceConnected: Observed<Bool>?
    /// The data call as the machine last established or lost it.
    public var dataCall: Observed<DataCallFact>?

    // The ECM device (from udev, told by the I/O side).
    /// The AT port in use, e.g. `/dev/ttyUSB2`.
    public var atPort: Observed<String>?
    /// The ECM network interface, e.g. `usb0`; nil value while none is bound.
    public var ecmInterface: Observed<String?>?
    /// The usbnet mode in effect as the USB interfaces show it (nil value: they do not tell);
    /// `usbnet` is the configured one, which takes effect at the next boot.
    public var usbnetShown: Observed<USBNetMode?>?

    public init() {}

    /// Whether the data call is up, as the model knows it.
    public var dataCallIsUp: Bool {
        if case .up = dataCall?.value { return true }
        return false
    }

    // MARK: Filling

    /// Takes every fact a completed command's response carries. Responses that did not end in
    /// `OK` or do not parse leave the model as it was (except SIM errors, which are facts too).
    public mutating func absorb(_ response: ATResponse, at now: ContinuousClock.Instant) {
        let command = response.command
        if command == .simStatusQuery, case .cme = response.result {
            simError = Observed("\(response.result)", at: now)
            return
        }
        guard response.isOK else { return }
        switch command {
        case .identify:
            if let identity = try? ModuleIdentity(parsing: response.lines) { model = Observed(identity.model, at: now) }
        case .firmwareRevisionQuery:
            if let value = try? response.reply(FirmwareRevision.self) { firmware = Observed(value.text, at: now) }
        case .imeiQuery:
            if let value = try? response.reply(IMEI.self) { imei = Observed(value.digits, at: now) }
        case .imsiQuery:
            if let value = try? response.reply(IMSI.self) { imsi = Observed(value.digits, at: now) }
        case .iccidQuery:
            if let value = try? response.reply(ICCID.self) { iccid = Observed(value.text, at: now) }
        case .simStatusQuery:
            if let value = try? response.reply(SIMState.self) {
                sim = Observed(value, at: now)
                simError = nil
            }
        case .usbNetModeQuery:
            if let value = try? response.reply(USBNetMode.self) { usbnet = Observed(value, at: now) }
        case .urcPortQuery:
            if let value = try? response.reply(URCPort.self) { urcPort = Observed(value, at: now) }
        case .iotOperatingModeQuery:
            if let value = try? response.reply(IoTOperatingMode.self) { iotMode = Observed(value, at: now) }
        case .scanModeQuery:
            if let value = try? response.reply(ScanMode.self) { scanMode = Observed(value, at: now) }
        case .scanSequenceQuery:
            if let value = try? response.reply(ScanSequence.self) { scanSequence = Observed(value.code, at: now) }
        case .bandQuery:
            if let value = try? response.reply(BandConfiguration.self) { bands = Observed(value, at: now) }
        case .functionalityQuery:
            if let value = try? response.reply(Functionality.self) { functionality = Observed(value, at: now) }
        case .registrationQuery:
            if let value = try? response.reply(RegistrationReadReply.self) { note(value.info, at: now) }
        case .operatorQuery:
            if let value = try? response.reply(OperatorSelection.self) { operatorSelection = Observed(value, at: now) }
        case .networkInfoQuery:
            if let value = try? response.reply(NetworkInfo.self) { networkInfo = Observed(value, at: now) }
        case .servingSignalQuery:
            if let value = try? response.reply(ServingSignal.self) { servingSignal = Observed(value, at: now) }
        case .signalQualityQuery:
            if let value = try? response.reply(SignalQuality.self) { signalQuality = Observed(value, at: now) }
        case .contextDefinitionsQuery:
            if let value = try? response.replies(PDPContextDefinition.self) { contexts = Observed(value, at: now) }
        case .contextActivationQuery:
            if let value = try? response.replies(ContextActivation.self) { activations = Observed(value, at: now) }
        case .attachQuery:
            if let value = try? response.reply(AttachState.self) { attached = Observed(value.isAttached, at: now) }
        case .attach:
            attached = Observed(true, at: now)
        case .netDeviceControlQuery:
            if let value = try? response.replies(NetDeviceControlState.self) { netDeviceControl = Observed(value, at: now) }
        default:
            // Parametrised commands, compared by name.
            switch ATCommand.name(of: command.text) {
            case "+CGPADDR":
                if let value = try? response.replies(PDPAddress.self) { addresses = Observed(value, at: now) }
            case "+CGDCONT" where command.text.contains("="):
                contexts = nil  // changed: the next query says what it is now
            default:
                break
            }
        }
    }

    /// Takes what a URC says about the module.
    public mutating func absorb(_ urc: URC, at now: ContinuousClock.Instant) {
        switch urc {
        case .registration(let info):
            note(info, at: now)
        case .sim(let state):
            sim = Observed(state, at: now)
            if state == .ready { simError = nil }
        case .functionality(let value):
            functionality = Observed(value, at: now)
        case .packetDomain(let event):
            switch event {
            case .networkDetach, .moduleDetach:
                attached = Observed(false, at: now)
                if dataCallIsUp { dataCall = Observed(.lost("+CGEV: \(event)"), at: now) }
            case .networkDeactivated(let cid), .moduleDeactivated(let cid):
                if dataCallIsUp, cid == nil || cid == dataCallContextID {
                    dataCall = Observed(.lost("+CGEV: \(event)"), at: now)
                }
            case .activated, .other:
                break
            }
        case .pdpDeactivated(let cid):
            if dataCallIsUp, cid == dataCallContextID {
                dataCall = Observed(.lost("+QIURC: \"pdpdeact\",\(cid)"), at: now)
            }
        case .netDeviceStatus(let status):
            netDeviceConnected = Observed(status.isConnected, at: now)
            if !status.isConnected, dataCallIsUp, case .up(let call) = dataCall?.value, call.method == .qnetdevctl {
                dataCall = Observed(.lost("+QNETDEVSTATUS: 0"), at: now)
            }
        case .ready, .poweredDown:
            // A reboot forgets the radio state; identity and SIM are read again by the bring-up.
            registration = nil
            attached = nil
            netDeviceConnected = nil
            servingSignal = nil
            if dataCall != nil { dataCall = Observed(.down, at: now) }
        case .appReady, .usim, .indication, .ping, .gnss, .malformed, .unknown:
            break
        }
    }

    /// The device as udev reports it (the I/O side tells the machine).
    public mutating func noteDevice(
        atPort: String?, ecmInterface: String?, usbnetShown: USBNetMode? = nil, at now: ContinuousClock.Instant
    ) {
        self.atPort = atPort.map { Observed($0, at: now) }
        self.ecmInterface = Observed(ecmInterface, at: now)
        self.usbnetShown = atPort == nil ? nil : Observed(usbnetShown, at: now)
    }

    mutating func note(_ info: RegistrationInfo, at now: ContinuousClock.Instant) {
        // A URC without location fields keeps the TAC/cell of the same registration.
        var merged = info
        if let old = registration?.value, old.status == info.status, info.trackingAreaCode == nil {
            merged.trackingAreaCode = old.trackingAreaCode
            merged.cellID = old.cellID
            merged.accessTechnology = merged.accessTechnology ?? old.accessTechnology
        }
        registration = Observed(merged, at: now)
        if let cause = info.rejectCause { lastRejectCause = Observed(cause, at: now) }
    }

    private var dataCallContextID: Int? {
        if case .up(let call) = dataCall?.value { return call.contextID }
        return nil
    }
}

/// The data call as a fact: up with what the bring-up found, or down and why.
public enum DataCallFact: Sendable, Equatable, CustomStringConvertible {
    /// Never established since the module (re)appeared, or ended on purpose (`down`).
    case down
    /// Up: context, method, PDN addresses, APN.
    case up(DataCall)
    /// Was up; the module said it ended (the text names the URC).
    case lost(String)

    public var description: String {
        switch self {
        case .down: return "down"
        case .up(let call): return "up (cid \(call.contextID), \(call.method.rawValue), \(call.addresses.joined(separator: ", ")))"
        case .lost(let why): return "lost (\(why))"
        }
    }
}
