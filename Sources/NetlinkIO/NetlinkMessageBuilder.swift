import CMnl
import BG95Core
import Netconfig

/// Appends a family header and attributes to a request being built by `NetlinkSocket`.
///
/// Writes past the buffer are refused by libmnl's `*_check` functions and reported through
/// `overflow`, which makes the request fail before it is sent.
public struct NetlinkMessageBuilder {
    let header: UnsafeMutablePointer<nlmsghdr>
    let capacity: Int
    private(set) var overflow: String?

    init(header: UnsafeMutablePointer<nlmsghdr>, capacity: Int) {
        self.header = header
        self.capacity = capacity
    }

    /// Appends the family header (`rtmsg`, `ifinfomsg`, ...) zeroed, for `fill` to set.
    public mutating func putFamilyHeader<T>(_ type: T.Type, _ fill: (inout T) -> Void) {
        let raw = mnl_nlmsg_put_extra_header(header, MemoryLayout<T>.size)!
        let typed = raw.bindMemory(to: T.self, capacity: 1)
        fill(&typed.pointee)
    }

    public mutating func put(_ type: Int, u8 value: UInt8) {
        if !mnl_attr_put_u8_check(header, capacity, UInt16(type), value) { overflow = "attribute \(type) does not fit" }
    }

    public mutating func put(_ type: Int, u32 value: UInt32) {
        if !mnl_attr_put_u32_check(header, capacity, UInt16(type), value) { overflow = "attribute \(type) does not fit" }
    }

    /// An IPv4 address in network byte order.
    public mutating func put(_ type: Int, address: IPv4Address) {
        var networkOrder = address.value.bigEndian
        if !mnl_attr_put_check(header, capacity, UInt16(type), 4, &networkOrder) { overflow = "attribute \(type) does not fit" }
    }

    /// A NUL-terminated string.
    public mutating func put(_ type: Int, string: String) {
        let ok = string.withCString { mnl_attr_put_strz_check(header, capacity, UInt16(type), $0) }
        if !ok { overflow = "attribute \(type) does not fit" }
    }

    /// A plain C struct (`ifa_cacheinfo`, ...) as the attribute's payload.
    public mutating func put<T: BitwiseCopyable>(_ type: Int, value: T) {
        let ok = withUnsafeBytes(of: value) { mnl_attr_put_check(header, capacity, UInt16(type), $0.count, $0.baseAddress) }
        if !ok { overflow = "attribute \(type) does not fit" }
    }
}
