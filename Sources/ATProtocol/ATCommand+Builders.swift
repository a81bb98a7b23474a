// Typed constructors for every command the daemon sends (bg95-reference.md, "Commands the
// daemon uses"). The injection rule: a value that ends up between double quotes must be
// printable ASCII without `"` or `\`; everything else is refused with an error naming the
// field, so a value can never close the string, end the line or chain a second command.

extension ATCommand {
    // MARK: Basics and identity

    /// `AT`: does the port answer at all (also resynchronises after a timeout).
    public static let attention = ATCommand("AT", match: .none)
    /// `ATE0`: echo off (echo is on after every boot).
    public static let echoOff = ATCommand("ATE0", match: .none)
    /// `ATI`: bare lines `Quectel`, `BG95-M3`, `Revision: ...`; parse with `ModuleIdentity`.
    public static let identify = ATCommand("ATI", match: .none)
    /// `AT+QGMR`: one bare line `BG95M3LAR02A03_01.202.01.202`; parse with `FirmwareRevision`.
    public static let firmwareRevisionQuery = ATCommand("AT+QGMR", match: .none)

    // MARK: USB network mode

    /// `AT+QCFGEXT="usbnet"` → `+QCFGEXT: "usbnet","modem"` (`USBNetMode(parsing:)`).
    public static let usbNetModeQuery = ATCommand("AT+QCFGEXT=\"usbnet\"", match: .prefix("+QCFGEXT"))
    /// `AT+QCFGEXT=?` → lines parsed by `USBNetSupport(parsing:)`; ERROR on firmware without it.
    public static let extendedConfigurationTest = ATCommand("AT+QCFGEXT=?", match: .prefix("+QCFGEXT"))
    /// `AT+QCFGEXT="usbnet","ecm"`; takes effect after a reboot.
    public static func setUSBNetMode(_ mode: USBNetMode) -> ATCommand {
        ATCommand("AT+QCFGEXT=\"usbnet\",\"\(mode.rawValue)\"", match: .none)
    }

    // MARK: SIM

