import XCTest
@testable import ATProtocol

/// `ATCommand.raw` accepts exactly one command: every way V.250 lets a line carry a second
/// command is refused with the field named and the offset where the second command starts.
final class ATCommandGrammarTests: XCTestCase {
    func testConcatenationFormsAreRefused() {
        let cases: [(String, ATCommandError.Reason)] = [
            // The reported hole: a basic command followed by an extended one, no separator.
            ("ATI+CGDCONT=2,\"IP\",\"smuggled\"", .secondCommand(offset: 3)),
            // Two basic commands.
            ("ATE0Q0", .secondCommand(offset: 4)),
            ("ATE0V1", .secondCommand(offset: 4)),
            ("ATIZ", .secondCommand(offset: 3)),
            ("AT&FE0", .secondCommand(offset: 4)),
            ("ATS0=1E0", .secondCommand(offset: 6)),
            ("ATS7?I", .secondCommand(offset: 5)),
            // An extended command followed by a basic one (V.250 needs `;`, lenient firmware not).
            ("AT+CFUN?E0", .secondCommand(offset: 8)),
            ("AT+CFUN=1ATI", .secondCommand(offset: 10)),
            ("AT+CFUN=1,1Z", .secondCommand(offset: 11)),
            ("AT+CGSN&F", .secondCommand(offset: 7)),
            ("AT+CGSN+CFUN=0", .secondCommand(offset: 7)),
            ("AT+CGSN$QCX", .secondCommand(offset: 7)),
            // `;` chains.
            ("AT+CFUN=0;+CFUN=1", .chained(offset: 9)),
            ("AT+A;+B", .chained(offset: 4)),
            ("ATE0;+CGDCONT=1", .chained(offset: 4)),
            ("AT;", .chained(offset: 2)),
            ("AT+CGDCONT?;", .chained(offset: 11)),
            // Trailing junk after a quoted argument, including an embedded AT.
            ("AT+CGDCONT=1,\"IP\",\"x\"AT+CFUN=0", .secondCommand(offset: 21)),
            ("AT+CGDCONT=1,\"IP\",\"x\"+CFUN=0", .secondCommand(offset: 21)),
            ("AT+CGDCONT=1,\"IP\",\"x\"\"y\"", .syntax(offset: 21, expected: "the end of the command")),
            ("AT+QPING=1,\"host\"=?", .syntax(offset: 17, expected: "the end of the command")),
            ("ATIAT+CFUN=0", .secondCommand(offset: 3)),
            // Spaces, which V.250 ignores, would hide a second command.
            ("ATE0 Q0", .syntax(offset: 4, expected: "the end of the command (spaces outside quoted strings are refused)")),
            ("AT +CFUN=0", .syntax(offset: 2, expected: "a command after \"AT\"")),
            // Lower-case is fine, mixed-case prefixes are not V.250 prefixes.
            ("ate0q0", .secondCommand(offset: 4)),
            ("at+cgsn;+cfun=0", .chained(offset: 7)),
            ("At+CGSN", .notAnATCommand),
            ("aT+CGSN", .notAnATCommand),
            ("A/", .notAnATCommand),
            // Commands that switch the port to data mode.
            ("ATD*99#", .dataModeCommand),
            ("ATDT123;", .dataModeCommand),
            ("ATA", .dataModeCommand),
            ("ATO", .dataModeCommand),
            // Malformed single commands.
            ("AT+", .syntax(offset: 3, expected: "a letter starting the command name")),
            ("AT+1", .syntax(offset: 3, expected: "a letter starting the command name")),
            ("AT&", .syntax(offset: 3, expected: "a letter after \"&\"")),
            ("ATS", .syntax(offset: 3, expected: "a register number after \"S\"")),
            ("ATS0", .syntax(offset: 4, expected: "\"?\" or \"=\" after an S-register")),
            ("AT%CFUN", .syntax(offset: 2, expected: "a command after \"AT\"")),
            ("AT+CFUN=0x", .syntax(offset: 10, expected: "a number, a quoted string or \",\"")),
            ("AT+CFUN=-1", .syntax(offset: 8, expected: "a number, a quoted string or \",\"")),
            ("AT+COPS=1,0,internet", .syntax(offset: 12, expected: "a number, a quoted string or \",\"")),
            ("AT+" + String(repeating: "A", count: 17), .syntax(offset: 20, expected: "a name of at most 16 characters")),
        ]
        for (value, reason) in cases {
            do {
                let command = try ATCommand.raw(value)
                XCTFail("accepted \(value.debugDescription) as \(command.text.debugDescription)")
            } catch {
                XCTAssertEqual(error, ATCommandError(field: .rawCommand, reason: reason), value.debugDescription)
                XCTAssertTrue(error.description.hasPrefix("rawCommand: "), error.description)
            }
        }
    }

