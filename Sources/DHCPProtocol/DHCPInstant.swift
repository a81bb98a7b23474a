/// A point on the monotonic boot-time clock (`CLOCK_BOOTTIME`), in milliseconds.
///
/// The pure machine never reads a clock: the IO layer passes `now` with every event, and unit
/// tests pass whatever instants they like. Boot time keeps running while the system sleeps, so
/// lease deadlines stay true across suspend.
public struct DHCPInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ s: Int64) -> DHCPInstant { DHCPInstant(milliseconds: s * 1000) }

    public func adding(milliseconds ms: Int64) -> DHCPInstant { DHCPInstant(milliseconds: milliseconds &+ ms) }
    public func adding(seconds s: Int64) -> DHCPInstant { adding(milliseconds: s &* 1000) }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later).
    public func milliseconds(since earlier: DHCPInstant) -> Int64 { milliseconds &- earlier.milliseconds }

    public static func < (a: DHCPInstant, b: DHCPInstant) -> Bool { a.milliseconds < b.milliseconds }

    public var description: String { "t+\(milliseconds)ms" }
}
