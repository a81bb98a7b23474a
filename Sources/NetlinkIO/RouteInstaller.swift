#if canImport(Glibc)
import Glibc
#endif
import CMnl
import Netconfig

/// Installs and removes the kernel objects of a `DesiredState` exactly, over a `NetlinkSocket`.
///
/// Everything it creates carries `settings.protocolTag` (routes and rules in `rtm_protocol` /
/// `FRA_PROTOCOL`, addresses in `IFA_PROTO`), and everything it reads back is filtered by that
/// tag, so it only ever sees and removes its own objects — also those of an earlier run that
/// was killed. Applying the same state twice sends only the address refresh; removing twice
/// sends nothing.
public struct RouteInstaller: Sendable {
    public let socket: NetlinkSocket
    public let settings: RoutingSettings

    public init(socket: NetlinkSocket, settings: RoutingSettings) {
        self.socket = socket
        self.settings = settings
    }

    /// Our tagged objects. With an interface index: its addresses, routes on it or in the
    /// policy table, and rules pointing into the policy table (rules outlive their interface,
    /// so they are found by table). With nil: every tagged object in the namespace.
    /// A dump interrupted by concurrent changes is repeated (up to 5 times).
    public func ownedState(interfaceIndex: Int32?) throws(NetlinkError) -> OwnedState {
        var attempt = 0
        while true {
            do {
                return try dumpOwnedState(interfaceIndex: interfaceIndex)
            } catch .dumpInterrupted(let request) {
                attempt += 1
                if attempt == 5 { throw .dumpInterrupted(request: request) }
            }
        }
    }

    private func dumpOwnedState(interfaceIndex: Int32?) throws(NetlinkError) -> OwnedState {
        let tag = settings.protocolTag
        var state = OwnedState()
        try socket.dump("dump addresses", type: Int(RTM_GETADDR)) { (builder: inout NetlinkMessageBuilder) in
            builder.putFamilyHeader(ifaddrmsg.self) { $0.ifa_family = UInt8(AF_INET) }
        } each: { (message: NetlinkMessage) throws(NetlinkError) in
            guard message.type == Int(RTM_NEWADDR), let (address, protocolTag) = RtnetlinkCodec.address(message),
                  protocolTag == tag, interfaceIndex == nil || address.interfaceIndex == interfaceIndex else { return }
            state.addresses.insert(address)
        }
        try socket.dump("dump routes", type: Int(RTM_GETROUTE)) { (builder: inout NetlinkMessageBuilder) in
            builder.putFamilyHeader(rtmsg.self) { $0.rtm_family = UInt8(AF_INET) }
        } each: { (message: NetlinkMessage) throws(NetlinkError) in
            guard message.type == Int(RTM_NEWROUTE), let (route, protocolTag) = RtnetlinkCodec.route(message),
                  protocolTag == tag else { return }
            if let interfaceIndex, route.interfaceIndex != interfaceIndex, route.table != settings.policyTable { return }
            state.routes.insert(route)
        }
        try socket.dump("dump rules", type: Int(RTM_GETRULE)) { (builder: inout NetlinkMessageBuilder) in
            builder.putFamilyHeader(fib_rule_hdr.self) { $0.family = UInt8(AF_INET) }
        } each: { (message: NetlinkMessage) throws(NetlinkError) in
            guard message.type == Int(RTM_NEWRULE), let (rule, protocolTag) = RtnetlinkCodec.rule(message),
                  protocolTag == tag else { return }
            if interfaceIndex != nil, rule.table != settings.policyTable { return }
            state.rules.insert(rule)
        }
        return state
    }

    /// Brings the kernel to `desired`: reads our current objects, removes the stale ones
    /// (an older lease's address or gateway), adds what is missing, refreshes the address
    /// lifetime. Returns the changes carried out.
    ///
    /// - Throws: the first `NetlinkError`; changes before it stay applied (a retry is safe).
    @discardableResult
    public func apply(_ desired: DesiredState) throws(NetlinkError) -> [NetconfigChange] {
        let current = try ownedState(interfaceIndex: desired.interfaceIndex)
        let link = try? LinkController(socket: socket).status(index: desired.interfaceIndex)
        let changes = NetconfigPlan.changes(from: current, to: desired, link: link)
        try execute(changes)
        return changes
    }

    /// Removes our objects for `interfaceIndex` (see `ownedState`), or every tagged object
    /// in the namespace when nil (cleanup after a crash). Returns the changes carried out.
    @discardableResult
    public func removeAll(interfaceIndex: Int32?) throws(NetlinkError) -> [NetconfigChange] {
        let changes = NetconfigPlan.changes(from: try ownedState(interfaceIndex: interfaceIndex), to: nil)
        try execute(changes)
        return changes
    }

    /// Carries out changes in order. Removing something already gone (ESRCH, ENOENT,
    /// EADDRNOTAVAIL, ENODEV: the interface vanished) counts as success.
    public func execute(_ changes: [NetconfigChange]) throws(NetlinkError) {
        let links = LinkController(socket: socket)
        let tag = settings.protocolTag
        for change in changes {
            let name = change.description
            switch change {
            case .setLinkUp(let index):
                try links.setUp(true, index: index)
            case .setMTU(let index, let mtu):
                try links.setMTU(mtu, index: index)
            case .addAddress(let address, let lifetime):
                try socket.request(name, type: Int(RTM_NEWADDR), flags: NLM_F_CREATE | NLM_F_REPLACE) { (builder: inout NetlinkMessageBuilder) in
                    RtnetlinkCodec.buildAddress(&builder, address, lifetime: lifetime, protocolTag: tag)
                }
            case .removeAddress(let address):
                try ignoringGone { () throws(NetlinkError) in
                    try socket.request(name, type: Int(RTM_DELADDR)) { (builder: inout NetlinkMessageBuilder) in
                        RtnetlinkCodec.buildAddress(&builder, address, lifetime: nil, protocolTag: tag)
                    }
                }
            case .addRoute(let route):
                // EXCL: a foreign route with the same key (table, prefix, metric) is reported,
                // never replaced.
                try socket.request(name, type: Int(RTM_NEWROUTE), flags: NLM_F_CREATE | NLM_F_EXCL) { (builder: inout NetlinkMessageBuilder) in
                    RtnetlinkCodec.buildRoute(&builder, route, protocolTag: tag)
                }
            case .removeRoute(let route):
                try ignoringGone { () throws(NetlinkError) in
                    try socket.request(name, type: Int(RTM_DELROUTE)) { (builder: inout NetlinkMessageBuilder) in
                        RtnetlinkCodec.buildRoute(&builder, route, protocolTag: tag)
                    }
                }
            case .addRule(let rule):
                try socket.request(name, type: Int(RTM_NEWRULE), flags: NLM_F_CREATE | NLM_F_EXCL) { (builder: inout NetlinkMessageBuilder) in
                    RtnetlinkCodec.buildRule(&builder, rule, protocolTag: tag)
                }
            case .removeRule(let rule):
                try ignoringGone { () throws(NetlinkError) in
                    try socket.request(name, type: Int(RTM_DELRULE)) { (builder: inout NetlinkMessageBuilder) in
                        RtnetlinkCodec.buildRule(&builder, rule, protocolTag: tag)
                    }
                }
            }
        }
    }

    private func ignoringGone(_ body: () throws(NetlinkError) -> Void) throws(NetlinkError) {
        do {
            try body()
        } catch .kernel(let code, _) where [ESRCH, ENOENT, EADDRNOTAVAIL, ENODEV].contains(code) {
            // Already gone: the goal of a removal is reached.
        }
    }
}
