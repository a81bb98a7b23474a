/// The grammar `ATCommand.raw` accepts: exactly one V.250 command after the `AT` prefix.
///
/// V.250 lets a command line carry several commands: basic commands follow each other without
/// a separator (`ATE0Q0`, `ATI+CGDCONT=...`), extended ones are chained with `;`. An operator's
/// passthrough must never carry a second command, so instead of looking for dangerous
/// characters the whole line is parsed, and anything left after one command is refused.
///
///     line      = ("AT" / "at") [command]            ; mixed case "At"/"aT" is not a prefix
///     command   = basic / ampersand / sregister / extended
///     basic     = letter [digits]                     ; ATI, ATE0, ATZ, ATQ0, ATV1, ATH
///                                                     ; not A, D, O (answer, dial, online:
///                                                     ; they switch the port to data mode)
///     ampersand = "&" letter [digits]                 ; AT&F, AT&W, AT&D2
///     sregister = "S" digits ("?" / "=" digits)       ; ATS0?, ATS7=60
///     extended  = ("+" / "$") name [suffix]           ; AT+CGDCONT=..., AT$QCSIMSLOT?
///     name      = letter *15(letter / digit / "!" / "%" / "-" / "." / "/" / ":" / "_")
///     suffix    = "?" / "=?" / "=" arguments
///     arguments = argument *("," argument)
///     argument  = "" / number / string
///     number    = 1*hexdigit / "0x" 1*hexdigit        ; 1, 020301, 0x80084, F (Quectel masks)
///     string    = DQUOTE *(printable except DQUOTE and "\") DQUOTE
///
/// Letters outside strings are case-insensitive (V.250 §5.1). Spaces, which V.250 would
/// ignore, are refused outside strings: they let `ATE0 Q0` hide a second command. `%`
/// commands (vendor-specific on other modules) are not accepted; the BG95 has none.
struct ATCommandGrammar {
    /// The one command a line carries.
    enum Command: Equatable {
        /// `AT` alone.
        case attention
        /// A basic command, upper-cased without its number: `E`, `&F`, `S7`.
        case basic(String)
        /// An extended command, upper-cased with its sigil: `+CGDCONT`, `$QCSIMSLOT`.
        case extended(String, Form)
    }

    /// How an extended command is used (V.250 §5.4.2).
    enum Form: Equatable {
        /// `AT+CGSN`
        case action
        /// `AT+CFUN?`
        case read
        /// `AT+CFUN=?`
        case test
        /// `AT+CFUN=1`
        case set
    }

    let command: Command

    /// Parses `bytes`, which must already be printable ASCII without `\` and with balanced
    /// quotes (`ATCommand.raw` checks that first, with its own reasons).
    init(parsing bytes: [UInt8]) throws(ATCommandError) {
        var cursor = Cursor(bytes: bytes)
        guard bytes.count >= 2,
              (bytes[0] == UInt8(ascii: "A") && bytes[1] == UInt8(ascii: "T"))
                || (bytes[0] == UInt8(ascii: "a") && bytes[1] == UInt8(ascii: "t"))
        else { throw ATCommandError(field: .rawCommand, reason: .notAnATCommand) }
        cursor.position = 2
        guard let first = cursor.peek else {
            command = .attention
            return
        }
        switch first {
        case UInt8(ascii: "+"), UInt8(ascii: "$"):
            command = try Self.extended(&cursor)
        case UInt8(ascii: "&"):
            cursor.position += 1
            guard let letter = cursor.peek, letter.isLetter else {
                throw cursor.error(expected: "a letter after \"&\"")
            }
            cursor.position += 1
            cursor.skipDigits()
            command = .basic("&" + String(UnicodeScalar(letter.uppercased)))
        case let letter where letter.isLetter:
            cursor.position += 1
            switch letter.uppercased {
            case UInt8(ascii: "S"):
                let start = cursor.position
                cursor.skipDigits()
                guard cursor.position > start else { throw cursor.error(expected: "a register number after \"S\"") }
                let register = String(decoding: bytes[start..<cursor.position], as: UTF8.self)
                if cursor.take(UInt8(ascii: "?")) {
                } else if cursor.take(UInt8(ascii: "=")) {
                    let valueStart = cursor.position
                    cursor.skipDigits()
                    guard cursor.position > valueStart else { throw cursor.error(expected: "a decimal value") }
                } else {
                    throw cursor.error(expected: "\"?\" or \"=\" after an S-register")
                }
                command = .basic("S" + register)
            case UInt8(ascii: "A"), UInt8(ascii: "D"), UInt8(ascii: "O"):
                throw ATCommandError(field: .rawCommand, reason: .dataModeCommand)
            default:
                cursor.skipDigits()
                command = .basic(String(UnicodeScalar(letter.uppercased)))
            }
        case UInt8(ascii: ";"):
            throw ATCommandError(field: .rawCommand, reason: .chained(offset: cursor.position))
        default:
            throw cursor.error(expected: "a command after \"AT\"")
        }
        try cursor.expectEnd()
    }

