import ATProtocol
import Modem

extension DaemonConfiguration {
    /// What the modem machine must make true on the module, from this configuration: the one
    /// mapping every command uses (`bg95d run` and `bg95d modem`), so a key means the same
    /// everywhere. `pin` is the PIN read from `pinFile` by the caller (file I/O stays out of
    /// this pure target); an inline `pin` wins.
    public func modemConfiguration(pinFromFile: String? = nil) -> ModemConfiguration {
        var bringUp = ModemConfiguration(apn: apn)
        bringUp.pdpType = pdpType
        if !username.isEmpty { bringUp.username = username }
        if !password.isEmpty { bringUp.password = password }
        bringUp.authentication = auth
        switch iotMode {
        case .emtc: bringUp.iotMode = .catM1
        case .nbiot: bringUp.iotMode = .nbIoT
        case .both: bringUp.iotMode = .catM1AndNBIoT
        }
        bringUp.pin = pin ?? pinFromFile
        if let mask = bandMask, let bands = BandMask(hex: mask), let none = BandMask(hex: "0") {
            bringUp.bands = BandConfiguration(gsm: none, catM1: bands, nbIoT: bands)
        }
        bringUp.registrationTimeout = supervisor.registrationTimeout
        return bringUp
    }
}