    /// `AT+CPIN?` → `+CPIN: READY` (`SIMState(parsing:)`).
    public static let simStatusQuery = ATCommand("AT+CPIN?", match: .prefix("+CPIN"))
    /// `AT+CPIN="<pin>"`. The PIN must be 4 to 8 decimal digits.
    public static func enterPIN(_ pin: String) throws(ATCommandError) -> ATCommand {
        let pin = try validatedString(pin, field: .pin, maxLength: 8, allowEmpty: false)
        guard pin.utf8.count >= 4, pin.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ATCommandError(field: .pin, reason: .notAPIN)
        }
        return ATCommand("AT+CPIN=\"\(pin)\"", match: .none, redacted: "AT+CPIN=\"***\"")
    }

    // MARK: Radio access configuration (write only when the value differs)

    /// `AT+QCFG="nwscanmode"` → `+QCFG: "nwscanmode",3` (`ScanMode(parsing:)`).
    public static let scanModeQuery = ATCommand("AT+QCFG=\"nwscanmode\"", match: .prefix("+QCFG"))
    /// `AT+QCFG="nwscanmode",<mode>,1` (1: take effect immediately).
    public static func setScanMode(_ mode: ScanMode) -> ATCommand {
        ATCommand("AT+QCFG=\"nwscanmode\",\(mode.rawValue),1", match: .none)
    }

    /// `AT+QCFG="iotopmode"` → `+QCFG: "iotopmode",0` (`IoTOperatingMode(parsing:)`).
    public static let iotOperatingModeQuery = ATCommand("AT+QCFG=\"iotopmode\"", match: .prefix("+QCFG"))
    /// `AT+QCFG="iotopmode",<mode>,1`.
    public static func setIoTOperatingMode(_ mode: IoTOperatingMode) -> ATCommand {
        ATCommand("AT+QCFG=\"iotopmode\",\(mode.rawValue),1", match: .none)
    }

    /// `AT+QCFG="nwscanseq"` → `+QCFG: "nwscanseq",020301` (`ScanSequence(parsing:)`).
    public static let scanSequenceQuery = ATCommand("AT+QCFG=\"nwscanseq\"", match: .prefix("+QCFG"))
    /// `AT+QCFG="nwscanseq","020301",1`: the sequence is built from typed entries, so it cannot
    /// carry anything but digits. Refuses an empty sequence.
    public static func setScanSequence(_ sequence: ScanSequence) throws(ATCommandError) -> ATCommand {
        guard !sequence.entries.isEmpty else { throw ATCommandError(field: .scanSequence, reason: .empty) }
        guard sequence.entries.count <= 4 else {
            throw ATCommandError(field: .scanSequence, reason: .tooLong(maximum: 4))
        }
        return ATCommand("AT+QCFG=\"nwscanseq\",\"\(sequence.code)\",1", match: .none)
    }

    /// `AT+QCFG="band"` → `+QCFG: "band",0xf,0x80084,0x80084` (`BandConfiguration(parsing:)`).
    public static let bandQuery = ATCommand("AT+QCFG=\"band\"", match: .prefix("+QCFG"))
    /// `AT+QCFG="band",0x<gsm>,0x<catm>,0x<nbiot>,1` (masks in lower-case hex, as the module
    /// itself reports them).
    public static func setBands(_ bands: BandConfiguration) -> ATCommand {
        ATCommand(
            "AT+QCFG=\"band\",\(bands.gsm),\(bands.catM1),\(bands.nbIoT),1",
            match: .none)
    }

    // MARK: PDP context and APN

    /// `AT+CGDCONT=<cid>,"<type>","<apn>"`. An empty APN asks the network for its default.
    public static func defineContext(cid: Int = 1, type: PDPType, apn: String) throws(ATCommandError) -> ATCommand {
        let cid = try validatedContextID(cid)
        let apn = try validatedString(apn, field: .apn, maxLength: 100, allowEmpty: true)
        return ATCommand("AT+CGDCONT=\(cid),\"\(type.rawValue)\",\"\(apn)\"", match: .none)
    }

    /// `AT+CGDCONT?` → `+CGDCONT:` lines (`PDPContextDefinition(parsing:)`).
    public static let contextDefinitionsQuery = ATCommand("AT+CGDCONT?", match: .prefix("+CGDCONT"))

    /// `AT+QICSGP=<cid>,<type>,"<apn>","<user>","<password>",<auth>`. The password is
    /// redacted from `description`.
    public static func configureContext(
        cid: Int = 1, type: PDPType, apn: String, username: String = "", password: String = "",
        authentication: Authentication = .none
    ) throws(ATCommandError) -> ATCommand {
        let cid = try validatedContextID(cid)
        let apn = try validatedString(apn, field: .apn, maxLength: 100, allowEmpty: true)
        let username = try validatedString(username, field: .username, maxLength: 127, allowEmpty: true)
        let password = try validatedString(password, field: .password, maxLength: 127, allowEmpty: true)
        let head = "AT+QICSGP=\(cid),\(type.qicsgpContextType),\"\(apn)\",\"\(username)\","
        return ATCommand(
            head + "\"\(password)\",\(authentication.rawValue)", match: .none,
            redacted: head + "\"***\",\(authentication.rawValue)")
    }

    // MARK: Registration, operator, signal

    /// `AT+CEREG=<n>`: which `+CEREG` URCs the module sends (the daemon uses `.location`).
    public static func setRegistrationReporting(_ mode: RegistrationReporting) -> ATCommand {
        ATCommand("AT+CEREG=\(mode.rawValue)", match: .none)
    }
    /// `AT+CEREG?` → `+CEREG: <n>,<stat>[,...]` (`RegistrationReadReply(parsing:)`). A
    /// `+CEREG: <stat>,"<tac>",...` URC arriving meanwhile is still delivered as a URC.
    public static let registrationQuery = ATCommand("AT+CEREG?", match: .registrationRead)
    /// `AT+COPS?` → `+COPS: 0,0,"Telekom.de",8` (`OperatorSelection(parsing:)`).
    public static let operatorQuery = ATCommand("AT+COPS?", match: .prefix("+COPS"))
    /// `AT+QNWINFO` → `+QNWINFO: "eMTC","26201","LTE BAND 20",6300` (`NetworkInfo(parsing:)`).
    public static let networkInfoQuery = ATCommand("AT+QNWINFO", match: .prefix("+QNWINFO"))
    /// `AT+QCSQ` → `+QCSQ: "eMTC",-65,-92,150,-10` (`ServingSignal(parsing:)`).
    public static let servingSignalQuery = ATCommand("AT+QCSQ", match: .prefix("+QCSQ"))
    /// `AT+CSQ` → `+CSQ: 20,99` (`SignalQuality(parsing:)`).
    public static let signalQualityQuery = ATCommand("AT+CSQ", match: .prefix("+CSQ"))

    // MARK: Attach and PDP activation

    /// `AT+CGATT?` → `+CGATT: 1` (`AttachState(parsing:)`).
    public static let attachQuery = ATCommand("AT+CGATT?", match: .prefix("+CGATT"))
    /// `AT+CGATT=1` (up to 140 s).
    public static let attach = ATCommand("AT+CGATT=1", match: .none)
    /// `AT+CGATT=0`.
    public static let detach = ATCommand("AT+CGATT=0", match: .none)
    /// `AT+CGACT?` → `+CGACT: 1,1` lines (`ContextActivation(parsing:)`).
    public static let contextActivationQuery = ATCommand("AT+CGACT?", match: .prefix("+CGACT"))
    /// `AT+CGACT=1,<cid>` (up to 150 s).
    public static func activateContext(cid: Int = 1) throws(ATCommandError) -> ATCommand {
        ATCommand("AT+CGACT=1,\(try validatedContextID(cid))", match: .none)
    }
    /// `AT+CGACT=0,<cid>`.
    public static func deactivateContext(cid: Int = 1) throws(ATCommandError) -> ATCommand {
        ATCommand("AT+CGACT=0,\(try validatedContextID(cid))", match: .none)
    }
    /// `AT+CGPADDR=<cid>` → `+CGPADDR: 1,10.64.11.124` (`PDPAddress(parsing:)`).
    public static func addressQuery(cid: Int = 1) throws(ATCommandError) -> ATCommand {
        ATCommand("AT+CGPADDR=\(try validatedContextID(cid))", match: .prefix("+CGPADDR"))
    }

    // MARK: Data call to the net device (QNETDEVCTL; not confirmed on BG95: probe first)

    /// `AT+QNETDEVCTL=?` → `+QNETDEVCTL: (0,1,3),(1-16),(0,1)` (`NetDeviceControlSupport`).
    public static let netDeviceControlTest = ATCommand("AT+QNETDEVCTL=?", match: .prefix("+QNETDEVCTL"))
    /// `AT+QNETDEVCTL?` → `+QNETDEVCTL: <op>,<cid>,<urc>[,<state>]` (`NetDeviceControlState`).
    public static let netDeviceControlQuery = ATCommand("AT+QNETDEVCTL?", match: .prefix("+QNETDEVCTL"))
    /// `AT+QNETDEVCTL=1,<cid>,1`: connect and report `+QNETDEVSTATUS` URCs.
    public static func connectNetDevice(cid: Int = 1) throws(ATCommandError) -> ATCommand {
        ATCommand("AT+QNETDEVCTL=1,\(try validatedContextID(cid)),1", match: .none)
    }
    /// `AT+QNETDEVCTL=0,<cid>,0`: disconnect.
    public static func disconnectNetDevice(cid: Int = 1) throws(ATCommandError) -> ATCommand {
        ATCommand("AT+QNETDEVCTL=0,\(try validatedContextID(cid)),0", match: .none)
    }

    // MARK: Module-internal ping

    /// `AT+QPING=<cid>,"<host>"[,<timeout>[,<count>]]`. The reply is `OK` at once; the
    /// `+QPING:` results arrive later as URCs (`URC.ping`). `host` may only hold letters,
    /// digits, `.`, `-` and `:` (a name, an IPv4 or an IPv6 address).
    public static func ping(
        host: String, cid: Int = 1, timeoutSeconds: Int? = nil, count: Int? = nil
    ) throws(ATCommandError) -> ATCommand {
        let cid = try validatedContextID(cid)
        let host = try validatedString(host, field: .host, maxLength: 253, allowEmpty: false)
        for byte in host.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"):
                continue
            default:
                throw ATCommandError(field: .host, reason: .forbiddenCharacter)
            }
        }
        var text = "AT+QPING=\(cid),\"\(host)\""
        if let timeoutSeconds {
            guard (1...255).contains(timeoutSeconds) else {
                throw ATCommandError(field: .pingTimeout, reason: .outOfRange)
            }
            text += ",\(timeoutSeconds)"
        }
        if let count {
            guard (1...10).contains(count) else { throw ATCommandError(field: .pingCount, reason: .outOfRange) }
            if timeoutSeconds == nil { text += ",4" }  // the documented default timeout
            text += ",\(count)"
        }
        return ATCommand(text, match: .none)
    }

    // MARK: Functionality and reboot

    /// `AT+CFUN?` → `+CFUN: 1`.
    public static let functionalityQuery = ATCommand("AT+CFUN?", match: .prefix("+CFUN"))
    /// `AT+CFUN=0` (radio off) or `AT+CFUN=1` (full). `+CFUN:` lines meanwhile are URCs.
    public static func setFunctionality(_ level: Functionality) -> ATCommand {
        ATCommand("AT+CFUN=\(level.rawValue)", match: .none)
    }
    /// `AT+CFUN=1,1`: reboot; the USB device re-enumerates.
    public static let reboot = ATCommand("AT+CFUN=1,1", match: .none)

    // MARK: URC port

    /// `AT+QURCCFG="urcport"` → `+QURCCFG: "urcport","usbat"` (`URCPort(parsing:)`).
    public static let urcPortQuery = ATCommand("AT+QURCCFG=\"urcport\"", match: .prefix("+QURCCFG"))
    /// `AT+QURCCFG="urcport","usbat"`.
    public static func setURCPort(_ port: URCPort) -> ATCommand {
        ATCommand("AT+QURCCFG=\"urcport\",\"\(port.rawValue)\"", match: .none)
    }

    // MARK: Operator passthrough

    /// The longest operator command line in bytes, the one limit for `bg95ctl at`: the control
    /// socket's decoder (`ATPassthrough.maxLength`) refuses longer ones early with the same
    /// words. Below the module's own line limit; the daemon's long commands (AT+QICSGP with
    /// credentials) come from the builders above, not from this passthrough.
    public static let rawMaxLength = 256

    /// An operator's command line (`bg95ctl at`), validated: at most `rawMaxLength` bytes of printable
    /// ASCII (no CR, LF or other control bytes), no `\\`, balanced quotes, and exactly one
    /// command by the grammar in `ATCommandGrammar` (`AT` plus one basic or one extended
    /// command with its arguments). V.250 concatenation (`ATE0Q0`, `ATI+CGDCONT=...`), `;`
    /// chains and anything after the command are refused with the byte offset where the
    /// second command or the junk starts. Information lines with the command's own `+NAME`
    /// belong to its response for read (`?`), test (`=?`) and action forms; for set forms
    /// (`=...`) they are treated as URCs.
    public static func raw(_ text: String) throws(ATCommandError) -> ATCommand {
        guard !text.isEmpty else { throw ATCommandError(field: .rawCommand, reason: .empty) }
        guard text.utf8.count <= rawMaxLength else {
            throw ATCommandError(field: .rawCommand, reason: .tooLong(maximum: rawMaxLength))
        }
        var inQuote = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F: throw ATCommandError(field: .rawCommand, reason: .containsControlCharacter)
            case 0x80...: throw ATCommandError(field: .rawCommand, reason: .containsNonASCII)
            case 0x5C: throw ATCommandError(field: .rawCommand, reason: .containsBackslash)
            case 0x22: inQuote.toggle()
            default: continue
            }
        }
        guard !inQuote else { throw ATCommandError(field: .rawCommand, reason: .containsQuote) }
        let match: ResponseMatch
        switch try ATCommandGrammar(parsing: Array(text.utf8)).command {
        case .extended("+QPING", _), .extended(_, .set), .attention, .basic:
            match = .none
        case .extended("+CEREG", .read):
            match = .registrationRead
        case .extended(let name, .read), .extended(let name, .test), .extended(let name, .action):
            match = .prefix(name)
        }
        return ATCommand(text, match: match)
    }

    // MARK: Validation

    /// The injection rule for a quoted argument: printable ASCII without `"` and `\`.
    static func validatedString(
        _ value: String, field: ATArgumentField, maxLength: Int, allowEmpty: Bool
    ) throws(ATCommandError) -> String {
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x22: throw ATCommandError(field: field, reason: .containsQuote)
            case 0x5C: throw ATCommandError(field: field, reason: .containsBackslash)
            case 0..<0x20, 0x7F: throw ATCommandError(field: field, reason: .containsControlCharacter)
            case 0x80...: throw ATCommandError(field: field, reason: .containsNonASCII)
            default: continue
            }
        }
        if value.isEmpty && !allowEmpty { throw ATCommandError(field: field, reason: .empty) }
        guard value.utf8.count <= maxLength else {
            throw ATCommandError(field: field, reason: .tooLong(maximum: maxLength))
        }
        return value
    }

    /// PDP context ids 1...15 (27.007 leaves the range to the module; BG95 uses 1-15).
    static func validatedContextID(_ cid: Int) throws(ATCommandError) -> Int {
        guard (1...15).contains(cid) else { throw ATCommandError(field: .contextID, reason: .outOfRange) }
        return cid
    }
}
