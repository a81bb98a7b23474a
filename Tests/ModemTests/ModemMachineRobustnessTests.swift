import ATProtocol
import Modem
import XCTest

/// The machine against a module that answers nonsense: random reply lines, random final
/// results, URCs and timeouts in random places. It must never trap, never send the PIN twice,
/// never have two commands of its own in flight, and always end up waiting, up or failed.
final class ModemMachineRobustnessTests: XCTestCase {
    /// A small deterministic generator so a failure can be replayed by its seed.
    private struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private let lines = [
        "+CPIN: READY", "+CPIN: SIM PIN", "+CPIN: SIM PUK", "+CPIN: NOT READY", "+CPIN: ???",
        "+QCFGEXT: \"usbnet\",\"ecm\"", "+QCFGEXT: \"usbnet\",\"modem\"", "+QCFGEXT: \"usbnet\",(\"ecm\",\"modem\")",
        "+QURCCFG: \"urcport\",\"uart1\"", "+QURCCFG: \"urcport\",\"usbat\"", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8",
        "+CEREG: 2,3", "+CEREG: 3,3,\"1A2B\",\"01A2D001\",8,0,15", "+CEREG: 2,2", "+CEREG: 9,9,9,9,9,9,9,9,9,9",
        "+CGATT: 1", "+CGATT: 0", "+CGATT: x", "+CGACT: 1,1", "+CGACT: 1,0", "+CGPADDR: 1,10.64.11.124",
        "+CGPADDR: 1,999.1.1.1", "+CGPADDR: 1", "+QNETDEVCTL: 1,1,1,1", "+QNETDEVCTL: 0,1,0,0",
        "+QNETDEVCTL: (0,1,3),(1-16),(0,1)", "+CGDCONT: 1,\"IP\",\"internet\"", "+CGDCONT: 1,\"IPV4V6\",\"\"",
        "+QCFG: \"iotopmode\",2", "+QCFG: \"nwscanmode\",3", "+QCFG: \"nwscanseq\",020301", "Quectel", "BG95-M3",
        "Revision: BG95M3LAR02A03", "BG95M3LAR02A03_01.202.01.202", "\u{FFFD}\u{FFFD}garbage", "+CME ERROR",
        "+CEREG: \"unterminated", "+QNETDEVSTATUS: 1", "+CGEV: NW DETACH", "RDY", "+QIND: SMS DONE",
        String(repeating: "9", count: 300),
    ]
    private let finals = ["OK", "OK", "OK", "ERROR", "+CME ERROR: 10", "+CME ERROR: 14", "+CME ERROR: 16",
                          "+CME ERROR: 30", "+CME ERROR: 12", "+CMS ERROR: 500", "NO CARRIER"]

    /// Answers a module could really give to `command` (so random runs get deep into the flow).
    private func plausible(for command: String, using random: inout SplitMix) -> [String]? {
        let table: [(String, [[String]])] = [
            ("ATI", [["Quectel", "BG95-M3", "Revision: BG95M3LAR02A03", "OK"]]),
            ("AT+QGMR", [["BG95M3LAR02A03_01.202.01.202", "OK"]]),
            ("AT+QURCCFG=\"urcport\"", [["+QURCCFG: \"urcport\",\"usbat\"", "OK"], ["+QURCCFG: \"urcport\",\"uart1\"", "OK"]]),
            ("AT+QCFGEXT=?", [["+QCFGEXT: \"usbnet\",(\"ecm\",\"modem\")", "OK"], ["ERROR"]]),
            ("AT+QCFGEXT=\"usbnet\"", [["+QCFGEXT: \"usbnet\",\"ecm\"", "OK"], ["+QCFGEXT: \"usbnet\",\"modem\"", "OK"]]),
            ("AT+CPIN?", [["+CPIN: SIM PIN", "OK"], ["+CPIN: READY", "OK"], ["+CME ERROR: 14"]]),
            ("AT+CPIN=", [["+CME ERROR: 16"], ["OK"], ["ERROR"]]),
            ("AT+QCFG=\"iotopmode\"", [["+QCFG: \"iotopmode\",0", "OK"], ["+QCFG: \"iotopmode\",2", "OK"]]),
            ("AT+QCFG=\"nwscanseq\"", [["+QCFG: \"nwscanseq\",0203", "OK"], ["+QCFG: \"nwscanseq\",020301", "OK"]]),
            ("AT+CGDCONT?", [["+CGDCONT: 1,\"IP\",\"internet\"", "OK"], ["OK"]]),
            ("AT+CEREG?", [["+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK"], ["+CEREG: 2,2", "OK"], ["+CEREG: 2,3", "OK"]]),
            ("AT+CGATT?", [["+CGATT: 1", "OK"], ["+CGATT: 0", "OK"]]),
            ("AT+QNETDEVCTL=?", [["+QNETDEVCTL: (0,1,3),(1-16),(0,1)", "OK"], ["ERROR"]]),
            ("AT+QNETDEVCTL?", [["+QNETDEVCTL: 1,1,1,1", "OK"], ["+QNETDEVCTL: 0,1,0,0", "OK"]]),
            ("AT+CGACT?", [["+CGACT: 1,0", "OK"], ["+CGACT: 1,1", "OK"]]),
            ("AT+CGPADDR=1", [["+CGPADDR: 1,10.64.11.124", "OK"], ["+CGPADDR: 1,0.0.0.0", "OK"]]),
        ]
        for (prefix, answers) in table where command.hasPrefix(prefix) {
            return answers.randomElement(using: &random)
        }
        return ["OK"]
    }

