import BG95System
#if canImport(Glibc)
import Glibc
#endif

/// An advisory `flock` lock file that keeps two bg95d processes off the same AT port.
///
/// The lock is named by the character device's major:minor (from `fstat` on the open port), not
/// by its path: the same port under another name (a symlink, a re-enumerated node) maps to the
/// same lock, and two unrelated fake ports (umockdev ptys in parallel test runs) never collide.
/// The kernel drops the lock when the process dies, so a stale file never blocks a restart.
final class PortLock {
    let path: String
    private var fd: Int32

    /// Takes the lock for the open port `portFD` inside `directory`, creating the directory if needed.
    init(portFD: Int32, port: String, directory: String) throws(ModemIOError) {
        var info = stat()
        guard fstat(portFD, &info) == 0 else { throw .system(.current("fstat(\(port))")) }
        let device = info.st_rdev != 0 ? info.st_rdev : info.st_ino
        let name = "bg95d-tty-\(Self.major(device))-\(Self.minor(device)).lock"
        if access(directory, F_OK) != 0, mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw .system(.current("mkdir(\(directory))"))
        }
        path = directory + "/" + name
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system(.current("open(\(path))")) }
        do {
            try retryingInterrupts("flock(\(path))") { flock(fd, LOCK_EX | LOCK_NB) }
        } catch {
            let holder = Self.readHolder(fd)
            close(fd)
            if error.code == EWOULDBLOCK {
                throw .portBusy(port: port, lockFile: path, holder: holder)
            }
            throw .system(error)
        }
        self.fd = fd
        // Record who holds it, for the next one's error message.
        _ = ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (also done by `deinit`).
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }

    private static func readHolder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    private static func major(_ device: dev_t) -> UInt64 {
        let d = UInt64(device)
        return ((d >> 32) & 0xffff_f000) | ((d >> 8) & 0xfff)
    }

    private static func minor(_ device: dev_t) -> UInt64 {
        let d = UInt64(device)
        return ((d >> 12) & 0xffff_ff00) | (d & 0xff)
    }
}
