// Short, log-friendly descriptions of URCs (no type names, no nested reflection).

extension URC: CustomStringConvertible {
    public var description: String {
        switch self {
        case .ready: return "RDY"
        case .appReady: return "APP RDY"
        case .poweredDown: return "POWERED DOWN"
        case .functionality(let level): return "+CFUN: \(level.rawValue)"
        case .sim(let state): return "+CPIN: \(state.rawValue)"
        case .usim(let value): return "+QUSIM: \(value)"
        case .indication(let indication):
            switch indication {
            case .smsDone: return "+QIND: SMS DONE"
            case .phonebookDone: return "+QIND: PB DONE"
            case .other(let text): return "+QIND: \(text)"
            }
        case .registration(let info): return "+CEREG: \(info)"
        case .packetDomain(let event): return "+CGEV: \(event)"
        case .pdpDeactivated(let cid): return "+QIURC: \"pdpdeact\",\(cid)"
        case .netDeviceStatus(let status): return "+QNETDEVSTATUS: \(status.isConnected ? 1 : 0)"
        case .ping(let event): return "+QPING: \(event)"
        case .gnss: return "+QGPSURC"
        case .malformed(let error): return "malformed URC: \(error)"
        case .unknown(let line): return "unknown: \(line)"
        }
    }
}

extension RegistrationInfo: CustomStringConvertible {
    public var description: String {
        var parts = [status.description]
        if let trackingAreaCode { parts.append("tac \(String(trackingAreaCode, radix: 16, uppercase: true))") }
        if let cellID { parts.append("ci \(String(cellID, radix: 16, uppercase: true))") }
        if let accessTechnology { parts.append(accessTechnology.description) }
        if let rejectCause { parts.append("rejected: \(rejectCause)") }
        return parts.joined(separator: ", ")
    }
}

extension PacketDomainEvent: CustomStringConvertible {
    public var description: String {
        func cidText(_ cid: Int?) -> String { cid.map { " \($0)" } ?? "" }
        switch self {
        case .networkDeactivated(let cid): return "NW DEACT" + cidText(cid)
        case .moduleDeactivated(let cid): return "ME DEACT" + cidText(cid)
        case .networkDetach: return "NW DETACH"
        case .moduleDetach: return "ME DETACH"
        case .activated(let cid): return "PDN ACT" + cidText(cid)
        case .other(let text): return text
        }
    }
}

extension PingEvent: CustomStringConvertible {
    public var description: String {
        switch self {
        case .reply(let reply): return "reply from \(reply.host) in \(reply.milliseconds) ms, ttl \(reply.ttl)"
        case .summary(let s):
            return "\(s.sent) sent, \(s.received) received, \(s.lost) lost, min/avg/max \(s.minimumMilliseconds)/\(s.averageMilliseconds)/\(s.maximumMilliseconds) ms"
        case .failed(let code): return "failed (\(code))"
        }
    }
}
