import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The module's side of the AT port: the pty master umockdev put behind the tty node.
///
/// A reader thread polls the master and hands the bytes to `onBytes` on the simulator's
/// queue. (Dispatch read sources were tried first: parking one on hang-up and arming a new one
/// for the same fd lost the new registration now and then, so reads silently stopped.)
/// While no host has the tty open the master reports hang-up; output written then is lost, as
/// on the real USB port (a missed `RDY`): nothing is buffered for a later opener.
final class ATChannel: @unchecked Sendable {
    let fd: Int32
    private let queue: DispatchQueue
    private let onBytes: ([UInt8]) -> Void
    /// Queue-confined: whether a host has the tty open (as far as the reader last saw).
    private var hostOpen = false
    private var stopped = false
    private let lock = NSLock()
    private var readerStopped = false

    init(fd: Int32, queue: DispatchQueue, onBytes: @escaping ([UInt8]) -> Void) {
        self.fd = fd
        self.queue = queue
        self.onBytes = onBytes
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        // termios on the master applies to the slave: raw, no echo, no CR/LF translation, so
        // the bytes the host writes reach us unchanged (the host's own tcsetattr may fail on
        // the fake node with ENOTTY).
        var tio = termios()
        if tcgetattr(fd, &tio) == 0 {
            cfmakeraw(&tio)
            cfsetispeed(&tio, speed_t(B115200))
            cfsetospeed(&tio, speed_t(B115200))
            tcsetattr(fd, TCSANOW, &tio)
        }
        hostOpen = Self.hostHasOpen(fd)
        let thread = Thread { [self] in readLoop() }
        thread.name = "bg95sim-at-reader"
        thread.start()
    }

    /// Stops reading; call before umockdev closes (or we replace) the fd. The reader thread
    /// notices within 50 ms and never touches the fd again.
    func stop() {
        guard !stopped else { return }
        stopped = true
        lock.lock()
        readerStopped = true
        lock.unlock()
    }

    /// Whether a host has the tty open.
    var hostConnected: Bool { hostOpen }

    func write(_ text: String) {
        write(Array(text.utf8))
    }

    /// Writes without blocking; dropped while nobody has the tty open.
    func write(_ bytes: [UInt8]) {
        guard !stopped, !bytes.isEmpty else { return }
        // Re-check now rather than trusting the reader's last look: a host that just opened
        // the port must get the answer to its first command.
        hostOpen = Self.hostHasOpen(fd)
        guard hostOpen else { return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            return  // EAGAIN (host not reading) or EIO: the bytes are lost
        }
    }

    private static func hostHasOpen(_ fd: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&pfd, 1, 0)
        return pfd.revents & Int16(POLLHUP) == 0
    }

    private var shouldStop: Bool {
        lock.lock()
        defer { lock.unlock() }
        return readerStopped
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !shouldStop {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, 50)
            if shouldStop { return }
            if rc <= 0 { continue }
            if pfd.revents & Int16(POLLHUP) != 0 {
                // Nobody has the tty open: look again shortly instead of spinning.
                usleep(20_000)
                continue
            }
            guard pfd.revents & Int16(POLLIN) != 0 else {
                usleep(20_000)
                continue
            }
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                let bytes = Array(buffer[0..<n])
                let box = UncheckedBox(self)
                queue.async {
                    let channel = box.value
                    guard !channel.stopped else { return }
                    channel.hostOpen = true
                    channel.onBytes(bytes)
                }
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                usleep(20_000)
            }
        }
    }
}
