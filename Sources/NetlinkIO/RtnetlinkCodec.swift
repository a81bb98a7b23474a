#if canImport(Glibc)
import Glibc
#endif
import CMnl
import Netconfig

/// Turns rtnetlink messages into Netconfig values and Netconfig values into requests.
///
/// Parsers return nil for messages that are not IPv4, not unicast, or too short; they never
/// read past a message (see `NetlinkMessage`).
enum RtnetlinkCodec {
    static let infinite: UInt32 = 0xFFFF_FFFF

    // MARK: Links

    static func linkStatus(_ message: NetlinkMessage) -> LinkStatus? {
        guard let info = message.familyHeader(ifinfomsg.self),
              let attributes = message.attributes(after: ifinfomsg.self) else { return nil }
        let flags = UInt32(info.ifi_flags)
        let lowerUp = flags & 0x1_0000 != 0  // IFF_LOWER_UP (linux/if.h, not in glibc's net/if.h)
        return LinkStatus(
            index: info.ifi_index,
            name: attributes.string(Int(IFLA_IFNAME)) ?? "",
            isUp: flags & UInt32(IFF_UP) != 0,
            hasCarrier: attributes.u8(Int(IFLA_CARRIER)).map { $0 != 0 } ?? lowerUp,
            operState: OperState(kernelValue: attributes.u8(Int(IFLA_OPERSTATE)) ?? 0),
            mtu: attributes.u32(Int(IFLA_MTU)) ?? 0
        )
    }

    // MARK: Addresses

    /// An IPv4 address message and its `IFA_PROTO` (nil when the kernel sent none).
    static func address(_ message: NetlinkMessage) -> (ManagedAddress, protocolTag: UInt8?)? {
        guard let info = message.familyHeader(ifaddrmsg.self), info.ifa_family == UInt8(AF_INET),
              let attributes = message.attributes(after: ifaddrmsg.self),
              let local = attributes.address(Int(IFA_LOCAL)) ?? attributes.address(Int(IFA_ADDRESS)) else { return nil }
        let address = ManagedAddress(interfaceIndex: Int32(bitPattern: info.ifa_index), address: local, prefixLength: info.ifa_prefixlen)
        return (address, attributes.u8(Int(IFA_PROTO)))
    }

    static func buildAddress(_ builder: inout NetlinkMessageBuilder, _ address: ManagedAddress, lifetime: AddressLifetime?, protocolTag: UInt8) {
        builder.putFamilyHeader(ifaddrmsg.self) {
            $0.ifa_family = UInt8(AF_INET)
            $0.ifa_prefixlen = address.prefixLength
            $0.ifa_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
            $0.ifa_index = UInt32(bitPattern: address.interfaceIndex)
        }
        builder.put(Int(IFA_LOCAL), address: address.address)
        builder.put(Int(IFA_ADDRESS), address: address.address)
        if address.prefixLength < 31 {
            let broadcast = address.address.subnetBroadcast(prefixLength: Int(address.prefixLength))
            builder.put(Int(IFA_BROADCAST), address: broadcast)
        }
        guard let lifetime else { return }  // a delete carries no lifetime or tag
        builder.put(Int(IFA_PROTO), u8: protocolTag)
        if lifetime != .forever {
            let valid = lifetime.valid ?? infinite
            let preferred = min(lifetime.preferred ?? infinite, valid)
            builder.put(Int(IFA_CACHEINFO), value: ifa_cacheinfo(ifa_prefered: preferred, ifa_valid: valid, cstamp: 0, tstamp: 0))
        }
    }

    // MARK: Routes

