/// Why the daemon could not carry out an action.
public enum DaemonError: Error, Equatable, CustomStringConvertible {
    case netlink(String)
    case dns(String)
    case system(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .netlink(let why): return "netlink: \(why)"
        case .dns(let why): return "DNS: \(why)"
        case .system(let why): return why
        case .configuration(let why): return why
        }
    }
}
