import CMnl
import BG95Core
import Netconfig

/// A received netlink message with its attributes indexed, every read bounds-checked.
///
/// Attribute accessors return nil when the attribute is absent or its payload has the wrong
/// size, so a malformed message can never make us read past its end.
public struct NetlinkMessage {
    public let header: UnsafePointer<nlmsghdr>

    init(header: UnsafePointer<nlmsghdr>) {
        self.header = header
    }

    public var type: Int { Int(header.pointee.nlmsg_type) }

    /// The family header, or nil when the message is too short to hold one.
    public func familyHeader<T>(_ type: T.Type) -> T? {
        guard bg95_nlmsg_has_header(header, MemoryLayout<T>.size) != 0 else { return nil }
        return mnl_nlmsg_get_payload(header)!.loadUnaligned(as: T.self)
    }

    /// Indexes the attributes after a family header of type `T` (last one wins on duplicates).
    /// Returns nil when the message is too short for the header.
    public func attributes<T>(after type: T.Type) -> NetlinkAttributes? {
        guard bg95_nlmsg_has_header(header, MemoryLayout<T>.size) != 0 else { return nil }
        var table: [UInt16: UnsafePointer<nlattr>] = [:]
        var attribute = bg95_attr_first(header, MemoryLayout<T>.size)!
        while true {
            let remaining = bg95_attr_remaining(header, attribute)
            guard remaining > 0, mnl_attr_ok(attribute, remaining) else { break }
            table[mnl_attr_get_type(attribute)] = UnsafePointer(attribute)
            attribute = mnl_attr_next(attribute)!
        }
        return NetlinkAttributes(table: table)
    }
}

/// The attributes of one message by type.
public struct NetlinkAttributes {
    let table: [UInt16: UnsafePointer<nlattr>]

    public func contains(_ type: Int) -> Bool { table[UInt16(type)] != nil }

    public func u8(_ type: Int) -> UInt8? {
        guard let attribute = table[UInt16(type)], mnl_attr_get_payload_len(attribute) >= 1 else { return nil }
        return mnl_attr_get_u8(attribute)
    }

    public func u32(_ type: Int) -> UInt32? {
        guard let attribute = table[UInt16(type)], mnl_attr_get_payload_len(attribute) == 4 else { return nil }
        return mnl_attr_get_u32(attribute)
    }

    public func address(_ type: Int) -> IPv4Address? {
        guard let attribute = table[UInt16(type)], mnl_attr_get_payload_len(attribute) == 4 else { return nil }
        return IPv4Address(UInt32(bigEndian: mnl_attr_get_u32(attribute)))
    }

    /// A string attribute up to its first NUL (or its full payload when there is none).
    public func string(_ type: Int) -> String? {
        guard let attribute = table[UInt16(type)] else { return nil }
        let length = Int(mnl_attr_get_payload_len(attribute))
        let bytes = UnsafeRawBufferPointer(start: mnl_attr_get_payload(attribute), count: length)
        let end = bytes.firstIndex(of: 0) ?? length
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// A fixed-size struct payload (at least `MemoryLayout<T>.size` bytes), else nil.
    public func value<T>(_ type: Int, as: T.Type) -> T? {
        guard let attribute = table[UInt16(type)], Int(mnl_attr_get_payload_len(attribute)) >= MemoryLayout<T>.size else { return nil }
        return UnsafeRawPointer(mnl_attr_get_payload(attribute)!).loadUnaligned(as: T.self)
    }
}
