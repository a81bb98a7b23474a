import BG95Core

/// A policy-routing rule bg95 owns: "from <source>/<length> lookup <table>" at a priority.
public struct ManagedRule: Hashable, Sendable, CustomStringConvertible {
    public var priority: UInt32
    public var source: IPv4Address
    public var sourcePrefixLength: UInt8
    public var table: UInt32

    public init(priority: UInt32, source: IPv4Address, sourcePrefixLength: UInt8 = 32, table: UInt32) {
        self.priority = priority
        self.source = source
        self.sourcePrefixLength = sourcePrefixLength
        self.table = table
    }

    public var description: String {
        "\(priority): from \(source)/\(sourcePrefixLength) lookup \(table)"
    }
}
