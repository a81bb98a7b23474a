import BG95System

/// When to rewrite the node_exporter textfile (`metrics_file`): on change, at most once every
/// `minimumInterval` seconds. Pure: the daemon offers the current text with the time and
/// carries out the answer (write now, or offer again at the given instant).
public struct MetricsWritePolicy: Equatable, Sendable {
    public enum Decision: Equatable, Sendable {
        /// Write `text` now.
        case write(String)
        /// Something changed but the last write is too recent: offer again at this instant.
        case retryAt(Double)
        /// Nothing changed since the last write.
        case unchanged
    }

    public let minimumInterval: Double
    public private(set) var written: String?
    public private(set) var writtenAt: Double?

    public init(minimumInterval: Double) {
        self.minimumInterval = minimumInterval
    }

    public mutating func offer(_ text: String, now: Double) -> Decision {
        if text == written { return .unchanged }
        if let writtenAt, now - writtenAt < minimumInterval { return .retryAt(writtenAt + minimumInterval) }
        written = text
        writtenAt = now
        return .write(text)
    }

    /// Forget the last write (it failed): the next offer writes again.
    public mutating func writeFailed() {
        written = nil
        writtenAt = nil
    }
}

/// Writes a node_exporter textfile atomically (`TextFile.writeAtomically`, mode 0644), so a
/// scrape never sees half a file (the textfile collector reads whatever is there at scrape time).
public enum MetricsTextfile {
    public static func write(_ text: String, to path: String) throws(SystemError) {
        try TextFile.writeAtomically(text, to: path, mode: 0o644)
    }
}
