/// The kernel objects carrying bg95's protocol tag that a dump found (the "current" side of a plan).
public struct OwnedState: Equatable, Sendable {
    public var addresses: Set<ManagedAddress>
    public var routes: Set<ManagedRoute>
    public var rules: Set<ManagedRule>

    public init(addresses: Set<ManagedAddress> = [], routes: Set<ManagedRoute> = [], rules: Set<ManagedRule> = []) {
        self.addresses = addresses
        self.routes = routes
        self.rules = rules
    }

    public static let empty = OwnedState()

    public var isEmpty: Bool { addresses.isEmpty && routes.isEmpty && rules.isEmpty }
}
