// Fuzz harness: bytes from the AT port through the framer, the session and every typed
// parser; the same bytes as an operator's `bg95ctl at` line through `ATCommand.raw`.
// Compiled into the libFuzzer binary (`make fuzz`) and into ATProtocolTests, which replays
// Fuzz/Corpus/at-protocol/ (crash inputs kept as regression tests).
@testable import ATProtocol

enum ATProtocolFuzz {
    static func run(_ bytes: [UInt8]) {
        // The framer cuts the same lines however the input is chunked.
        var whole = ATFramer(maxLineLength: 256)
        let frames = whole.feed(bytes)
        var chunked = ATFramer(maxLineLength: 256)
        var chunkedFrames: [ATFrame] = []
        var offset = 0
        var chunk = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            chunkedFrames += chunked.feed(bytes[offset..<end])
            offset = end
            chunk = chunk % 7 + 1
        }
        precondition(frames == chunkedFrames, "framer output depends on chunking")
        for case .line(let line) in frames {
            // The cap counts input bytes; each becomes at most one scalar (invalid UTF-8 turns
            // into U+FFFD, 3 bytes in the String, so utf8.count may exceed the cap).
            precondition(line.unicodeScalars.count <= 256, "framer let an overlong line through")
            parseEverything(line)
        }

        // The session with a command in flight (the first byte picks which), fed the bytes in
        // two parts with a timeout in between.
        var session = ATSession(maxLineLength: 256)
        let commands: [ATCommand] = [.registrationQuery, .identify, .contextDefinitionsQuery, .servingSignalQuery, .attention, .operatorQuery]
        let first = commands[Int(bytes.first ?? 0) % commands.count]
        let (id, _) = session.start(first)
        _ = session.start(.simStatusQuery)  // refused: one in flight
        let half = bytes.count / 2
        var outputs = session.receive(bytes[..<half])
        if bytes.count % 3 == 0 { outputs += session.timeoutFired(for: id) }
        outputs += session.receive(bytes[half...])
        for output in outputs {
            if case .response(let response) = output {
                precondition(response.lines.count <= ATSession.maxResponseLines + 1, "response grew without bound")
                for line in response.lines { parseEverything(line) }
                _ = ModuleIdentityCheck.parse(response.lines)
            }
        }
        _ = session.reset()

        // The bytes as an operator's passthrough line: accepted means exactly one command.
        let text = String(decoding: bytes.prefix(300), as: UTF8.self)
        if let command = try? ATCommand.raw(text) {
            var inQuote = false
            for byte in command.text.utf8 {
                precondition((0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\\"), "raw let a control byte through")
                if byte == UInt8(ascii: "\"") { inQuote.toggle() }
                precondition(inQuote || byte != UInt8(ascii: ";"), "raw let ; through")
            }
            precondition(!inQuote, "raw let an open quote through")
            precondition(command.bytes.last == 0x0D && command.bytes.filter { $0 == 0x0D }.count == 1)
        }
    }

    /// Every typed parser on one line: each either parses or throws, never traps.
    static func parseEverything(_ line: String) {
        _ = URC.parse(line)
        _ = try? ATInformationLine(line)
        _ = CMEError(parsing: line)
        _ = try? URCPort(parsing: line)
        _ = try? FirmwareRevision(parsing: line)
        _ = try? NetworkInfo(parsing: line)
        _ = try? SIMState(parsing: line)
        _ = try? PDPContextDefinition(parsing: line)
        _ = try? ContextActivation(parsing: line)
        _ = try? AttachState(parsing: line)
        _ = try? PDPAddress(parsing: line)
        _ = try? Functionality(parsing: line)
        _ = try? ScanMode(parsing: line)
        _ = try? IoTOperatingMode(parsing: line)
        _ = try? ScanSequence(parsing: line)
        _ = try? BandConfiguration(parsing: line)
        _ = try? RegistrationReadReply(parsing: line)
        _ = try? RegistrationInfo(parsingURC: line)
        _ = try? PingEvent(parsing: line)
        _ = try? NetDeviceControlSupport(parsing: line)
        _ = try? NetDeviceStatus(parsing: line)
        _ = try? NetDeviceControlState(parsing: line)
        _ = try? PacketDomainEvent(parsing: line)
        _ = try? Indication(parsing: line)
        _ = try? OperatorSelection(parsing: line)
        _ = try? SignalQuality(parsing: line)
        _ = try? ServingSignal(parsing: line)
        _ = try? USBNetMode(parsing: line)
        _ = try? USBNetSupport(parsingTestReply: [line])
    }
}

/// `ModuleIdentity` parses the several bare lines of `ATI` at once.
private enum ModuleIdentityCheck {
    static func parse(_ lines: [String]) -> ModuleIdentity? { try? ModuleIdentity(parsing: lines) }
}
