import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import BG95System

/// The simulator's fault-injection socket: a Unix stream socket, one request line per
/// connection (`<verb> [args]\n`), one reply line (`ok ...` or `error <reason>`) sent only
/// once the verb has taken effect.
///
/// Requests longer than 512 bytes or not valid UTF-8 are answered with an error and closed.
final class ControlServer: @unchecked Sendable {
    typealias Handler = (_ verb: String, _ args: [String], _ respond: @escaping (String) -> Void) -> Void

    let path: String
    private let queue: DispatchQueue
    private let handler: Handler
    private var listenFD: Int32 = -1
    private var acceptSource: DispatchSourceRead?
    private var clients: [Int32: (DispatchSourceRead, [UInt8])] = [:]

    init(path: String, queue: DispatchQueue, handler: @escaping Handler) throws {
        self.path = path
        self.queue = queue
        self.handler = handler
        unlink(path)
        listenFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listenFD >= 0 else { throw SystemError.current("socket(AF_UNIX)") }
        var address = try Self.address(path)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw SystemError.current("bind(\(path))") }
        guard listen(listenFD, 16) == 0 else { throw SystemError.current("listen(\(path))") }
        _ = fcntl(listenFD, F_SETFL, fcntl(listenFD, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: listenFD, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptClient() }
        source.resume()
        acceptSource = source
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SimulatorError.setup("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    func close() {
        acceptSource?.cancel()
        acceptSource = nil
        if listenFD >= 0 { Glibc.close(listenFD); listenFD = -1 }
        for (fd, (source, _)) in clients {
            source.cancel()
            Glibc.close(fd)
        }
        clients = [:]
        unlink(path)
    }

    private func acceptClient() {
        let fd = accept(listenFD, nil, nil)
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readClient(fd) }
        clients[fd] = (source, [])
        source.resume()
    }

    private func readClient(_ fd: Int32) {
        guard let (source, previous) = clients[fd] else { return }
        var buffer = previous
        var chunk = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &chunk, chunk.count)
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        if n <= 0 {
            finish(fd)
            return
        }
        buffer += chunk[0..<n]
        guard let newline = buffer.firstIndex(of: 0x0a) else {
            if buffer.count > 512 { respond(fd, "error request too long") } else { clients[fd] = (source, buffer) }
            return
        }
        source.suspend()  // one request per connection; the reply may come much later
        clients[fd] = (source, [])
        guard let line = String(validating: buffer[..<newline], as: UTF8.self) else {
            source.resume()
            return respond(fd, "error request is not UTF-8")
        }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let verb = words.first else {
            source.resume()
            return respond(fd, "error empty request")
        }
        handler(verb, Array(words.dropFirst())) { [weak self] reply in
            guard let self, self.clients[fd] != nil else { return }
            self.clients[fd]?.0.resume()
            self.respond(fd, reply)
        }
    }

    private func respond(_ fd: Int32, _ reply: String) {
        let bytes = Array((reply + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
        }
        finish(fd)
    }

    private func finish(_ fd: Int32) {
        guard let (source, _) = clients.removeValue(forKey: fd) else { return }
        source.cancel()
        Glibc.close(fd)
    }
}

/// The client side of the control socket (`bg95sim ctl`).
public enum ControlClient {
    /// Sends one request and returns the reply line; throws when the simulator is not reachable
    /// or does not answer within `timeout` seconds.
    public static func send(_ request: String, to path: String, timeout: Int = 180) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("socket(AF_UNIX)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = try ControlServer.address(path)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw SystemError.current("connect(\(path))") }
        let bytes = Array((request + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n > 0 {
                reply += chunk[0..<n]
                if reply.last == 0x0a { break }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SystemError.current("read(\(path))") }
            break
        }
        guard !reply.isEmpty else { throw SimulatorError.setup("the simulator closed the control connection without a reply") }
        return String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
