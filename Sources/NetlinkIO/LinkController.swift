#if canImport(Glibc)
import Glibc
#endif
import CMnl
import Netconfig

/// Link-level requests over a `NetlinkSocket`: look interfaces up, set them up/down, set the MTU.
///
/// Interface names are resolved through netlink (not `if_nametoindex`), so everything happens
/// in the socket's namespace even when the calling thread has since moved elsewhere.
public struct LinkController: Sendable {
    public let socket: NetlinkSocket

    public init(socket: NetlinkSocket) {
        self.socket = socket
    }

    /// The current state of the interface named `name`.
    ///
    /// - Throws: `.noSuchInterface` when there is none (ENODEV), `.invalidRequest` for names
    ///   longer than IFNAMSIZ-1 or containing `/` or NUL (never valid interface names).
    public func status(named name: String) throws(NetlinkError) -> LinkStatus {
        guard !name.isEmpty, name.utf8.count < Int(IF_NAMESIZE), !name.utf8.contains(0), !name.contains("/") else {
            throw .invalidRequest("interface name \"\(name)\" is not valid")
        }
        var found: LinkStatus?
        do {
            try socket.request("get link \(name)", type: Int(RTM_GETLINK)) { (builder: inout NetlinkMessageBuilder) in
                builder.putFamilyHeader(ifinfomsg.self) { $0.ifi_family = UInt8(AF_UNSPEC) }
                builder.put(Int(IFLA_IFNAME), string: name)
            } each: { (message: NetlinkMessage) throws(NetlinkError) in
                if message.type == Int(RTM_NEWLINK) { found = RtnetlinkCodec.linkStatus(message) }
            }
        } catch .kernel(let code, _) where code == ENODEV {
            throw .noSuchInterface(name)
        }
        guard let found else { throw .noSuchInterface(name) }
        return found
    }

    /// The state of the interface with `index`.
    public func status(index: Int32) throws(NetlinkError) -> LinkStatus {
        for link in try links() where link.index == index { return link }
        throw .noSuchInterface("#\(index)")
    }

    /// The interface index for `name`.
    public func index(of name: String) throws(NetlinkError) -> Int32 {
        try status(named: name).index
    }

    /// Every interface in the socket's namespace (a dump interrupted by changes is repeated).
    public func links() throws(NetlinkError) -> [LinkStatus] {
        var attempt = 0
        while true {
            do {
                return try dumpLinks()
            } catch .dumpInterrupted(let request) {
                attempt += 1
                if attempt == 5 { throw .dumpInterrupted(request: request) }
            }
        }
    }

    private func dumpLinks() throws(NetlinkError) -> [LinkStatus] {
        var result: [LinkStatus] = []
        try socket.dump("dump links", type: Int(RTM_GETLINK)) { (builder: inout NetlinkMessageBuilder) in
            builder.putFamilyHeader(ifinfomsg.self) { $0.ifi_family = UInt8(AF_UNSPEC) }
        } each: { (message: NetlinkMessage) throws(NetlinkError) in
            if message.type == Int(RTM_NEWLINK), let link = RtnetlinkCodec.linkStatus(message) { result.append(link) }
        }
        return result
    }

    /// Sets the interface administratively up or down (IFF_UP).
    public func setUp(_ up: Bool, index: Int32) throws(NetlinkError) {
        try socket.request("set link #\(index) \(up ? "up" : "down")", type: Int(RTM_NEWLINK)) { (builder: inout NetlinkMessageBuilder) in
            builder.putFamilyHeader(ifinfomsg.self) {
                $0.ifi_family = UInt8(AF_UNSPEC)
                $0.ifi_index = index
                $0.ifi_change = UInt32(IFF_UP)
                $0.ifi_flags = up ? UInt32(IFF_UP) : 0
            }
        }
    }

    /// Sets the interface MTU. The kernel refuses values the driver cannot do (EINVAL).
    public func setMTU(_ mtu: UInt32, index: Int32) throws(NetlinkError) {
        try socket.request("set link #\(index) mtu \(mtu)", type: Int(RTM_NEWLINK)) { (builder: inout NetlinkMessageBuilder) in
            builder.putFamilyHeader(ifinfomsg.self) {
                $0.ifi_family = UInt8(AF_UNSPEC)
                $0.ifi_index = index
            }
            builder.put(Int(IFLA_MTU), u32: mtu)
        }
    }
}
