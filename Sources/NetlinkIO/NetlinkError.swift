import BG95System

/// A failed rtnetlink exchange: what was asked and why it failed.
///
/// `request` names the request in words ("add route default via 192.168.225.1 dev #3 table
/// 1095 metric 0"), so a log line or status field says exactly which kernel object failed.
public enum NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kernel answered the request with a negative errno (NLMSG_ERROR).
    case kernel(errno: Int32, request: String)
    /// A socket call failed (open, bind, send, recv).
    case system(SystemError)
    /// No answer within the socket's receive timeout.
    case timeout(request: String)
    /// The dumped table changed while it was dumped (NLM_F_DUMP_INTR); repeat the dump.
    case dumpInterrupted(request: String)
    /// A reply that cannot be parsed (truncated header, wrong attribute size).
    case malformedReply(request: String, reason: String)
    /// No interface with this name in the socket's network namespace.
    case noSuchInterface(String)
    /// The request could not be built (too long a name, value out of range).
    case invalidRequest(String)

    /// The errno behind the failure, when there is one.
    public var errno: Int32? {
        switch self {
        case .kernel(let code, _): return code
        case .system(let error): return error.code
        case .timeout, .dumpInterrupted, .malformedReply, .noSuchInterface, .invalidRequest: return nil
        }
    }

    public var description: String {
        switch self {
        case .kernel(let code, let request):
            return "\(request): kernel refused: \(SystemError(code: code, call: "rtnetlink").description)"
        case .system(let error): return error.description
        case .timeout(let request): return "\(request): no answer from the kernel"
        case .dumpInterrupted(let request): return "\(request): interrupted by concurrent changes"
        case .malformedReply(let request, let reason): return "\(request): malformed reply: \(reason)"
        case .noSuchInterface(let name): return "no interface named \(name)"
        case .invalidRequest(let reason): return "invalid netlink request: \(reason)"
        }
    }
}
