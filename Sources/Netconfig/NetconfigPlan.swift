/// The diff from what the kernel holds (our tagged objects) to what we want.
///
/// Order matters and is fixed: stale rules, routes, then addresses go first (a rule before the
/// table it points into, routes before the address they use as source), then link up, MTU,
/// the address, routes in the desired order, and rules last, so a rule never points at an
/// empty table. Objects already in place are skipped, except an address with a finite
/// lifetime, which is always re-added to refresh the lifetime (that is what a renew needs).
public enum NetconfigPlan {
    /// The changes turning `current` into `desired`; `desired == nil` removes all of `current`.
    ///
    /// `link` is the interface's current state when known: a link already up, or with the
    /// desired MTU already, needs no request.
    public static func changes(from current: OwnedState, to desired: DesiredState?, link: LinkStatus? = nil) -> [NetconfigChange] {
        var changes: [NetconfigChange] = []
        let wantedRules = Set(desired?.rules ?? [])
        let wantedRoutes = Set(desired?.routes ?? [])
        let wantedAddresses: Set<ManagedAddress> = desired.map { [$0.address] } ?? []

        changes += current.rules.subtracting(wantedRules).sorted(by: describedOrder).map { .removeRule($0) }
        changes += current.routes.subtracting(wantedRoutes).sorted(by: describedOrder).map { .removeRoute($0) }
        changes += current.addresses.subtracting(wantedAddresses).sorted(by: describedOrder).map { .removeAddress($0) }

        guard let desired else { return changes }
        if link?.isUp != true { changes.append(.setLinkUp(interfaceIndex: desired.interfaceIndex)) }
        if let mtu = desired.mtu, link?.mtu != mtu {
            changes.append(.setMTU(interfaceIndex: desired.interfaceIndex, mtu: mtu))
        }
        if !current.addresses.contains(desired.address) || desired.lifetime != .forever {
            changes.append(.addAddress(desired.address, desired.lifetime))
        }
        changes += desired.routes.filter { !current.routes.contains($0) }.map { .addRoute($0) }
        changes += desired.rules.filter { !current.rules.contains($0) }.map { .addRule($0) }
        return changes
    }

    private static func describedOrder<T: CustomStringConvertible>(_ a: T, _ b: T) -> Bool {
        a.description < b.description
    }
}