    private static func extended(_ cursor: inout Cursor) throws(ATCommandError) -> Command {
        let sigil = cursor.bytes[cursor.position]
        cursor.position += 1
        guard let first = cursor.peek, first.isLetter else {
            throw cursor.error(expected: "a letter starting the command name")
        }
        var name = [sigil]
        while let byte = cursor.peek, byte.isLetter || byte.isDigit || Self.nameSymbols.contains(byte) {
            name.append(byte.uppercased)
            cursor.position += 1
            guard name.count <= 17 else { throw cursor.error(expected: "a name of at most 16 characters") }
        }
        let text = String(decoding: name, as: UTF8.self)
        if cursor.take(UInt8(ascii: "?")) { return .extended(text, .read) }
        guard cursor.take(UInt8(ascii: "=")) else { return .extended(text, .action) }
        if cursor.take(UInt8(ascii: "?")) { return .extended(text, .test) }
        repeat {
            try cursor.skipArgument()
        } while cursor.take(UInt8(ascii: ","))
        return .extended(text, .set)
    }

    /// `!%-./:_`: the non-alphanumeric characters V.250 §5.4.1 allows in a name.
    private static let nameSymbols: Set<UInt8> = Set("!%-./:_".utf8)

    private struct Cursor {
        let bytes: [UInt8]
        var position = 0

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        mutating func skipDigits() {
            while let byte = peek, byte.isDigit { position += 1 }
        }

        /// One argument: empty, a number or a quoted string.
        mutating func skipArgument() throws(ATCommandError) {
            guard let byte = peek, byte != UInt8(ascii: ",") else { return }
            if byte == UInt8(ascii: "\"") {
                position += 1
                while let inside = peek, inside != UInt8(ascii: "\"") { position += 1 }
                guard take(UInt8(ascii: "\"")) else { throw ATCommandError(field: .rawCommand, reason: .containsQuote) }
                return
            }
            if byte == UInt8(ascii: "0"), position + 1 < bytes.count, bytes[position + 1] | 0x20 == UInt8(ascii: "x") {
                position += 2
            }
            let digitsStart = position
            while let next = peek, next.isHexDigit { position += 1 }
            guard position > digitsStart else { throw error(expected: "a number, a quoted string or \",\"") }
        }

        /// Refuses whatever follows the one command, naming what it looks like.
        func expectEnd() throws(ATCommandError) {
            guard let byte = peek else { return }
            if byte == UInt8(ascii: ";") {
                throw ATCommandError(field: .rawCommand, reason: .chained(offset: position))
            }
            if byte == UInt8(ascii: " ") {
                throw error(expected: "the end of the command (spaces outside quoted strings are refused)")
            }
            if byte.isLetter || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "&") {
                throw ATCommandError(field: .rawCommand, reason: .secondCommand(offset: position))
            }
            throw error(expected: "the end of the command")
        }

        func error(expected: String) -> ATCommandError {
            ATCommandError(field: .rawCommand, reason: .syntax(offset: position, expected: expected))
        }
    }
}

extension UInt8 {
    fileprivate var isLetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || ((self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "f"))
    }
    fileprivate var uppercased: UInt8 { isLetter ? self & ~0x20 : self }
}
