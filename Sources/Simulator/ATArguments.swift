/// One parsed AT command line as the module sees it (bg95-reference.md, "AT port").
struct ATCommandLine {
    enum Form: Equatable {
        /// `AT+X`
        case execute
        /// `AT+X?`
        case read
        /// `AT+X=?`
        case test
        /// `AT+X=<args>`
        case set([ATArgument])
    }

    /// Upper-cased command name including its `+`, e.g. `+CGDCONT`.
    let name: String
    let form: Form

    /// Parses the part after `AT` of an extended command; nil when malformed (unterminated
    /// quote, control bytes inside a string), which the module answers with ERROR.
    init?(extended body: Substring) {
        var nameEnd = body.startIndex
        while nameEnd < body.endIndex, body[nameEnd] != "=", body[nameEnd] != "?" { nameEnd = body.index(after: nameEnd) }
        name = body[body.startIndex..<nameEnd].uppercased()
        guard name.count >= 2 else { return nil }
        let rest = body[nameEnd...]
        if rest.isEmpty {
            form = .execute
        } else if rest == "?" {
            form = .read
        } else if rest == "=?" {
            form = .test
        } else if rest.hasPrefix("=") {
            guard let args = ATArgument.split(rest.dropFirst()) else { return nil }
            form = .set(args)
        } else {
            return nil
        }
    }
}

/// One comma-separated argument: a quoted string, a bare token, or empty.
enum ATArgument: Equatable {
    case quoted(String)
    case bare(String)

    /// The text, without quotes.
    var text: String {
        switch self {
        case .quoted(let s), .bare(let s): return s
        }
    }

    var int: Int? {
        guard case .bare(let s) = self else { return nil }
        return Int(s)
    }

    /// Splits `text` at commas outside quotes. nil on an unterminated quote or a control byte
    /// inside a quoted string (the module would never accept those).
    static func split(_ text: Substring) -> [ATArgument]? {
        var result: [ATArgument] = []
        var current = ""
        var inQuotes = false
        var wasQuoted = false
        for ch in text {
            if inQuotes {
                if ch == "\"" { inQuotes = false; continue }
                if ch.asciiValue.map({ $0 < 0x20 }) ?? false { return nil }
                current.append(ch)
            } else if ch == "\"" {
                guard current.trimmingSpaces.isEmpty, !wasQuoted else { return nil }
                current = ""
                inQuotes = true
                wasQuoted = true
            } else if ch == "," {
                result.append(wasQuoted ? .quoted(current) : .bare(current.trimmingSpaces))
                current = ""
                wasQuoted = false
            } else if wasQuoted {
                // Only spaces may follow a closing quote before the comma.
                if ch != " " { return nil }
            } else {
                current.append(ch)
            }
        }
        guard !inQuotes else { return nil }
        result.append(wasQuoted ? .quoted(current) : .bare(current.trimmingSpaces))
        return result
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
