import XCTest
@testable import ATProtocol

/// Replays deterministic garbage and mutations of real lines through every parser and the
/// session: each must answer with a value or a typed error, never trap.
final class ATGarbageTests: XCTestCase {
    static let realLines = [
        "+CPIN: READY", "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",8", "+CEREG: 3,\"1A2B\",\"01A2B3C4\",8,0,15", "+CGATT: 1",
        "+COPS: 0,0,\"Telekom.de\",8", "+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300", "+QCSQ: \"eMTC\",-65,-92,150,-10",
        "+CSQ: 20,99", "+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0", "+CGACT: 1,1", "+CGPADDR: 1,10.64.11.124",
        "+QCFGEXT: \"usbnet\",\"modem\"", "+QCFGEXT: \"usbnet\",(\"modem\",\"ecm\")", "+QCFG: \"nwscanmode\",3",
        "+QCFG: \"iotopmode\",0", "+QCFG: \"nwscanseq\",020301", "+QCFG: \"band\",0xf,0x80084,0x80084",
        "+QNETDEVCTL: 1,1,1,1", "+QNETDEVCTL: (0,1,3),(1-16),(0,1)", "+QNETDEVSTATUS: 1", "+QPING: 0,\"8.8.8.8\",32,257,255",
        "+QPING: 0,5,5,0,77,257,149", "BG95M3LAR02A03_01.202.01.202", "+QURCCFG: \"urcport\",\"usbat\"",
        "+QIURC: \"pdpdeact\",1", "+CGEV: NW DEACT \"IP\",\"10.64.11.124\",1", "+CFUN: 1", "+QIND: SMS DONE",
    ]

    static func parseWithEveryParser(_ line: String) {
        _ = try? SIMState(parsing: line)
        _ = try? RegistrationInfo(parsingURC: line)
        _ = try? RegistrationReadReply(parsing: line)
        _ = try? AttachState(parsing: line)
        _ = try? OperatorSelection(parsing: line)
        _ = try? NetworkInfo(parsing: line)
        _ = try? ServingSignal(parsing: line)
        _ = try? SignalQuality(parsing: line)
        _ = try? PDPContextDefinition(parsing: line)
        _ = try? ContextActivation(parsing: line)
        _ = try? PDPAddress(parsing: line)
        _ = try? USBNetMode(parsing: line)
        _ = try? USBNetSupport(parsing: line)
        _ = try? ScanMode(parsing: line)
        _ = try? IoTOperatingMode(parsing: line)
        _ = try? ScanSequence(parsing: line)
        _ = try? BandConfiguration(parsing: line)
        _ = try? NetDeviceControlSupport(parsing: line)
        _ = try? NetDeviceControlState(parsing: line)
        _ = try? NetDeviceStatus(parsing: line)
        _ = try? PingEvent(parsing: line)
        _ = try? FirmwareRevision(parsing: line)
        _ = try? URCPort(parsing: line)
        _ = try? Functionality(parsing: line)
        _ = try? PacketDomainEvent(parsing: line)
        _ = try? Indication(parsing: line)
        _ = try? ModuleIdentity(parsing: [line, line, line])
        _ = URC.parse(line)
        _ = ATResult.finalResult(of: line)
        _ = ATCommand.registrationQuery.claims(line)
    }

    func testMutatedRealLinesNeverTrap() {
        var random = SplitMix64(seed: 42)
        let noise: [String] = ["\"", ",", "(", ")", "-", "0x", "99999999999999999999", "\u{FFFD}", ":", " ", "", "-0", "1-", "+"]
        var parsedCount = 0
        for _ in 0..<3_000 {
            var scalars = Array(Self.realLines[Int(random.next() % UInt64(Self.realLines.count))].unicodeScalars)
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = scalars.isEmpty ? 0 : Int(random.next() % UInt64(scalars.count + 1))
                switch random.next() % 3 {
                case 0 where !scalars.isEmpty && position < scalars.count: scalars.remove(at: position)
                case 1: scalars.insert(contentsOf: noise[Int(random.next() % UInt64(noise.count))].unicodeScalars, at: position)
                default: scalars = Array(scalars.prefix(position))
                }
            }
            var line = ""
            line.unicodeScalars.append(contentsOf: scalars)
            Self.parseWithEveryParser(line)
            if case .unknown = URC.parse(line) {} else { parsedCount += 1 }
        }
        XCTAssertGreaterThan(parsedCount, 0)
        for line in Self.realLines { Self.parseWithEveryParser(line) }
    }

    func testRandomBytesThroughTheSessionNeverTrapAndStayBounded() {
        var random = SplitMix64(seed: 7)
        var session = ATSession(maxLineLength: 128)
        var lines = 0
        for round in 0..<2_000 {
            if session.inFlight == nil, round % 3 != 0 { _ = session.start(round % 2 == 0 ? .registrationQuery : .identify) }
            let count = Int(random.next() % 64)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.next() % 4 == 0 { bytes += Array("\r\nOK\r\n".utf8) }
            for output in session.receive(bytes) {
                switch output {
                case .urc(.unknown(let line), _):
                    Self.parseWithEveryParser(line)
                    lines += 1
                case .response(let response):
                    response.lines.forEach(Self.parseWithEveryParser)
                    lines += response.lines.count
                case .write, .urc, .prompt, .discarded:
                    break
                }
            }
            if let transaction = session.inFlight {
                XCTAssertLessThanOrEqual(transaction.lines.count, ATSession.maxResponseLines)
                if round % 50 == 0 { _ = session.timeoutFired(for: transaction.id) }
            }
        }
        XCTAssertGreaterThan(lines, 0)
    }
}
