import ATProtocol
import Modem
import XCTest

/// Drives a `ModemMachine` with scripted module output, without any I/O: the lines the
/// machine writes (its link's `ATE0` probes aside) are recorded, and the test answers with
/// the bytes the module would print (URCs included, at any point). Timers are recorded and
/// fired by hand; time advances only when the test says so.
struct ScriptedModule {
    var machine: ModemMachine
    var now = ContinuousClock.now
    /// Every command line written, in order (without the link's `ATE0` probes).
    var written: [String] = []
    /// The link's probes written (`ATE0`).
    var probes: [String] = []
    var logs: [String] = []
    var states: [ModemState] = []
    /// The machine's own timers running (the link's are in `linkTimers`).
    var timers: Set<ModemTimer> = []
    var linkTimers: Set<ATLinkMachine.Timer> = []
    /// Every timer started, with its delay, in order.
    var timerStarts: [(timer: ModemTimer, after: Duration)] = []
    /// The data call as last reported: at `.finished`, then with its address (`.addressRead`).
    var finished: DataCall?
    /// The call as `.finished` reported it (the moment it is up, before its address is read).
    var reportedUp: DataCall?
    var failed: BringUpError?
    var diagnosed: ModuleDiagnosis?
    var dataCallChecked: [Bool?] = []
    /// Responses to commands submitted with `.submit`, by ticket.
    var completed: [CommandTicket: ATResponse] = [:]
    var healths: [ATLinkMachine.Health] = []
    var waitedForModule = false
    /// The line written last, until its final result arrives.
    private var inFlight: String?

    init(_ configuration: ModemConfiguration) throws {
        machine = try ModemMachine(configuration: configuration)
    }

    /// The command written last and not yet answered (not a probe).
    var pending: String? { inFlight }

    mutating func event(_ event: ModemEvent) {
        let actions = machine.handle(event, now: now)
        for action in actions {
            switch action {
            case .write(_, let command):
                inFlight = command.text
                if command == .attention || command == .echoOff { probes.append(command.text) } else { written.append(command.text) }
            case .completed(let response, let ticket):
                if let ticket { completed[ticket] = response }
            case .startTimer(.link(let timer), _):
                linkTimers.insert(timer)
            case .cancelTimer(.link(let timer)):
                linkTimers.remove(timer)
                // The response deadline ends exactly when the command in flight completed.
                if timer == .response { inFlight = nil }
            case .startTimer(let timer, let delay):
                timers.insert(timer)
                timerStarts.append((timer, delay))
            case .cancelTimer(let timer):
                timers.remove(timer)
            case .waitForModule:
                waitedForModule = true
            case .log(let line), .logPortInput(let line):
                logs.append(line)
            case .stateChanged(_, let state):
                states.append(state)
            case .finished(let call):
                finished = call
                reportedUp = call
            case .addressRead(let call):
                finished = call
            case .failed(let error):
                failed = error
            case .diagnosed(let diagnosis):
                diagnosed = diagnosis
            case .dataCallChecked(let answer):
                dataCallChecked.append(answer)
            case .portHealth(let health):
                healths.append(health)
            case .urc, .reopenPort:
                break
            }
        }
        // The link's probes are answered at once: these tests are about the bring-up.
        if inFlight == "AT" || inFlight == "ATE0" { module("OK") }
    }

    /// The AT port opens and answers the link's `ATE0` probe: the bring-up starts.
    mutating func open() {
        event(.portOpened)
    }

    /// The module prints `lines` (each followed by CR LF, as a BG95 does with echo off).
    mutating func module(_ lines: String...) {
        bytes(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8))
    }

    /// Raw bytes from the module (for split or odd framing).
    mutating func bytes(_ bytes: [UInt8]) {
        event(.received(bytes))
    }

    /// Asserts the machine's pending command is `command`, then answers with `lines`.
    mutating func expect(_ command: String, _ lines: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(pending, command, "pending command", file: file, line: line)
        guard pending == command else { return }
        bytes(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8))
    }

    /// The command in flight hits its timeout (the link then probes, answered at once).
    mutating func timeOut(file: StaticString = #filePath, line: UInt = #line) {
        guard inFlight != nil, linkTimers.contains(.response) else {
            return XCTFail("no command in flight", file: file, line: line)
        }
        linkTimers.remove(.response)
        event(.timerFired(.link(.response)))
    }

    /// Fires a timer the machine started (fails if it is not running).
    mutating func fire(_ timer: ModemTimer, after: Duration = .seconds(1), file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(timers.contains(timer), "timer \(timer) is not running", file: file, line: line)
        guard timers.contains(timer) else { return }
        timers.remove(timer)
        now = now.advanced(by: after)
        event(.timerFired(timer))
    }

    /// The port closes under the machine (re-enumeration): pending commands are cancelled.
    mutating func portGone() {
        inFlight = nil
        event(.portClosed)
    }
}

extension ScriptedModule {
    /// usbnet already ECM → identify → urcport → how the data call is made (`AT+QNETDEVCTL=?`
    /// answered as `qnetdevctlTest` says; `["ERROR"]`: the autoconnect profile).
    mutating func identifyAndECM(profileFirmware: String = "BG95M3LAR02A03_01.202.01.202",
                                 qnetdevctlTest: [String] = ["+QNETDEVCTL: (0,1,3),(1-16),(0,1)", "OK"]) {
        expect("AT+QCFGEXT=\"usbnet\"", "+QCFGEXT: \"usbnet\",\"ecm\"", "OK")
        expect("ATI", "Quectel", "BG95-M3", "Revision: BG95M3LAR02A03", "OK")
        expect("AT+QGMR", profileFirmware, "OK")
        expect("AT+QURCCFG=\"urcport\"", "+QURCCFG: \"urcport\",\"usbat\"", "OK")
        XCTAssertEqual(pending, "AT+QNETDEVCTL=?")
        bytes(Array(qnetdevctlTest.map { "\r\n\($0)\r\n" }.joined().utf8))
    }

    /// SIM ready → context already right → registration reporting on; `AT+CEREG?` is next.
    mutating func simToRegistering() {
        expect("AT+CPIN?", "+CPIN: READY", "OK")
        expect("AT+CGDCONT?", "+CGDCONT: 1,\"IP\",\"internet\"", "OK")
        expect("AT+CEREG=2", "OK")
    }

    /// `simToRegistering`, then `AT+CEREG?` answers "searching": the machine waits for
    /// registration (and meanwhile asks whether the data call is up).
    mutating func simToSearching() {
        simToRegistering()
        expect("AT+CEREG?", "+CEREG: 2,2", "OK")
    }

    /// SIM ready → context already right → registered home (the data call is next).
    mutating func simToRegistered(apn: String = "internet") {
        expect("AT+CPIN?", "+CPIN: READY", "OK")
        expect("AT+CGDCONT?", "+CGDCONT: 1,\"IP\",\"\(apn)\",\"0.0.0.0\",0,0,0", "OK")
        expect("AT+CEREG=2", "OK")
        expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
    }

    /// The QNETDEVCTL firmware profile's data call.
    mutating func qnetdevctlDataCall(address: String = "10.64.11.124") {
        expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        expect("AT+QNETDEVCTL=1,1,1", "OK", "+QNETDEVSTATUS: 1")
        expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        expect("AT+CGPADDR=1", "+CGPADDR: 1,\(address)", "OK")
    }
}
