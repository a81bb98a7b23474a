#if canImport(Glibc)
import Glibc
#endif
import BG95Config
import BG95System
import Modem
import ModemIO

extension DaemonConfiguration {
    /// What `ModemController` runs with under `bg95d run`: the bring-up (with the PIN read from
    /// `pin_file` now, so an operator's fix is seen at the next `up`), the periodic survey of
    /// the module while online, and discovery restricted to the configured USB path or serial.
    public func modemControllerConfiguration() throws(ModemStartError) -> ModemController.Configuration {
        let pinFromFile = try pin == nil ? pinFile.map(Self.readPIN) : nil
        var machine = modemConfiguration(pinFromFile: pinFromFile)
        machine.surveyAfterDataCall = true
        machine.surveyInterval = moduleSurveyInterval
        let discovery = UdevMonitor.Configuration(
            usbPath: usbPath.isEmpty ? nil : usbPath,
            serial: usbSerial.isEmpty ? nil : usbSerial
        )
        return ModemController.Configuration(machine: machine, discovery: discovery)
    }

    /// The first line of the PIN file. Errors name the file, never its content.
    private static func readPIN(_ path: String) throws(ModemStartError) -> String {
        let line: String?
        do {
            line = try TextFile.firstLine(path)
        } catch {
            throw .unusableFile("pin_file \(path): \(String(cString: strerror(error.code)))")
        }
        guard let pin = line else { throw .unusableFile("pin_file \(path): \(String(cString: strerror(ENOENT)))") }
        guard !pin.isEmpty else { throw .unusableFile("pin_file \(path) is empty") }
        guard (4...8).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .unusableFile("pin_file \(path) does not hold a 4-8 digit PIN")
        }
        return pin
    }
}
