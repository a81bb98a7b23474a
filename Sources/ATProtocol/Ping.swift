/// One `+QPING:` URC after `AT+QPING` answered `OK`:
/// - per reply `+QPING: 0,"8.8.8.8",32,257,255` (`<result>,"<IP>",<bytes>,<time ms>,<ttl>`),
/// - summary `+QPING: 0,5,5,0,77,257,149` (`<result>,<sent>,<rcvd>,<lost>,<min>,<max>,<avg>`),
/// - failure `+QPING: 569` (just a non-zero `<result>`, e.g. 569 timeout, 565 DNS failure).
public enum PingEvent: Equatable, Sendable, ATReply {
    case reply(PingReply)
    case summary(PingSummary)
    case failed(code: Int)

    public static var linePrefix: String? { "+QPING" }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+QPING")
        let result = try info.int(0, "result", in: 0...9999)
        switch info.fields.count {
        case 1:
            guard result != 0 else { throw ATParseError(.missingField("IP"), line: line) }
            self = .failed(code: result)
        case 5:
            let host = try info.string(1, "IP")
            guard host.isPrintableASCII(maxLength: 64) else { throw ATParseError(.invalidText(field: "IP"), line: line) }
            guard result == 0 else { throw ATParseError(.unknownValue(field: "result"), line: line) }
            self = .reply(PingReply(
                host: host,
                bytes: try info.int(2, "bytes", in: 0...65535),
                milliseconds: try info.int(3, "time", in: 0...3_600_000),
                ttl: try info.int(4, "ttl", in: 0...255)))
        case 7:
            if case .quoted = info.fields[1] { throw ATParseError(.wrongType(field: "sent"), line: line) }
            guard result == 0 else { throw ATParseError(.unknownValue(field: "result"), line: line) }
            self = .summary(PingSummary(
                sent: try info.int(1, "sent", in: 0...10_000),
                received: try info.int(2, "rcvd", in: 0...10_000),
                lost: try info.int(3, "lost", in: 0...10_000),
                minimumMilliseconds: try info.int(4, "min", in: 0...3_600_000),
                maximumMilliseconds: try info.int(5, "max", in: 0...3_600_000),
                averageMilliseconds: try info.int(6, "avg", in: 0...3_600_000)))
        default:
            if info.fields.count > 7 {
                throw ATParseError(.extraFields(expected: 7, found: info.fields.count), line: line)
            }
            throw ATParseError(.missingField(info.fields.count < 5 ? "ttl" : "avg"), line: line)
        }
    }
}

public struct PingReply: Equatable, Sendable {
    public let host: String
    public let bytes: Int
    public let milliseconds: Int
    public let ttl: Int

    public init(host: String, bytes: Int, milliseconds: Int, ttl: Int) {
        self.host = host
        self.bytes = bytes
        self.milliseconds = milliseconds
        self.ttl = ttl
    }
}

public struct PingSummary: Equatable, Sendable {
    public let sent: Int
    public let received: Int
    public let lost: Int
    public let minimumMilliseconds: Int
    public let maximumMilliseconds: Int
    public let averageMilliseconds: Int

    public init(sent: Int, received: Int, lost: Int, minimumMilliseconds: Int, maximumMilliseconds: Int, averageMilliseconds: Int) {
        self.sent = sent
        self.received = received
        self.lost = lost
        self.minimumMilliseconds = minimumMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
        self.averageMilliseconds = averageMilliseconds
    }
}
