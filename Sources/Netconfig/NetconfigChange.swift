/// One kernel request of a plan. Additions are create-or-replace and removals of something
/// already gone count as done, so carrying out a plan twice is harmless.
public enum NetconfigChange: Hashable, Sendable, CustomStringConvertible {
    case setLinkUp(interfaceIndex: Int32)
    case setMTU(interfaceIndex: Int32, mtu: UInt32)
    /// Adds the address or, when present, replaces it (which refreshes its lifetime on renew).
    case addAddress(ManagedAddress, AddressLifetime)
    case removeAddress(ManagedAddress)
    case addRoute(ManagedRoute)
    case removeRoute(ManagedRoute)
    case addRule(ManagedRule)
    case removeRule(ManagedRule)

    public var description: String {
        switch self {
        case .setLinkUp(let index): return "link #\(index) up"
        case .setMTU(let index, let mtu): return "link #\(index) mtu \(mtu)"
        case .addAddress(let address, let lifetime):
            return "add address \(address) valid \(lifetime.valid.map(String.init) ?? "forever")"
        case .removeAddress(let address): return "remove address \(address)"
        case .addRoute(let route): return "add route \(route)"
        case .removeRoute(let route): return "remove route \(route)"
        case .addRule(let rule): return "add rule \(rule)"
        case .removeRule(let rule): return "remove rule \(rule)"
        }
    }
}
