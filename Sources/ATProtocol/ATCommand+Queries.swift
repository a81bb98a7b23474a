/// Identity queries the module model needs (`ModuleModel` in the Modem target). The other
/// queries it uses (`AT+COPS?`, `AT+QNWINFO`, `AT+QCSQ`, `AT+CSQ`) are in
/// `ATCommand+Builders.swift`.
extension ATCommand {
    /// `AT+CGSN`: the IMEI, answered as a bare line (`IMEI`).
    public static let imeiQuery = ATCommand("AT+CGSN", match: .none)
    /// `AT+CIMI`: the SIM's IMSI, answered as a bare line (`IMSI`); `+CME ERROR` without a SIM.
    public static let imsiQuery = ATCommand("AT+CIMI", match: .none)
    /// `AT+QCCID`: the SIM's ICCID (`ICCID`).
    public static let iccidQuery = ATCommand("AT+QCCID", match: .prefix("+QCCID"))
}
