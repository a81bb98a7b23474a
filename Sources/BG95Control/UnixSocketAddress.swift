#if canImport(Glibc)
import Glibc
#endif
import BG95System

/// A `sockaddr_un` for a filesystem path or, with a leading `@`, a Linux abstract name
/// (as `$NOTIFY_SOCKET` may use). Refuses names that do not fit `sun_path` with ENAMETOOLONG.
struct UnixSocketAddress {
    var storage = sockaddr_un()
    var length: socklen_t

    init(_ name: String) throws(SystemError) {
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        // Paths need room for their NUL; abstract names are counted by length instead.
        guard !bytes.isEmpty, bytes.count <= (abstract ? capacity : capacity - 1) else {
            throw SystemError(code: ENAMETOOLONG, call: "sockaddr_un(\(name))")
        }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        length = socklen_t(pathOffset + bytes.count + (abstract ? 0 : 1))
    }

    func withSockaddr<R, E: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R) throws(E) -> R {
        var copy = storage
        let length = self.length
        let result: Result<R, E> = withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                do throws(E) { return .success(try body(address, length)) } catch { return .failure(error) }
            }
        }
        return try result.get()
    }
}

/// Sets O_NONBLOCK on `fd`.
func setNonBlocking(_ fd: Int32) throws(SystemError) {
    let flags = try retryingInterrupts("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
    try retryingInterrupts("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
}
