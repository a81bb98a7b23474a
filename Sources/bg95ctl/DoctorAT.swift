import ATProtocol
import BG95Control
import Glibc

/// doctor's read-only AT questions, asked through bg95d's AT queue when it owns the port, or
/// on the port itself when nobody holds it. Only queries (`?`, `=?`, `ATI`, `AT+QGMR`), never a
/// setting; the answers are parsed with the daemon's own parsers (ATProtocol).
enum DoctorAT {
    /// bg95ctl's own `ATCommand` is the `at` subcommand.
    typealias Command = ATProtocol.ATCommand

    /// The questions, in order.
    static let queries: [Command] = [
        .attention, .identify, .firmwareRevisionQuery, .usbNetModeQuery, .extendedConfigurationTest,
        .simStatusQuery, .registrationQuery, .contextActivationQuery, .netDeviceControlQuery,
    ]

    /// One answer: information lines and the final result code as text ("OK", "ERROR", ...);
    /// nil final: no answer in time.
    typealias Answer = (lines: [String], final: String?)

    /// Asks through bg95d (`at` over the control socket, 3 s per command).
    static func viaDaemon(_ client: ControlClient) -> DoctorObservations.ModuleAnswers {
        ask(via: "bg95d") { command in
            do {
                let response = try client.request(.at(command: command.text, timeout: 3), timeout: 10)
                switch response.outcome {
                case .success(.at(let result)): return (result.lines, result.final)
                case .failure(let failure) where failure.code == .permissionDenied || failure.code == .invalidArgument:
                    return ([], "refused: \(failure.message)")
                case .failure:  // timeout, not-available (port stalled or gone), failed
                    return ([], nil)
                case .success: return ([], nil)
                }
            } catch {
                return ([], nil)
            }
        }
    }

    /// Opens `path` itself (O_NOCTTY, raw 115200 8N1) and asks; nil when it cannot open it.
    static func direct(path: String) -> DoctorObservations.ModuleAnswers {
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            return .init(via: "direct", answered: false, failure: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var tio = termios()
        if tcgetattr(fd, &tio) == 0 {  // a umockdev pty may refuse: harmless
            cfmakeraw(&tio)
            cfsetspeed(&tio, speed_t(B115200))
            tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
            _ = tcsetattr(fd, TCSANOW, &tio)
        }
        var session = ATSession()
        return ask(via: "direct") { command in
            var outputs = session.start(command).outputs
            let deadline = now() + 3
            while true {
                for output in outputs {
                    switch output {
                    case .write(_, let bytes, _):
                        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    case .response(let response):
                        return (response.lines, response.result == .timedOut ? nil : "\(response.result)")
                    case .urc, .prompt, .discarded:
                        break
                    }
                }
                outputs = []
                let left = deadline - now()
                if left <= 0 {
                    if let id = session.inFlight?.id { outputs = session.timeoutFired(for: id) }
                    if outputs.isEmpty { return ([], nil) }
                    continue
                }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, Int32(left * 1000) + 1) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 1024)
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 1024) }
                if count > 0 { outputs = session.receive(buffer[0..<count]) }
                else if count == 0 || (errno != EAGAIN && errno != EINTR) { return ([], nil) }
            }
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Runs the queries with `send` and reads the answers; stops after `AT` when it gets none.
    static func ask(via: String, _ send: (Command) -> Answer) -> DoctorObservations.ModuleAnswers {
        let hello = send(.attention)
        guard let final = hello.final, final == "OK" else {
            return .init(via: via, answered: false, failure: hello.final ?? "no answer to AT within 3 s")
        }
        var m = DoctorObservations.ModuleAnswers(via: via, answered: true)
        for command in queries.dropFirst() {
            let answer = send(command)
            let ok = answer.final == "OK"
            switch command {
            case .identify where ok:
                m.model = answer.lines.first { $0.uppercased().hasPrefix("BG") } ?? answer.lines.dropFirst().first
            case .firmwareRevisionQuery where ok:
                m.firmware = answer.lines.first
            case .usbNetModeQuery where ok:
                m.usbnet = answer.lines.lazy.compactMap { try? USBNetMode(parsing: $0) }.first?.rawValue
            case .extendedConfigurationTest where ok:
                m.usbnetSupported = (try? USBNetSupport(parsingTestReply: answer.lines))?.modes.map(\.rawValue)
            case .simStatusQuery:
                if ok { m.sim = answer.lines.lazy.compactMap { try? SIMState(parsing: $0) }.first?.rawValue }
                else if answer.final == "+CME ERROR: 10" || answer.final?.hasPrefix("+CME ERROR: 10 ") == true { m.sim = "absent" }
                else if let final = answer.final { m.sim = final }
            case .registrationQuery where ok:
                if let reply = answer.lines.lazy.compactMap({ try? RegistrationReadReply(parsing: $0) }).first {
                    m.registrationStatus = reply.info.status.rawValue
                    if let cause = reply.info.rejectCause, cause.type == 0 { m.rejectCause = cause.cause }
                }
            case .contextActivationQuery where ok:
                let contexts = answer.lines.compactMap { try? ContextActivation(parsing: $0) }
                m.contextActive = contexts.contains { $0.isActive }
            case .netDeviceControlQuery where ok:
                m.netDeviceConnected = answer.lines.lazy.compactMap { try? NetDeviceControlState(parsing: $0) }.first?.isConnected
            default:
                break
            }
        }
        if m.contextActive == true || m.netDeviceConnected == true, let query = try? Command.addressQuery(cid: 1) {
            let answer = send(query)
            m.pdnAddress = answer.lines.lazy.compactMap { try? PDPAddress(parsing: $0) }.first?.ipv4?.description
        }
        return m
    }
}
