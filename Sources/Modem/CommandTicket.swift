/// Names a command someone besides the machine asked for (`ModemEvent.submit`), so its response
/// (`ModemAction.completed`) finds its way back to the caller.
public struct CommandTicket: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}
