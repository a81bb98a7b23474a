import ATProtocol
import BG95Control
import Foundation
import XCTest

final class ControlRequestTests: XCTestCase {
    private func parse(_ text: String) throws -> ControlRequest {
        try ControlRequest(parsing: Array(text.utf8))
    }

    private func failure(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ControlRequest.ParseError? {
        do {
            let request = try ControlRequest(parsing: Array(text.utf8))
            XCTFail("accepted \(text) as \(request)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testParsesEveryCommand() throws {
        XCTAssertEqual(try parse(#"{"v":1,"id":1,"cmd":"status"}"#), ControlRequest(id: 1, command: .status))
        XCTAssertEqual(try parse(#"{"v":1,"id":2,"cmd":"up"}"#), ControlRequest(id: 2, command: .up(follow: false)))
        XCTAssertEqual(try parse(#"{"v":1,"id":3,"cmd":"down","follow":true}"#), ControlRequest(id: 3, command: .down(follow: true)))
        XCTAssertEqual(try parse(#"{"v":1,"id":4,"cmd":"at","command":"AT+QCSQ","timeout":30}"#), ControlRequest(id: 4, command: .at(command: "AT+QCSQ", timeout: 30)))
        XCTAssertEqual(try parse(#"{"v":1,"id":5,"cmd":"watch"}"#), ControlRequest(id: 5, command: .watch(urcs: true)))
        XCTAssertEqual(try parse(#"{"v":1,"id":6,"cmd":"watch","urcs":false}"#), ControlRequest(id: 6, command: .watch(urcs: false)))
        XCTAssertEqual(try parse(#"{"v":1,"id":7,"cmd":"reset"}"#), ControlRequest(id: 7, command: .reset))
        XCTAssertEqual(try parse(#" {"cmd":"reset", "id":9007199254740992, "v":1} "#), ControlRequest(id: 1 << 53, command: .reset))
        // null counts as absent for optional fields.
        XCTAssertEqual(try parse(#"{"v":1,"id":8,"cmd":"up","follow":null}"#), ControlRequest(id: 8, command: .up(follow: false)))
    }

    func testEncodeParseRoundTrip() throws {
        let commands: [ControlRequest.Command] = [
            .status, .up(follow: true), .down(follow: false), .at(command: "AT+QPING=1,\"198.51.100.7\"", timeout: nil),
            .at(command: "ATI", timeout: 300), .watch(urcs: false), .reset,
        ]
        for (index, command) in commands.enumerated() {
            let request = ControlRequest(id: index, command: command)
            XCTAssertEqual(try ControlRequest(parsing: request.encoded()), request)
        }
    }

    func testRefusesMalformedRequestsWithReasons() {
        let cases: [(String, ControlFailure.Code, String, Int?)] = [
            ("not json", .invalidRequest, "not valid JSON", nil),
            (#"{"v":1,"id":1,"cmd":"status""#, .invalidRequest, "not valid JSON", nil),
            // Our parser (JSONParser) says what was wrong and where (docs/control-api.md, "Limits").
            (#"{"v":1,"id":1,"id":2,"cmd":"status"}"#, .invalidRequest, "request is not valid JSON: duplicate key \"id\" at byte 14", nil),
            (String(repeating: "[", count: 17) + String(repeating: "]", count: 17), .invalidRequest, "nesting deeper than 16 levels at byte 16", nil),
            ("{\"v\":1,\"id\":1,\"cmd\":\"\\ud800\"}", .invalidRequest, "lone UTF-16 surrogate", nil),
            ("[1,2]", .invalidRequest, "must be a JSON object, got an array", nil),
            (#""status""#, .invalidRequest, "got a string", nil),
            (#"{"v":1,"cmd":"status"}"#, .invalidRequest, "missing field \"id\"", nil),
            (#"{"v":1,"id":"7","cmd":"status"}"#, .invalidRequest, "\"id\" must be an integer, got a string", nil),
            (#"{"v":1,"id":1.5,"cmd":"status"}"#, .invalidRequest, "\"id\" must be an integer", nil),
            (#"{"v":1,"id":-1,"cmd":"status"}"#, .invalidRequest, "\"id\" must be within", nil),
            (#"{"id":3,"cmd":"status"}"#, .invalidRequest, "missing field \"v\"", 3),
            (#"{"v":2,"id":3,"cmd":"status"}"#, .unsupportedVersion, "version 2", 3),
            (#"{"v":1,"id":3}"#, .invalidRequest, "missing field \"cmd\"", 3),
            (#"{"v":1,"id":3,"cmd":42}"#, .invalidRequest, "\"cmd\" must be a string, got a number", 3),
            (#"{"v":1,"id":3,"cmd":"reboot"}"#, .unknownCommand, "unknown command \"reboot\"", 3),
            // Issue 11: the daemon's doctor (a report from cached state) is retired; say where it went.
            (#"{"v":1,"id":3,"cmd":"doctor"}"#, .unknownCommand, "no longer a daemon command: run `bg95ctl doctor`", 3),
            (#"{"v":1,"id":3,"cmd":"status","verbose":true}"#, .invalidRequest, "takes no field \"verbose\"", 3),
            (#"{"v":1,"id":3,"cmd":"up","follow":"yes"}"#, .invalidRequest, "\"follow\" must be a boolean, got a string", 3),
            (#"{"v":1,"id":3,"cmd":"at"}"#, .invalidRequest, "missing field \"command\"", 3),
            (#"{"v":1,"id":3,"cmd":"at","command":"AT+CPIN=\"1234\"\r\nAT+CFUN=0"}"#, .invalidArgument, "byte 0xd", 3),
            (#"{"v":1,"id":3,"cmd":"at","command":"+CFUN=0"}"#, .invalidArgument, "must start with \"AT\"", 3),
            (#"{"v":1,"id":3,"cmd":"at","command":""}"#, .invalidArgument, "is empty", 3),
            (#"{"v":1,"id":3,"cmd":"at","command":"AT\u001a"}"#, .invalidArgument, "byte 0x1a", 3),
            (#"{"v":1,"id":3,"cmd":"at","command":"ATI","timeout":0}"#, .invalidRequest, "\"timeout\" must be within 1...300", 3),
            (#"{"v":1,"id":3,"cmd":"at","command":"ATI","timeout":1e300}"#, .invalidRequest, "\"timeout\" must be an integer", 3),
        ]
        for (text, code, fragment, id) in cases {
            guard let error = failure(text) else { continue }
            XCTAssertEqual(error.failure.code, code, text)
            XCTAssertTrue(error.failure.message.contains(fragment), "\(text): \(error.failure.message) lacks \(fragment)")
            XCTAssertEqual(error.id, id, text)
        }
    }

    func testUnknownCommandIsEchoedPrintably() {
        let error = failure(#"{"v":1,"id":3,"cmd":"x\u0007y"}"#)
        XCTAssertEqual(error?.failure.message.hasPrefix(#"unknown command "x\x7y""#), true, error?.failure.message ?? "")
    }

    func testATPassthroughValidation() {
        XCTAssertNil(ATPassthrough.validate("AT"))
        XCTAssertNil(ATPassthrough.validate("at+qcsq"))
        XCTAssertNil(ATPassthrough.validate("AT+QICSGP=1,1,\"apn\",\"\",\"\",0"))
        XCTAssertNotNil(ATPassthrough.validate("A"))
        XCTAssertNotNil(ATPassthrough.validate("AT\n"))
        XCTAssertNotNil(ATPassthrough.validate("ATÄ"))
        XCTAssertNotNil(ATPassthrough.validate("AT" + String(repeating: "X", count: ATPassthrough.maxLength)))
    }

    func testResponsesAndEventsRoundTrip() throws {
        var snapshot = StatusSnapshot(state: "online")
        snapshot.module = .init(model: "BG95-M3", firmware: "BG95M3LAR02A03_01.202.01.202", imei: "866123456789012", iccidMasked: StatusSnapshot.maskICCID("89490200001234567890"))
        snapshot.signal = .init(rsrp: -95, rsrq: -10.5, sinr: .nan)
        snapshot.counters = .init(recoveries: ["renew-dhcp": 2], rxBytes: 1234, txBytes: 99)
        let messages: [ControlMessage] = [
            .response(ControlResponse(id: 1, command: .status, outcome: .success(.status(snapshot)))),
            .response(ControlResponse(id: 2, command: .up, outcome: .success(.accepted(state: "registering")))),
            .response(ControlResponse(id: 3, command: .at, outcome: .success(.at(ATPassthroughResult(command: "AT+QCSQ", lines: ["+QCSQ: \"eMTC\",-65,-95,120,-10"], final: "OK"))))),
            .response(ControlResponse(id: nil, command: nil, outcome: .failure(ControlFailure(.requestTooLarge, "too long")))),
            .event(.state(state: "online", previous: "verifying", reason: "probe ok")),
            .event(.urc(line: "+CEREG: 5")),
            .event(.error(message: "SIM PIN rejected", fatal: true)),
        ]
        for message in messages {
            let line = message.encoded()
            XCTAssertFalse(line.contains(UInt8(ascii: "\n")), "a message must be a single line")
            let decoded = try ControlMessage(parsing: line)
            if case .response(let response) = decoded, case .success(.status(let status)) = response.outcome {
                // NaN never equals itself; compare the rest.
                XCTAssertTrue(status.signal?.sinr?.isNaN == true)
                XCTAssertEqual(status.module, snapshot.module)
                XCTAssertEqual(status.counters, snapshot.counters)
            } else {
                XCTAssertEqual(decoded, message)
            }
        }
    }

    func testWireFormatIsStable() {
        let line = String(decoding: ControlMessage.response(ControlResponse(id: 7, command: .down, outcome: .failure(ControlFailure(.permissionDenied, "no")))).encoded(), as: UTF8.self)
        XCTAssertEqual(line, #"{"cmd":"down","error":{"code":"permission-denied","message":"no"},"id":7,"ok":false,"v":1}"#)
        let event = String(decoding: ControlMessage.event(.state(state: "dhcp", previous: "link-up", reason: nil)).encoded(), as: UTF8.self)
        XCTAssertEqual(event, #"{"event":"state","previous":"link-up","state":"dhcp","v":1}"#)
        XCTAssertEqual(String(decoding: ControlRequest(id: 1, command: .status).encoded(), as: UTF8.self), #"{"cmd":"status","id":1,"v":1}"#)
    }

    func testMaskICCID() {
        XCTAssertEqual(StatusSnapshot.maskICCID("89490200001234567890"), "894902**********7890")
        XCTAssertEqual(StatusSnapshot.maskICCID("12345"), "*2345")
        XCTAssertEqual(StatusSnapshot.maskICCID(""), "")
    }
}

/// The control socket's decoder and the daemon's `ATCommand.raw` use one length limit with the
/// same words, so a command the decoder accepts is never refused later for its length.
final class ATPassthroughLengthTests: XCTestCase {
    func testDecoderAndDaemonAgreeOnTheLengthLimit() throws {
        XCTAssertEqual(ATPassthrough.maxLength, ATCommand.rawMaxLength)
        // One valid extended command, exactly at the limit and one byte over it.
        func command(length: Int) -> String {
            let prefix = "AT+QPING=1,\""
            return prefix + String(repeating: "a", count: length - prefix.count - 1) + "\""
        }
        func request(_ command: String) -> [UInt8] {
            let escaped = command.replacingOccurrences(of: "\"", with: "\\\"")
            return Array(#"{"v":1,"id":1,"cmd":"at","command":"\#(escaped)"}"#.utf8)
        }
        let longest = command(length: ATPassthrough.maxLength)
        XCTAssertNil(ATPassthrough.validate(longest))
        XCTAssertEqual(try ATCommand.raw(longest).text, longest)
        let decoded = try ControlRequest(parsing: request(longest))
        XCTAssertEqual(decoded.command, .at(command: longest, timeout: nil))

        for length in [ATPassthrough.maxLength + 1, 300, 512] {
            let tooLong = command(length: length)
            let expected = "longer than \(ATCommand.rawMaxLength) bytes"
            XCTAssertThrowsError(try ControlRequest(parsing: request(tooLong))) { error in
                guard let error = error as? ControlRequest.ParseError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.failure.code, .invalidArgument)
                XCTAssertEqual(error.failure.message, "command: \(expected)", "the decoder names the field")
            }
            XCTAssertThrowsError(try ATCommand.raw(tooLong)) { error in
                XCTAssertEqual("\(error)", "rawCommand: \(expected)")
            }
        }
    }
}
