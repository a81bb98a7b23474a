import BG95Core

/// An IPv4 unicast route bg95 owns (tagged with its protocol), as installed and as dumped.
///
/// Equality covers every field the kernel reports back, so a dumped route equals the desired
/// one exactly when nothing about it differs.
public struct ManagedRoute: Hashable, Sendable, CustomStringConvertible {
    /// Routing table id (254 is main).
    public var table: UInt32
    public var destination: IPv4Address
    public var destinationPrefixLength: UInt8
    /// The next hop; nil for a directly connected (link-scope) route.
    public var gateway: IPv4Address?
    /// The gateway is reachable on the link even though it lies outside the subnet (`onlink`).
    public var onLink: Bool
    public var interfaceIndex: Int32
    public var metric: UInt32
    /// The preferred source address (`src`), so the route goes with the address.
    public var preferredSource: IPv4Address?

    public static let mainTable: UInt32 = 254

    public init(
        table: UInt32, destination: IPv4Address, destinationPrefixLength: UInt8, gateway: IPv4Address?,
        onLink: Bool = false, interfaceIndex: Int32, metric: UInt32, preferredSource: IPv4Address?
    ) {
        self.table = table
        self.destination = destination
        self.destinationPrefixLength = destinationPrefixLength
        self.gateway = gateway
        self.onLink = onLink
        self.interfaceIndex = interfaceIndex
        self.metric = metric
        self.preferredSource = preferredSource
    }

    /// Link scope for a connected route, universe for one via a gateway.
    public var isLinkScope: Bool { gateway == nil }

    public var description: String {
        var text = destinationPrefixLength == 0 && destination == .any
            ? "default" : "\(destination)/\(destinationPrefixLength)"
        if let gateway { text += " via \(gateway)" }
        text += " dev #\(interfaceIndex)"
        if onLink { text += " onlink" }
        if let preferredSource { text += " src \(preferredSource)" }
        text += " table \(table) metric \(metric)"
        return text
    }
}
