import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The module's side of the AT port: the pty master umockdev put behind the tty node.
///
/// Reads feed `onBytes` on the simulator's queue. While no host has the tty open the master
/// reports hang-up (read gives EIO); the channel then parks its read source and checks every
/// 20 ms for a new opener instead of spinning. Writes never block: with nobody reading, output
/// is lost, as on the real port (a missed `RDY`).
final class ATChannel: @unchecked Sendable {
    let fd: Int32
    private let queue: DispatchQueue
    private let onBytes: ([UInt8]) -> Void
    private var source: DispatchSourceRead?
    private var parked = false
    private var stopped = false

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
        armReadSource()
    }

    private func armReadSource() {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable() }
        self.source = source
        source.resume()
    }

    /// Stops reading; call before umockdev closes the fd (device removal).
    func stop() {
        guard !stopped else { return }
        stopped = true
        source?.cancel()
        source = nil
    }

    func write(_ text: String) {
        write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) {
        guard !stopped, !bytes.isEmpty else { return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            return  // EAGAIN (host not reading) or EIO (nobody has it open): the bytes are lost
        }
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = read(fd, &buffer, buffer.count)
        if n > 0 {
            onBytes(Array(buffer[0..<n]))
            return
        }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        park()
    }

    private func park() {
        guard !parked, !stopped, let source else { return }
        parked = true
        // A fresh source later: suspend/resume of a read source did not re-arm it on Linux.
        source.cancel()
        self.source = nil
        checkForOpener()
    }

    private func checkForOpener() {
        queue.asyncAfter(deadline: .now() + .milliseconds(20)) { [weak self] in
            guard let self, self.parked, !self.stopped else { return }
            var pfd = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&pfd, 1, 0)
            if pfd.revents & Int16(POLLHUP) == 0 {
                self.parked = false
                self.armReadSource()
            } else {
                self.checkForOpener()
            }
        }
    }
}