    /// A route message and its protocol; nil for non-IPv4, non-unicast or multipath routes.
    static func route(_ message: NetlinkMessage) -> (ManagedRoute, protocolTag: UInt8)? {
        guard let info = message.familyHeader(rtmsg.self), info.rtm_family == UInt8(AF_INET),
              info.rtm_type == UInt8(RTN_UNICAST),
              let attributes = message.attributes(after: rtmsg.self) else { return nil }
        let route = ManagedRoute(
            table: attributes.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(info.rtm_table),
            destination: attributes.address(Int(RTA_DST.rawValue)) ?? .any,
            destinationPrefixLength: info.rtm_dst_len,
            gateway: attributes.address(Int(RTA_GATEWAY.rawValue)),
            onLink: info.rtm_flags & UInt32(RTNH_F_ONLINK) != 0,
            interfaceIndex: attributes.u32(Int(RTA_OIF.rawValue)).map { Int32(bitPattern: $0) } ?? 0,
            metric: attributes.u32(Int(RTA_PRIORITY.rawValue)) ?? 0,
            preferredSource: attributes.address(Int(RTA_PREFSRC.rawValue))
        )
        return (route, info.rtm_protocol)
    }

    /// A route request. For deletes the protocol is included so the kernel refuses to delete
    /// a route of someone else's that happens to have the same key.
    static func buildRoute(_ builder: inout NetlinkMessageBuilder, _ route: ManagedRoute, protocolTag: UInt8) {
        builder.putFamilyHeader(rtmsg.self) {
            $0.rtm_family = UInt8(AF_INET)
            $0.rtm_dst_len = route.destinationPrefixLength
            $0.rtm_table = route.table < 256 ? UInt8(route.table) : UInt8(RT_TABLE_UNSPEC.rawValue)
            $0.rtm_protocol = protocolTag
            $0.rtm_scope = UInt8(route.isLinkScope ? RT_SCOPE_LINK.rawValue : RT_SCOPE_UNIVERSE.rawValue)
            $0.rtm_type = UInt8(RTN_UNICAST)
            $0.rtm_flags = route.onLink ? UInt32(RTNH_F_ONLINK) : 0
        }
        builder.put(Int(RTA_TABLE.rawValue), u32: route.table)
        if route.destinationPrefixLength > 0 { builder.put(Int(RTA_DST.rawValue), address: route.destination) }
        if let gateway = route.gateway { builder.put(Int(RTA_GATEWAY.rawValue), address: gateway) }
        builder.put(Int(RTA_OIF.rawValue), u32: UInt32(bitPattern: route.interfaceIndex))
        builder.put(Int(RTA_PRIORITY.rawValue), u32: route.metric)
        if let source = route.preferredSource { builder.put(Int(RTA_PREFSRC.rawValue), address: source) }
    }

    // MARK: Rules

    /// An IPv4 "from X lookup T" rule and its protocol; nil for other rule kinds.
    static func rule(_ message: NetlinkMessage) -> (ManagedRule, protocolTag: UInt8)? {
        guard let info = message.familyHeader(fib_rule_hdr.self), info.family == UInt8(AF_INET),
              info.action == UInt8(FR_ACT_TO_TBL),
              let attributes = message.attributes(after: fib_rule_hdr.self) else { return nil }
        let rule = ManagedRule(
            priority: attributes.u32(Int(FRA_PRIORITY)) ?? 0,
            source: attributes.address(Int(FRA_SRC)) ?? .any,
            sourcePrefixLength: info.src_len,
            table: attributes.u32(Int(FRA_TABLE)) ?? UInt32(info.table)
        )
        return (rule, attributes.u8(Int(FRA_PROTOCOL)) ?? 0)
    }

    static func buildRule(_ builder: inout NetlinkMessageBuilder, _ rule: ManagedRule, protocolTag: UInt8) {
        builder.putFamilyHeader(fib_rule_hdr.self) {
            $0.family = UInt8(AF_INET)
            $0.src_len = rule.sourcePrefixLength
            $0.table = rule.table < 256 ? UInt8(rule.table) : UInt8(RT_TABLE_UNSPEC.rawValue)
            $0.action = UInt8(FR_ACT_TO_TBL)
        }
        builder.put(Int(FRA_PRIORITY), u32: rule.priority)
        if rule.sourcePrefixLength > 0 { builder.put(Int(FRA_SRC), address: rule.source) }
        builder.put(Int(FRA_TABLE), u32: rule.table)
        builder.put(Int(FRA_PROTOCOL), u8: protocolTag)
    }
}
