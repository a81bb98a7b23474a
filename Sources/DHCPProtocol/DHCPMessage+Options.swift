import BG95Core
/// Typed views of the options bg95 uses. Each getter returns `nil` when the option is absent
/// or (for messages built in memory, which skip validation) has the wrong size.
extension DHCPMessage {
    public var messageType: DHCPMessageType? {
        get { options[DHCPOptionCode.messageType].flatMap { $0.count == 1 ? DHCPMessageType(rawValue: $0[0]) : nil } }
        set { options[DHCPOptionCode.messageType] = newValue.map { [$0.rawValue] } }
    }

    public var serverIdentifier: IPv4Address? {
        get { address(DHCPOptionCode.serverIdentifier) }
        set { options[DHCPOptionCode.serverIdentifier] = newValue?.bytes }
    }

    public var requestedAddress: IPv4Address? {
        get { address(DHCPOptionCode.requestedAddress) }
        set { options[DHCPOptionCode.requestedAddress] = newValue?.bytes }
    }

    public var subnetMask: IPv4Address? { address(DHCPOptionCode.subnetMask) }
    public var routers: [IPv4Address] { addresses(DHCPOptionCode.router) }
    public var domainNameServers: [IPv4Address] { addresses(DHCPOptionCode.domainNameServer) }
    public var hostName: String? { text(DHCPOptionCode.hostName) }
    public var domainName: String? { text(DHCPOptionCode.domainName) }
    public var interfaceMTU: UInt16? { uint16(DHCPOptionCode.interfaceMTU) }
    public var leaseTime: UInt32? { uint32(DHCPOptionCode.leaseTime) }
    public var renewalTime: UInt32? { uint32(DHCPOptionCode.renewalTime) }
    public var rebindingTime: UInt32? { uint32(DHCPOptionCode.rebindingTime) }
    /// The text of option 56 (a server's reason in a NAK), if any.
    public var serverMessage: String? { text(DHCPOptionCode.message) }

    /// Whether option 80 (rapid commit, RFC 4039) is present.
    public var rapidCommit: Bool {
        get { options[DHCPOptionCode.rapidCommit] != nil }
        set { options[DHCPOptionCode.rapidCommit] = newValue ? [] : nil }
    }

    private func address(_ code: UInt8) -> IPv4Address? {
        options[code].flatMap { IPv4Address(bytes: $0) }
    }

    private func addresses(_ code: UInt8) -> [IPv4Address] {
        guard let data = options[code], !data.isEmpty, data.count % 4 == 0 else { return [] }
        return stride(from: 0, to: data.count, by: 4).compactMap { IPv4Address(bytes: data[$0..<($0 + 4)]) }
    }

    private func uint32(_ code: UInt8) -> UInt32? {
        guard let d = options[code], d.count == 4 else { return nil }
        return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
    }

    private func uint16(_ code: UInt8) -> UInt16? {
        guard let d = options[code], d.count == 2 else { return nil }
        return UInt16(d[0]) << 8 | UInt16(d[1])
    }

    /// Text options as a String, trailing NULs removed (some servers add one); bytes are
    /// decoded as UTF-8 with replacement, and callers validate before using them anywhere.
    private func text(_ code: UInt8) -> String? {
        guard var d = options[code] else { return nil }
        while d.last == 0 { d.removeLast() }
        return d.isEmpty ? nil : String(decoding: d, as: UTF8.self)
    }
}
