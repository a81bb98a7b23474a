import XCTest
@testable import ATProtocol

/// Collects what a session emits, split by kind, for compact assertions.
private struct Transcript {
    var writes: [(ATCommandID, String, Duration)] = []
    var responses: [ATResponse] = []
    var urcs: [URC] = []
    var other: [ATSessionOutput] = []

    mutating func record(_ outputs: [ATSessionOutput]) {
        for output in outputs {
            switch output {
            case .write(let id, let bytes, let timeout): writes.append((id, String(decoding: bytes, as: UTF8.self), timeout))
            case .response(let response): responses.append(response)
            case .urc(let urc, _): urcs.append(urc)
            case .prompt, .discarded: other.append(output)
            }
        }
    }
}

final class ATSessionTests: XCTestCase {
    private func feed(_ session: inout ATSession, _ text: String, into transcript: inout Transcript) {
        transcript.record(session.receive(Array(text.utf8)))
    }

    func testEchoIsSkippedAndIntermediateLinesCollected() throws {
        var session = ATSession()
        var transcript = Transcript()
        let command = try ATCommand.addressQuery(cid: 1)
        let (id, outputs) = session.start(command)
        transcript.record(outputs)
        XCTAssertEqual(transcript.writes.map(\.1), ["AT+CGPADDR=1\r"])
        XCTAssertEqual(transcript.writes.first?.0, id)
        feed(&session, "AT+CGPADDR=1\r\r\n+CGPADDR: 1,10.64.11.124\r\n\r\nOK\r\n", into: &transcript)
        XCTAssertEqual(transcript.responses, [ATResponse(id: id, command: command, lines: ["+CGPADDR: 1,10.64.11.124"], result: .ok)])
        XCTAssertEqual(try transcript.responses[0].reply(PDPAddress.self).ipv4, PDPIPv4Address(10, 64, 11, 124))
        XCTAssertNil(session.inFlight)
        XCTAssertEqual(transcript.urcs, [])
    }

