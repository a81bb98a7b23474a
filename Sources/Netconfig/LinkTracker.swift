/// Remembers the last state of every interface and turns raw link messages into `LinkEvent`s.
///
/// The kernel sends RTM_NEWLINK for any change, often several identical ones; the tracker
/// reports only what actually differs, in a fixed order (rename, admin, carrier, operstate, MTU).
public struct LinkTracker: Sendable {
    public private(set) var links: [Int32: LinkStatus] = [:]

    public init() {}

    /// Records a RTM_NEWLINK (or dump entry) and returns what changed.
    public mutating func update(_ status: LinkStatus) -> [LinkEvent] {
        guard let old = links[status.index] else {
            links[status.index] = status
            return [.appeared(status)]
        }
        links[status.index] = status
        var events: [LinkEvent] = []
        if old.name != status.name { events.append(.renamed(index: status.index, from: old.name, to: status.name)) }
        if old.isUp != status.isUp { events.append(.adminStateChanged(status)) }
        if old.hasCarrier != status.hasCarrier { events.append(.carrierChanged(status)) }
        if old.operState != status.operState { events.append(.operStateChanged(status)) }
        if old.mtu != status.mtu { events.append(.mtuChanged(status)) }
        return events
    }

    /// Records a RTM_DELLINK. `status` is what the message carried; the last known state is
    /// reported when there is one (a deleted link's message may lack fields).
    public mutating func remove(_ status: LinkStatus) -> [LinkEvent] {
        let last = links.removeValue(forKey: status.index)
        return [.removed(last ?? status)]
    }

    /// Brings the tracker in line with a complete dump (after a subscription overrun lost
    /// messages): links missing from the dump are reported removed, the rest as `update` does.
    public mutating func resynchronize(with dump: [LinkStatus]) -> [LinkEvent] {
        let present = Set(dump.map(\.index))
        var events: [LinkEvent] = []
        for index in links.keys.sorted() where !present.contains(index) {
            if let gone = links.removeValue(forKey: index) { events.append(.removed(gone)) }
        }
        for status in dump { events += update(status) }
        return events
    }
}
