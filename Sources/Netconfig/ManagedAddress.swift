import BG95Core

/// An IPv4 address on an interface, as bg95 installs it and as a dump reports it.
///
/// Identity only: the lifetime is not part of it (the kernel counts it down), see `AddressLifetime`.
public struct ManagedAddress: Hashable, Sendable, CustomStringConvertible {
    public var interfaceIndex: Int32
    public var address: IPv4Address
    public var prefixLength: UInt8

    public init(interfaceIndex: Int32, address: IPv4Address, prefixLength: UInt8) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.prefixLength = prefixLength
    }

    public var description: String { "\(address)/\(prefixLength) dev #\(interfaceIndex)" }
}

/// Valid and preferred lifetimes of an address in seconds (`IFA_CACHEINFO`); nil is forever.
public struct AddressLifetime: Hashable, Sendable {
    public var valid: UInt32?
    public var preferred: UInt32?

    public init(valid: UInt32?, preferred: UInt32?) {
        self.valid = valid
        self.preferred = preferred
    }

    public static let forever = AddressLifetime(valid: nil, preferred: nil)
}
