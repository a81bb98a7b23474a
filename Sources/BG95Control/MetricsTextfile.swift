import BG95System
import Glibc

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

/// Writes a node_exporter textfile atomically: the text goes to `<path>.tmp.<pid>` in the same
/// directory, is flushed, made world-readable (0644) and renamed over `path`, so a scrape never
/// sees half a file (the textfile collector reads whatever is there at scrape time).
public enum MetricsTextfile {
    public static func write(_ text: String, to path: String) throws(SystemError) {
        let temporary = "\(path).tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw SystemError.current("open(\(temporary))") }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                let error = SystemError.current("write(\(temporary))")
                close(fd)
                unlink(temporary)
                throw error
            }
            bytes = bytes.dropFirst(count)
        }
        fchmod(fd, 0o644)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = SystemError.current("rename(\(temporary), \(path))")
            unlink(temporary)
            throw error
        }
    }
}
