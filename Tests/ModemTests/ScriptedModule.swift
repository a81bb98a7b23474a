import ATProtocol
import Modem
import XCTest

/// Drives a `ModemMachine` through a real `ATSession` with scripted module output, the way
/// the AT channel does, without any I/O: commands the machine sends are "written" into the
/// session, and the test answers with the lines the module would print (URCs included, at any
/// point). Timers are recorded and fired by hand; time advances only when the test says so.
struct ScriptedModule {
    var machine: ModemMachine
    var session = ATSession()
    var now = ContinuousClock.now
    /// Every command line written, in order.
    var written: [String] = []
    var logs: [String] = []
    var states: [ModemState] = []
    var timers: Set<ModemTimer> = []
    /// Every timer started, with its delay, in order.
    var timerStarts: [(timer: ModemTimer, after: Duration)] = []
    var finished: DataCall?
    var failed: BringUpError?
    var diagnosed: ModuleDiagnosis?
    var waitedForModule = false
    private var inFlight: ATCommandID?
    private var unchecked = 0

    init(_ configuration: ModemConfiguration) throws {
        machine = try ModemMachine(configuration: configuration)
    }

    /// The command written last and not yet answered.
    var pending: String? { inFlight == nil ? nil : written.last }

    mutating func event(_ event: ModemEvent) {
        let actions = machine.handle(event, now: now)
        for action in actions {
            switch action {
            case .send(let command):
                let (id, outputs) = session.enqueue(command)
                for output in outputs {
                    if case .write = output {
                        inFlight = id
                        written.append(command.text)
                    } else {
                        deliver(output)
                    }
                }
            case .startTimer(let timer, let delay):
                timers.insert(timer)
                timerStarts.append((timer, delay))
            case .cancelTimer(let timer):
                timers.remove(timer)
            case .waitForModule:
                waitedForModule = true
            case .log(let line):
                logs.append(line)
            case .stateChanged(let state):
                states.append(state)
            case .finished(let call):
                finished = call
            case .failed(let error):
                failed = error
            case .diagnosed(let diagnosis):
                diagnosed = diagnosis
            }
        }
    }

    /// The module prints `lines` (each followed by CR LF, as a BG95 does with echo off).
    mutating func module(_ lines: String...) {
        bytes(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8))
    }

    /// Raw bytes from the module (for split or odd framing).
    mutating func bytes(_ bytes: [UInt8]) {
        for output in session.receive(bytes) { deliver(output) }
    }

    /// Asserts the machine's pending command is `command`, then answers with `lines`.
    mutating func expect(_ command: String, _ lines: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(pending, command, "pending command", file: file, line: line)
        guard pending == command else { return }
        bytes(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8))
    }

    /// The command in flight hits its timeout.
    mutating func timeOut(file: StaticString = #filePath, line: UInt = #line) {
        guard let inFlight else { return XCTFail("no command in flight", file: file, line: line) }
        for output in session.timeoutFired(for: inFlight) { deliver(output) }
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
        for output in session.reset() { deliver(output) }
        inFlight = nil
        event(.moduleVanished)
    }

    private mutating func deliver(_ output: ATSessionOutput) {
        switch output {
        case .write(let id, let bytes, _):
            // A command that waited in the session's queue goes out now.
            inFlight = id
            written.append(String(decoding: bytes.dropLast(), as: UTF8.self))
        case .response(let response):
            if response.id == inFlight { inFlight = nil }
            event(.response(response))
        case .urc(let urc, _):
            event(.urc(urc))
        case .prompt, .discarded:
            break
        }
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

    /// SIM ready → context already right → registered home → attached.
    mutating func simToAttached(apn: String = "internet") {
        expect("AT+CPIN?", "+CPIN: READY", "OK")
        expect("AT+CGDCONT?", "+CGDCONT: 1,\"IP\",\"\(apn)\",\"0.0.0.0\",0,0,0", "OK")
        expect("AT+CEREG=2", "OK")
        expect("AT+CEREG?", "+CEREG: 2,1,\"1A2B\",\"01A2D001\",8", "OK")
        expect("AT+CGATT?", "+CGATT: 1", "OK")
    }

    /// The QNETDEVCTL firmware profile's data call.
    mutating func qnetdevctlDataCall(address: String = "10.64.11.124") {
        expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 0,1,0,0", "OK")
        expect("AT+QNETDEVCTL=1,1,1", "OK", "+QNETDEVSTATUS: 1")
        expect("AT+QNETDEVCTL?", "+QNETDEVCTL: 1,1,1,1", "OK")
        expect("AT+CGPADDR=1", "+CGPADDR: 1,\(address)", "OK")
    }
}
