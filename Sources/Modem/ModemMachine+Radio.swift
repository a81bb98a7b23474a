import ATProtocol

/// The radio step: iotopmode, nwscanmode, nwscanseq and band from the configuration, each read
/// first and written only when the module's value differs (rewriting nwscanseq on every boot
/// de-registers a BG95 about 18 s later).
extension ModemMachine {
    mutating func startRadio(into actions: inout [ModemAction]) {
        if configuredRadioSetting(after: nil) != nil { enter(.configuringRadio, into: &actions) }
        nextRadioSetting(after: nil, into: &actions)
    }

    /// The next radio setting the configuration asks for, in `RadioSetting`'s order.
    func configuredRadioSetting(after done: RadioSetting?) -> RadioSetting? {
        let all = RadioSetting.allCases
        let rest = done.flatMap { all.firstIndex(of: $0) }.map { all[($0 + 1)...] } ?? all[...]
        return rest.first { setting in
            switch setting {
            case .iotMode: return configuration.iotMode != nil
            case .scanMode: return configuration.scanMode != nil
            case .scanSequence: return configuration.scanSequence != nil
            case .bands: return configuration.bands != nil
            }
        }
    }

    mutating func nextRadioSetting(after done: RadioSetting?, into actions: inout [ModemAction]) {
        guard let setting = configuredRadioSetting(after: done) else {
            enter(.configuringContext, into: &actions)
            send(.contextDefinitionsQuery, step: .contextQuery, into: &actions)
            return
        }
        let query: ATCommand
        switch setting {
        case .iotMode: query = .iotOperatingModeQuery
        case .scanMode: query = .scanModeQuery
        case .scanSequence: query = .scanSequenceQuery
        case .bands: query = .bandQuery
        }
        send(query, step: .radioQuery(setting), into: &actions)
    }

    mutating func handleRadioQuery(_ setting: RadioSetting, _ response: ATResponse, into actions: inout [ModemAction]) {
        let name = setting.name
        let write: ATCommand?
        let current: String?
        let wanted: String
        switch setting {
        case .iotMode:
            let value = try? response.reply(IoTOperatingMode.self)
            let target = configuration.iotMode!
            current = value.map { "\($0)" }
            wanted = "\(target)"
            write = value == target ? nil : .setIoTOperatingMode(target)
        case .scanMode:
            let value = try? response.reply(ScanMode.self)
            let target = configuration.scanMode!
            current = value.map { "\($0)" }
            wanted = "\(target)"
            write = value == target ? nil : .setScanMode(target)
        case .scanSequence:
            let value = try? response.reply(ScanSequence.self)
            let target = configuration.scanSequence!
            current = value.map(\.code)
            wanted = target.code
            write = value?.code == target.code ? nil : setScanSequence
        case .bands:
            let value = try? response.reply(BandConfiguration.self)
            let target = configuration.bands!
            current = value.map(Self.bandText)
            wanted = Self.bandText(target)
            write = value == target ? nil : .setBands(target)
        }
        if let write {
            actions.append(.log("\(name): was \(current ?? "unreadable (\(response.result))"), set \(wanted)"))
            send(write, step: .radioSet(setting), into: &actions)
        } else {
            actions.append(.log("\(name): \(wanted) already"))
            nextRadioSetting(after: setting, into: &actions)
        }
    }

    static func bandText(_ bands: BandConfiguration) -> String {
        "gsm \(bands.gsm), eMTC \(bands.catM1), NB-IoT \(bands.nbIoT)"
    }

    enum RadioSetting: Equatable, Sendable, CaseIterable {
        case iotMode, scanMode, scanSequence, bands

        var name: String {
            switch self {
            case .iotMode: return "iotopmode"
            case .scanMode: return "nwscanmode"
            case .scanSequence: return "nwscanseq"
            case .bands: return "band"
            }
        }
    }
}