    func testRandomAnswersNeverTrapAndNeverResendARefusedPIN() throws {
        var outcomes: [String: Int] = [:]
        defer {
            // The runs must reach deep states, or the invariants above were never exercised.
            print("robustness outcomes: \(outcomes)")
            XCTAssertGreaterThan(outcomes["up", default: 0], 50, "\(outcomes)")
            XCTAssertGreaterThan(outcomes["wrongPIN", default: 0], 50, "\(outcomes)")
        }
        for seed in UInt64(1)...200 {
            var random = SplitMix(state: seed)
            var configuration = ModemConfiguration(apn: "internet", pin: "1234")
            configuration.iotMode = .catM1
            configuration.scanSequence = ScanSequence([.catM1, .nbIoT])
            var module = try ScriptedModule(configuration)
            module.open()
            var failures = 0
            var rejectedAt: Int?
            for _ in 0..<300 {
                if module.finished != nil { break }
                if module.failed != nil {
                    // A failure is followed by a replug: whatever failed, the PIN stays sent once.
                    failures += 1
                    module.failed = nil
                    module.portGone()
                    module.open()
                }
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<3:
                    if module.pending != nil { module.timeOut() }
                case 3..<6:
                    if let timer = module.timers.randomElement(using: &random) { module.fire(timer) }
                case 6..<12:
                    module.module(lines.randomElement(using: &random)!)  // a URC or a stray line
                case 12:
                    module.portGone()
                    module.open()
                default:
                    guard module.pending != nil else {
                        if let timer = module.timers.randomElement(using: &random) { module.fire(timer) }
                        continue
                    }
                    if Int.random(in: 0..<10, using: &random) < 8, let plausible = plausible(for: module.pending!, using: &random) {
                        module.module(contentsOf: plausible)
                        continue
                    }
                    let count = Int.random(in: 0...2, using: &random)
                    let reply = (0..<count).map { _ in lines.randomElement(using: &random)! }
                    module.module(contentsOf: reply + [finals.randomElement(using: &random)!])
                }
                // An accepted PIN is entered again after a reboot (the SIM asks again); a refused
                // one never is.
                if rejectedAt == nil, module.machine.state == .failed(.wrongPIN)
                    || module.logs.contains(where: { $0.contains("PIN entry refused") }) {
                    rejectedAt = module.written.count
                }
                if let rejectedAt {
                    XCTAssertFalse(module.written[rejectedAt...].contains { $0.hasPrefix("AT+CPIN=") },
                                   "seed \(seed): PIN sent again after the SIM refused it")
                }
                if module.pending == nil, module.failed == nil, module.finished == nil, failures == 0 || module.machine.state != .failed(.wrongPIN) {
                    // Idle without an outcome is only allowed while a timer or the module is awaited.
                    let waiting = !module.timers.isEmpty || module.machine.state == .waitingForModule
                        || module.machine.state == .rebooting
                    XCTAssertTrue(waiting, "seed \(seed): stuck in \(module.machine.state) with nothing pending")
                    if !waiting { break }
                }
            }
            XCTAssertFalse(module.logs.contains { $0.contains("1234") }, "seed \(seed): PIN in the log")
            if module.finished != nil { outcomes["up", default: 0] += 1 }
            if module.logs.contains(where: { $0.contains("refused the configured PIN") }) { outcomes["wrongPIN", default: 0] += 1 }
        }
    }
}

extension ScriptedModule {
    mutating func module(contentsOf lines: [String]) {
        bytes(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8))
    }
}
