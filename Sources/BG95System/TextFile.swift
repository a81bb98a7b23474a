#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small text files (state, PIN, configuration): the one reader and the one atomic writer.
public enum TextFile {
    /// The file's text, or nil when it does not exist. Refuses files larger than `limit` bytes
    /// (they are not what we expect, and reading them whole could exhaust memory).
    public static func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .current("open(\(path))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .current("read(\(path))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > limit { throw SystemError(code: EFBIG, call: "read(\(path))") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first line of the file without surrounding spaces (PIN and password files), or nil
    /// when the file does not exist.
    public static func firstLine(_ path: String) throws(SystemError) -> String? {
        guard let text = try read(path, limit: 4096) else { return nil }
        let line = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? ""
        return String(line.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// Writes `text` to `path` atomically: a temporary file `<path>.tmp.<pid>` in the same
    /// directory (never following a symlink planted there), fsync, then rename, so a reader (or
    /// a crash) sees the old file or the new one, never half of one. The file gets exactly
    /// `mode`, whatever the umask.
    public static func writeAtomically(_ text: String, to path: String, mode: mode_t = 0o644) throws(SystemError) {
        let temporary = "\(path).tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw .current("open(\(temporary))") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 {
                let error = SystemError.current("write(\(temporary))")
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += written
        }
        fchmod(fd, mode)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = SystemError.current("rename(\(temporary), \(path))")
            unlink(temporary)
            throw error
        }
    }
}