    func testURCBetweenResponseLinesGoesToURCStream() {
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(.contextActivationQuery).outputs)
        feed(&session, "+CGACT: 1,1\r\n+CEREG: 5,\"00C3\",\"0A1B2C3D\",8\r\n+CGACT: 2,0\r\n+QIURC: \"pdpdeact\",1\r\nOK\r\n", into: &transcript)
        XCTAssertEqual(transcript.responses.map(\.lines), [["+CGACT: 1,1", "+CGACT: 2,0"]])
        XCTAssertEqual(transcript.urcs, [
            .registration(RegistrationInfo(status: .roaming, trackingAreaCode: 0xC3, cellID: 0x0A1B_2C3D, accessTechnology: .catM1)),
            .pdpDeactivated(cid: 1),
        ])
    }

    func testCEREGReadReplyIsResponseWhileCEREGURCStaysURC() throws {
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(.registrationQuery).outputs)
        feed(&session, "+CEREG: 1,\"1A2B\",\"01A2B3C4\",8\r\n+CEREG: 3,,,,0,15\r\n+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",8\r\n+CEREG: 2\r\nOK\r\n", into: &transcript)
        XCTAssertEqual(transcript.responses.first?.lines, ["+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",8"])
        XCTAssertEqual(transcript.urcs, [
            .registration(RegistrationInfo(status: .home, trackingAreaCode: 0x1A2B, cellID: 0x01A2_B3C4, accessTechnology: .catM1)),
            .registration(RegistrationInfo(status: .denied, rejectCause: RejectCause(type: 0, cause: 15))),
            .registration(RegistrationInfo(status: .searching)),
        ])
        let reply = try transcript.responses[0].reply(RegistrationReadReply.self)
        XCTAssertEqual(reply.reporting, .location)
        XCTAssertEqual(reply.info.status, .home)
        // A minimal read reply `+CEREG: 2,1` is also the response, not a URC.
        var second = ATSession()
        var transcript2 = Transcript()
        transcript2.record(second.start(.registrationQuery).outputs)
        feed(&second, "+CEREG: 2,1\r\nOK\r\n", into: &transcript2)
        XCTAssertEqual(transcript2.responses.first?.lines, ["+CEREG: 2,1"])
        XCTAssertEqual(transcript2.urcs, [])
    }

    func testCEREGURCWhileOtherCommandInFlightIsURC() {
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(.operatorQuery).outputs)
        feed(&session, "+CEREG: 2,1\r\n+COPS: 0,0,\"Telekom.de\",8\r\nOK\r\n", into: &transcript)
        // With COPS in flight even the read-shaped line is not claimed; it parses as a URC.
        XCTAssertEqual(transcript.responses.first?.lines, ["+COPS: 0,0,\"Telekom.de\",8"])
        XCTAssertEqual(transcript.urcs.count, 1)
    }

    func testBareTextLinesBelongToTheCommand() throws {
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(.identify).outputs)
        feed(&session, "ATI\r\r\nQuectel\r\nBG95-M3\r\n+QIND: SMS DONE\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n", into: &transcript)
        let identity = try ModuleIdentity(parsing: transcript.responses[0].lines)
        XCTAssertEqual(identity, ModuleIdentity(manufacturer: "Quectel", model: "BG95-M3", revision: "BG95M3LAR02A03"))
        XCTAssertEqual(transcript.urcs, [.indication(.smsDone)])

        transcript.record(session.start(.firmwareRevisionQuery).outputs)
        feed(&session, "BG95M3LAR02A03_01.202.01.202\r\nOK\r\n", into: &transcript)
        XCTAssertEqual(try transcript.responses[1].reply(FirmwareRevision.self).text, "BG95M3LAR02A03_01.202.01.202")
    }

    func testFinalResultsAndCMEMeaning() {
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(.simStatusQuery).outputs)
        feed(&session, "+CME ERROR: 10\r\n", into: &transcript)
        transcript.record(session.start(.attach).outputs)
        feed(&session, "ERROR\r\n", into: &transcript)
        transcript.record(session.start(.signalQualityQuery).outputs)
        feed(&session, "+CMS ERROR: 304\r\n", into: &transcript)
        transcript.record(session.start(.attention).outputs)
        feed(&session, "+CME ERROR: SIM not inserted\r\n", into: &transcript)
        XCTAssertEqual(transcript.responses.map(\.result), [.cme(.simNotInserted), .error, .cms(304), .cme(.text("SIM not inserted"))])
        XCTAssertThrowsError(try transcript.responses[0].checked()) { error in
            XCTAssertEqual(error as? ATError, .cme(.simNotInserted, command: "AT+CPIN?"))
        }
    }

    func testOneCommandInFlightASecondIsRefusedNotQueued() {
        // The session only correlates; queueing is its owner's (ATLinkMachine).
        var session = ATSession()
        var transcript = Transcript()
        let first = session.start(.echoOff)
        let second = session.start(.simStatusQuery)
        transcript.record(first.outputs + second.outputs)
        XCTAssertEqual(transcript.writes.map(\.1), ["ATE0\r"])
        XCTAssertEqual(transcript.responses.map(\.result), [.cancelled])
        XCTAssertEqual(transcript.responses.map(\.id), [second.id])
        let outputs = session.receive(Array("OK\r\n".utf8))
        guard outputs.count == 1, case .response(let response) = outputs[0] else { return XCTFail("\(outputs)") }
        XCTAssertEqual(response.id, first.id, "the refused command never took the answer")
        XCTAssertNil(session.inFlight)
        XCTAssertEqual(session.start(.simStatusQuery).outputs.count, 1, "free again: the next one is written")
    }

    func testTimeoutCompletesOnlyTheCommandInFlightAndStaleTimersAreIgnored() {
        var session = ATSession()
        var transcript = Transcript()
        let first = session.start(.operatorQuery)
        transcript.record(first.outputs)
        XCTAssertEqual(transcript.writes.first?.2, .seconds(180))
        XCTAssertEqual(session.timeoutFired(for: ATCommandID(rawValue: first.id.rawValue + 1)), [])
        transcript.record(session.timeoutFired(for: first.id))
        XCTAssertEqual(transcript.responses.map(\.result), [.timedOut])
        let second = session.start(.attachQuery)
        transcript.record(second.outputs)
        XCTAssertEqual(transcript.writes.map(\.1), ["AT+COPS?\r", "AT+CGATT?\r"])
        XCTAssertEqual(session.timeoutFired(for: first.id), [], "a stale timer changes nothing")
        XCTAssertEqual(session.inFlight?.id, second.id)
    }

    func testStrayFinalResultAndURCsWithNothingInFlight() {
        var session = ATSession()
        let outputs = session.receive(Array("OK\r\nRDY\r\n+CPIN: READY\r\n+QNETDEVSTATUS: 1\r\nhello\r\n".utf8))
        XCTAssertEqual(outputs, [
            .discarded(.strayResult("OK")), .urc(.ready, line: "RDY"), .urc(.sim(.ready), line: "+CPIN: READY"),
            .urc(.netDeviceStatus(NetDeviceStatus(isConnected: true)), line: "+QNETDEVSTATUS: 1"),
            .urc(.unknown("hello"), line: "hello"),
        ])
    }

    func testResetCancelsTheCommandInFlightAndDropsThePartialLine() {
        var session = ATSession()
        let first = session.start(.reboot)
        _ = session.receive(Array("+CFU".utf8))
        let outputs = session.reset()
        XCTAssertEqual(outputs.compactMap { if case .response(let r) = $0 { return r.id } else { return nil } }, [first.id])
        XCTAssertNil(session.inFlight)
        XCTAssertEqual(session.receive(Array("N: 1\r\n".utf8)), [.urc(.unknown("N: 1"), line: "N: 1")])
    }

    func testSetCommandDoesNotSwallowItsURCs() {
        // After AT+CFUN=1 the module sends +CFUN/+CPIN URCs; they must not become response lines.
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(.setFunctionality(.full)).outputs)
        feed(&session, "+CPIN: READY\r\nOK\r\n", into: &transcript)
        XCTAssertEqual(transcript.responses.first?.lines, [])
        XCTAssertEqual(transcript.urcs, [.sim(.ready)])
        // A query claims its own prefix even though it is also a URC prefix.
        transcript.record(session.start(.simStatusQuery).outputs)
        feed(&session, "+CPIN: SIM PIN\r\nOK\r\n", into: &transcript)
        XCTAssertEqual(try transcript.responses[1].reply(SIMState.self), .pinRequired)
    }

    func testPingResultsArriveAsURCsAfterOK() {
        var session = ATSession()
        var transcript = Transcript()
        transcript.record(session.start(try! ATCommand.ping(host: "8.8.8.8")).outputs)
        XCTAssertEqual(transcript.writes.first?.2, .seconds(300))
        feed(&session, "OK\r\n+QPING: 0,\"8.8.8.8\",32,257,255\r\n+QPING: 0,5,5,0,77,257,149\r\n", into: &transcript)
        XCTAssertEqual(transcript.responses.map(\.result), [.ok])
        XCTAssertEqual(transcript.urcs, [
            .ping(.reply(PingReply(host: "8.8.8.8", bytes: 32, milliseconds: 257, ttl: 255))),
            .ping(.summary(PingSummary(sent: 5, received: 5, lost: 0, minimumMilliseconds: 77, maximumMilliseconds: 257, averageMilliseconds: 149))),
        ])
    }

    func testSessionOutputIsIndependentOfChunking() {
        let text = "ATI\r\r\nQuectel\r\n+CEREG: 1,\"1A2B\",\"01A2B3C4\",8\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n+QIURC: \"pdpdeact\",1\r\n"
        let bytes = Array(text.utf8)
        func run(_ chunks: [ArraySlice<UInt8>]) -> [ATSessionOutput] {
            var session = ATSession()
            var outputs = session.start(.identify).outputs
            for chunk in chunks { outputs += session.receive(chunk) }
            return outputs
        }
        let expected = run([bytes[...]])
        XCTAssertEqual(expected.count, 4)
        XCTAssertEqual(run(bytes.indices.map { bytes[$0...$0] }), expected)
        for split in 0...bytes.count {
            XCTAssertEqual(run([bytes[..<split], bytes[split...]]), expected, "split at \(split)")
        }
    }

    func testResponseLineCountIsBounded() {
        var session = ATSession()
        _ = session.start(.identify)
        let flood = String(repeating: "x\r\n", count: ATSession.maxResponseLines + 5)
        let outputs = session.receive(Array(flood.utf8))
        XCTAssertEqual(outputs, Array(repeating: .discarded(.excessResponseLine), count: 5))
        XCTAssertEqual(session.inFlight?.lines.count, ATSession.maxResponseLines)
    }

    func testGarbageBytesMidResponseNeverBecomeResponseLines() throws {
        // The bytes `bg95sim ctl garbage` writes.
        let garbage: [UInt8] = [0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x3f, 0x80, 0x81, 0x0d, 0x0a, 0x7e, 0x00, 0x9f, 0xc3, 0x28, 0x0d, 0x0a]
        var session = ATSession()
        var outputs = session.start(.firmwareRevisionQuery).outputs
        outputs += session.receive(garbage)
        outputs += session.receive(Array("BG95M3LAR02A03_01.202.01.202\r\nOK\r\n".utf8))
        let responses = outputs.compactMap { output -> ATResponse? in
            if case .response(let response) = output { return response } else { return nil }
        }
        XCTAssertEqual(responses.first?.lines, ["BG95M3LAR02A03_01.202.01.202"])
        XCTAssertEqual(try responses.first?.reply(FirmwareRevision.self).text, "BG95M3LAR02A03_01.202.01.202")
        let noise = outputs.filter { if case .urc(.unknown, _) = $0 { return true } else { return false } }
        XCTAssertEqual(noise.count, 2)
    }
}
