import BG95Core
/// A BOOTP/DHCP message (RFC 2131 §2, figure 1): the fixed header and the options.
///
/// `init(parsing:)` is a total function of its bytes: it never reads outside them and refuses
/// with a `DHCPParseError` reason. Option overload (52) is honoured once: the `file` and/or
/// `sname` fields are walked as further option areas, in RFC 3396 order; an overload option
/// inside those areas is ignored (no loops). `encoded()` writes the header, the magic cookie and
/// the options, padded to the 300 bytes BOOTP servers expect.
public struct DHCPMessage: Equatable, Sendable {
    public enum Operation: UInt8, Sendable {
        case request = 1
        case reply = 2
    }

    public static let headerLength = 236
    public static let magicCookie: [UInt8] = [99, 130, 83, 99]
    public static let minimumEncodedLength = 300
    /// The broadcast bit of `flags`.
    public static let broadcastFlag: UInt16 = 0x8000

    public var operation: Operation
    public var hardwareType: UInt8 = 1
    public var hardwareAddressLength: UInt8 = 6
    public var hops: UInt8 = 0
    public var transactionID: UInt32
    public var secondsElapsed: UInt16 = 0
    public var flags: UInt16 = 0
    public var clientAddress: IPv4Address = .any   // ciaddr
    public var yourAddress: IPv4Address = .any     // yiaddr
    public var serverAddress: IPv4Address = .any   // siaddr
    public var relayAddress: IPv4Address = .any    // giaddr
    /// The 16-byte `chaddr` field; only the first `hardwareAddressLength` bytes are meaningful.
    public var clientHardwareAddress: [UInt8]
    /// The 64-byte `sname` field (raw; may hold options when overloaded).
    public var serverName: [UInt8] = Array(repeating: 0, count: 64)
    /// The 128-byte `file` field (raw; may hold options when overloaded).
    public var bootFile: [UInt8] = Array(repeating: 0, count: 128)
    public var options = DHCPOptions()

    /// A message with `chaddr` set from `hardwareAddress` (padded to 16 bytes).
    public init(operation: Operation, transactionID: UInt32, hardwareAddress: [UInt8]) {
        self.operation = operation
        self.transactionID = transactionID
        self.hardwareAddressLength = UInt8(min(hardwareAddress.count, 16))
        self.clientHardwareAddress = Array((hardwareAddress + Array(repeating: 0, count: 16)).prefix(16))
    }

    /// Parses a DHCP message (the UDP payload).
    public init(parsing input: some Collection<UInt8>) throws(DHCPParseError) {
        let bytes = Array(input)
        guard bytes.count >= DHCPMessage.headerLength + 4 else { throw .truncated(length: bytes.count) }
        guard let op = Operation(rawValue: bytes[0]) else { throw .badOperation(bytes[0]) }
        operation = op
        hardwareType = bytes[1]
        hardwareAddressLength = bytes[2]
        guard hardwareAddressLength <= 16 else { throw .badHardwareLength(hardwareAddressLength) }
        hops = bytes[3]
        transactionID = DHCPMessage.readUInt32(bytes, 4)
        secondsElapsed = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        flags = UInt16(bytes[10]) << 8 | UInt16(bytes[11])
        clientAddress = IPv4Address(DHCPMessage.readUInt32(bytes, 12))
        yourAddress = IPv4Address(DHCPMessage.readUInt32(bytes, 16))
        serverAddress = IPv4Address(DHCPMessage.readUInt32(bytes, 20))
        relayAddress = IPv4Address(DHCPMessage.readUInt32(bytes, 24))
        clientHardwareAddress = Array(bytes[28..<44])
        serverName = Array(bytes[44..<108])
        bootFile = Array(bytes[108..<236])
        guard Array(bytes[236..<240]) == DHCPMessage.magicCookie else { throw .badMagicCookie }

        var parsed = DHCPOptions()
        try parsed.parseArea(bytes[240...])
        if let overload = parsed[DHCPOptionCode.overload] {
            guard overload.count == 1 else { throw .badOptionLength(code: DHCPOptionCode.overload, length: overload.count) }
            let value = overload[0]
            guard (1...3).contains(value) else { throw .badOverload(value) }
            // Each extra area is walked once; a 52 found inside it is dropped, never followed.
            var extra = DHCPOptions()
            if value & 1 != 0 { try extra.parseArea(bytes[108..<236]) }
            if value & 2 != 0 { try extra.parseArea(bytes[44..<108]) }
            for code in extra.presentCodes where code != DHCPOptionCode.overload {
                parsed[code] = (parsed[code] ?? []) + (extra[code] ?? [])
            }
        }
        try parsed.validate()
        options = parsed
    }

    /// The encoded message (header, cookie, options, end, zero padding to 300 bytes).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(DHCPMessage.minimumEncodedLength)
        out += [operation.rawValue, hardwareType, hardwareAddressLength, hops]
        DHCPMessage.appendUInt32(&out, transactionID)
        out += [UInt8(secondsElapsed >> 8), UInt8(secondsElapsed & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF)]
        for address in [clientAddress, yourAddress, serverAddress, relayAddress] { out += address.bytes }
        out += DHCPMessage.fixed(clientHardwareAddress, 16)
        out += DHCPMessage.fixed(serverName, 64)
        out += DHCPMessage.fixed(bootFile, 128)
        out += DHCPMessage.magicCookie
        // Every option, also one read from an overloaded sname/file, goes into the options
        // area; an overload option (52) would make a receiver read them a second time from
        // sname/file (found by `make fuzz`: Fuzz/Corpus/dhcp/overload-reencoded-twice).
        var options = self.options
        options[DHCPOptionCode.overload] = nil
        out += options.encoded()
        if out.count < DHCPMessage.minimumEncodedLength {
            out += Array(repeating: 0, count: DHCPMessage.minimumEncodedLength - out.count)
        }
        return out
    }

    /// The meaningful part of `chaddr` (`hlen` bytes).
    public var hardwareAddress: [UInt8] {
        Array(clientHardwareAddress.prefix(Int(min(hardwareAddressLength, 16))))
    }

    static func readUInt32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    private static func fixed(_ field: [UInt8], _ size: Int) -> [UInt8] {
        field.count >= size ? Array(field.prefix(size)) : field + Array(repeating: 0, count: size - field.count)
    }
}