    func testTheReportedSmuggleNamesTheFieldAndTheOffset() {
        XCTAssertThrowsError(try ATCommand.raw("ATI+CGDCONT=2,\"IP\",\"smuggled\"")) { error in
            XCTAssertEqual(
                "\(error)",
                "rawCommand: a second command starts at byte 3; send exactly one command per line")
        }
    }

    func testSingleCommandsAreAccepted() throws {
        let accepted = [
            "AT", "at", "ATI", "ATI0", "ATE0", "ate1", "ATZ", "ATQ0", "ATV1", "ATH", "AT&F", "AT&F0", "AT&W", "AT&D2",
            "ATS0?", "ATS7=60", "AT+CGSN", "AT+CFUN?", "AT+CFUN=?", "AT+CFUN=1,1", "at+cops?",
            "AT+CGDCONT=1,\"IP\",\"internet\"", "AT+CGDCONT=2,\"IP\",\"a;b+CFUN=0\"", "AT+QICSGP=1,1,\"apn\",\"\",\"\",0",
            "AT+QCFG=\"band\",0xf,0x80084,0x80084,1", "AT+QCFG=\"band\",F,80084,80084,1", "AT+QCFG=\"nwscanseq\",020301,1",
            "AT+COPS=,,\"x\"", "AT+CGDCONT=", "AT+QPING=1,\"198.51.100.7\",4,2", "AT$QCSIMSLOT?", "AT+QCFGEXT=\"usbnet\"",
            "AT+CMD.X/Y:Z_1!%-", "AT+" + String(repeating: "A", count: 16),
        ]
        for text in accepted {
            XCTAssertEqual(try ATCommand.raw(text).text, text)
        }
    }

    func testResponseMatchFollowsTheParsedForm() throws {
        XCTAssertEqual(try ATCommand.raw("AT+CGSN").responsePrefix, "+CGSN")
        XCTAssertEqual(try ATCommand.raw("at+cgdcont?").responsePrefix, "+CGDCONT")
        XCTAssertEqual(try ATCommand.raw("AT+QCFG=?").responsePrefix, "+QCFG")
        XCTAssertNil(try ATCommand.raw("AT+QCFG=\"band\"").responsePrefix)
        XCTAssertNil(try ATCommand.raw("AT+QPING?").responsePrefix)
        XCTAssertNil(try ATCommand.raw("ATI").responsePrefix)
        XCTAssertNil(try ATCommand.raw("AT").responsePrefix)
        XCTAssertEqual(try ATCommand.raw("at+cereg?").responsePrefix, "+CEREG")
        XCTAssertTrue(try ATCommand.raw("at+cereg?").claims("+CEREG: 2,1"))
    }

    /// Whatever the bytes, an accepted raw line holds one command: no `;` outside quotes and no
    /// `AT`/`+`/`&` starting a second command after the first one's end.
    func testRandomLinesNeverCarryTwoCommands() {
        var random = SplitMix64(seed: 0x12_0012)
        let alphabet = Array("ATEIQ0019+&$S=?,;\"x \u{7}".utf8)
        var acceptedCount = 0
        for _ in 0..<50_000 {
            let length = Int(random.next() % 10)
            let tail = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let text = String(decoding: Array("AT".utf8) + tail, as: UTF8.self)
            guard let command = try? ATCommand.raw(text) else { continue }
            acceptedCount += 1
            var inQuote = false
            var sigils = 0
            var basicLetters = 0
            for byte in command.text.utf8.dropFirst(2) {
                if byte == UInt8(ascii: "\"") { inQuote.toggle(); continue }
                if inQuote { continue }
                XCTAssertNotEqual(byte, UInt8(ascii: ";"), text)
                XCTAssertNotEqual(byte, UInt8(ascii: " "), text)
                if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "&") { sigils += 1 }
                if sigils == 0, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { basicLetters += 1 }
            }
            XCTAssertLessThanOrEqual(sigils, 1, text)
            XCTAssertTrue(sigils == 0 ? basicLetters <= 1 : basicLetters == 0, text)
        }
        XCTAssertGreaterThan(acceptedCount, 100)
    }
}
