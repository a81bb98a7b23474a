/// `bg95sim ctl host-world <normal|qmi|no-serial-driver>`: re-enumerates the module (unplug,
/// replug) with the host binding its interfaces as in that world. The reply comes once the new
/// tree is present: `ok host-world qmi at=-`.
extension Simulator {
    func handleHostWorld(_ args: [String], respond: @escaping (String) -> Void) {
        let names = HostWorld.allCases.map(\.rawValue).joined(separator: "|")
        guard args.count == 1, let world = HostWorld(rawValue: args[0]) else {
            return respond("error usage: host-world <\(names)>")
        }
        let wasPlugged = plugged
        if wasPlugged {
            hardwareGeneration += 1
            engine.powerOff()
            unplugHardware()
        }
        hostWorld = world
        guard wasPlugged else { return respond("ok host-world \(world.rawValue) (unplugged; applies at replug)") }
        hardwareGeneration += 1
        do {
            try plugHardware()
            engine.powerOn()
            finishEnumerationWaiters(true)
            respond("ok host-world \(world.rawValue) at=\(atPort ?? "-")")
        } catch {
            respond("error host-world: \(error)")
        }
    }
}
