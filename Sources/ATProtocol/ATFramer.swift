/// One unit the framer cut out of the byte stream from the AT port.
public enum ATFrame: Equatable, Sendable {
    /// A non-empty line without its terminator, surrounding spaces trimmed. Bytes that are not
    /// valid UTF-8 appear as U+FFFD, so such a line simply fails to parse later.
    case line(String)
    /// The `> ` data prompt (e.g. after `AT+QISEND`), which has no line terminator.
    case prompt
    /// A line longer than the framer's cap was dropped; `length` counts its bytes.
    case overlongLine(length: Int)
}

/// Cuts the raw byte stream of an AT port into lines.
///
/// Input may be split anywhere: every byte is processed on its own, so the output for a stream
/// does not depend on how it was chunked. Rules (why: the module mixes `\r\n`, bare `\r` in
/// echoes, and after a re-enumeration or a fault it can emit garbage):
/// - `\r` and `\n` both end a line; empty lines are skipped, so `\r\n`, bare `\r` and bare `\n`
///   all work, and an echoed command line (`AT+CPIN?\r`) comes out as a line of its own.
/// - NUL, other C0 control bytes (except tab) and DEL are dropped.
/// - Bytes that are not valid UTF-8 become U+FFFD in the line.
/// - A line longer than `maxLineLength` bytes is dropped whole and reported as
///   `.overlongLine`; the buffer never grows past the cap.
/// - `> ` at the start of a line is reported as `.prompt` at once (no terminator follows it).
public struct ATFramer: Sendable {
    /// Enough for every reply the daemon uses (the longest are `=?` test replies).
    public static let defaultMaxLineLength = 1024

    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    /// Bytes of the current line seen so far once it exceeded the cap; nil while within it.
    private var overflowLength: Int?

    public init(maxLineLength: Int = ATFramer.defaultMaxLineLength) {
        self.maxLineLength = max(2, maxLineLength)
        buffer.reserveCapacity(min(self.maxLineLength, 256))
    }

    /// True when no partial line is buffered.
    public var isIdle: Bool { buffer.isEmpty && overflowLength == nil }

    /// Feeds a chunk of bytes and returns the frames it completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ATFrame] {
        var frames: [ATFrame] = []
        for byte in bytes {
            if let frame = consume(byte) { frames.append(frame) }
        }
        return frames
    }

    /// Drops any partial line (e.g. when the port is reopened after a re-enumeration).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        overflowLength = nil
    }

    private mutating func consume(_ byte: UInt8) -> ATFrame? {
        switch byte {
        case 0x0D, 0x0A:
            return endLine()
        case 0x09, 0x20...0x7E, 0x80...0xFF:
            break
        default:
            return nil  // NUL, other control bytes, DEL: line noise
        }
        if let length = overflowLength {
            overflowLength = length + 1
            return nil
        }
        buffer.append(byte)
        if buffer.count > maxLineLength {
            overflowLength = buffer.count
            buffer.removeAll(keepingCapacity: true)
            return nil
        }
        if buffer.count == 2 && buffer[0] == UInt8(ascii: ">") && buffer[1] == UInt8(ascii: " ") {
            buffer.removeAll(keepingCapacity: true)
            return .prompt
        }
        return nil
    }

    private mutating func endLine() -> ATFrame? {
        if let length = overflowLength {
            overflowLength = nil
            return .overlongLine(length: length)
        }
        guard !buffer.isEmpty else { return nil }
        defer { buffer.removeAll(keepingCapacity: true) }
        var start = buffer.startIndex
        var end = buffer.endIndex
        while start < end, buffer[start] == 0x20 || buffer[start] == 0x09 { start += 1 }
        while end > start, buffer[end - 1] == 0x20 || buffer[end - 1] == 0x09 { end -= 1 }
        guard start < end else { return nil }
        return .line(String(decoding: buffer[start..<end], as: UTF8.self))
    }
}
