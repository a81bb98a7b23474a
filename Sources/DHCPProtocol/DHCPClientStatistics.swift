/// Packet counters of one client.
public struct DHCPClientStatistics: Equatable, Sendable {
    public var sent = 0
    public var received = 0
    public var dropped: [DHCPDropReason: Int] = [:]

    public init() {}

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    public mutating func recordDrop(_ reason: DHCPDropReason) { dropped[reason, default: 0] += 1 }
}
