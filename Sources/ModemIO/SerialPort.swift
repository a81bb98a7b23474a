import BG95System
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The module's AT tty, opened for exclusive, non-blocking, raw 115200 8N1 use on a queue.
///
/// - `O_NOCTTY`: a daemon opening a tty without it would acquire it as controlling terminal and
///   get SIGHUP on every USB disconnect (each `AT+CFUN=1,1`).
/// - Exclusive: `TIOCEXCL` where the device supports it (ENOTTY on umockdev's fake node is not
///   fatal) plus a `PortLock` file, so two bg95d never share a port.
/// - termios failing with ENOTTY (umockdev) is logged once and skipped; other errors throw.
/// - Reads come from a DispatchSource on `queue` and are handed to `onBytes`; EOF, EIO or
///   ENXIO (the device went away) close the port and call `onClose` once with the reason.
/// - Writes are non-blocking; what does not fit is kept and flushed when writable.
///
/// All methods must be called on `queue`.
public final class SerialPort: @unchecked Sendable {
    public let path: String
    public let queue: DispatchQueue
    private var fd: Int32 = -1
    private var lock: PortLock?
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var writeSourceActive = false
    private var pending: [UInt8] = []
    private var onBytes: (([UInt8]) -> Void)?
    private var onClose: ((String) -> Void)?

    public var isOpen: Bool { fd >= 0 }

    public init(path: String, queue: DispatchQueue) {
        self.path = path
        self.queue = queue
    }

    deinit {
        if fd >= 0 { closeDescriptor() }
    }

    /// Opens, locks and configures the port and starts reading.
    ///
    /// - Parameters:
    ///   - lockDirectory: where the lock file lives (default `/run/lock`).
    ///   - log: notes about skipped steps (e.g. "TIOCEXCL not supported").
    public func open(
        lockDirectory: String = "/run/lock", log: (String) -> Void,
        onBytes: @escaping ([UInt8]) -> Void, onClose: @escaping (String) -> Void
    ) throws(ModemIOError) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard fd < 0 else { return }
        let fd: Int32
        do {
            fd = try retryingInterrupts("open(\(path))") { Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        } catch { throw .system(error) }
        do {
            lock = try PortLock(portFD: fd, port: path, directory: lockDirectory)
            try configure(fd, log: log)
        } catch {
            lock = nil
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.onBytes = onBytes
        self.onClose = onClose
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable() }
        source.resume()
        readSource = source
    }

    private func configure(_ fd: Int32, log: (String) -> Void) throws(ModemIOError) {
        if ioctl(fd, UInt(TIOCEXCL)) != 0 {
            let code = errno
            guard code == ENOTTY || code == EINVAL else { throw .system(SystemError(code: code, call: "ioctl(\(path), TIOCEXCL)")) }
            log("\(path): TIOCEXCL not supported (\(SystemError.symbol(code))); relying on the lock file")
        }
        var options = termios()
        guard tcgetattr(fd, &options) == 0 else {
            let code = errno
            guard code == ENOTTY || code == EINVAL else { throw .system(SystemError(code: code, call: "tcgetattr(\(path))")) }
            log("\(path): not a terminal to termios (\(SystemError.symbol(code))); line settings skipped")
            return
        }
        cfmakeraw(&options)
        cfsetispeed(&options, speed_t(B115200))
        cfsetospeed(&options, speed_t(B115200))
        options.c_cflag &= ~(tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        options.c_cflag |= tcflag_t(CS8) | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        // VMIN 1: with MIN 0 and TIME 0 a tty read returns 0 when empty, indistinguishable
        // from a hang-up; with MIN 1 and O_NONBLOCK it returns EAGAIN, and 0 means hang-up.
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &options) == 0 else {
            let code = errno
            guard code == ENOTTY || code == EINVAL else { throw .system(SystemError(code: code, call: "tcsetattr(\(path))")) }
            log("\(path): tcsetattr not supported (\(SystemError.symbol(code))); line settings skipped")
            return
        }
        _ = tcflush(fd, TCIOFLUSH)
    }

    /// Queues bytes for writing. Fails only when the port is closed or the write errs hard.
    public func write(_ bytes: [UInt8]) throws(ModemIOError) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard fd >= 0 else { throw .portClosed(port: path, reason: "not open") }
        pending.append(contentsOf: bytes)
        try flush()
    }

    private func flush() throws(ModemIOError) {
        while !pending.isEmpty {
            let written = pending.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                pending.removeFirst(written)
                continue
            }
            let code = errno
            if written < 0 && code == EINTR { continue }
            if written < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                armWriteSource()
                return
            }
            let error = SystemError(code: written < 0 ? code : EIO, call: "write(\(path))")
            fail("write failed: \(error)")
            throw .system(error)
        }
        if writeSourceActive {
            writeSource?.suspend()
            writeSourceActive = false
        }
    }

    private func armWriteSource() {
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [weak self] in try? self?.flush() }
            writeSource = source
            source.resume()
            writeSourceActive = true
        } else if !writeSourceActive {
            writeSource?.resume()
            writeSourceActive = true
        }
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while fd >= 0 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                onBytes?(Array(buffer[0..<count]))
                continue
            }
            if count == 0 {
                fail("end of file (device gone)")
                return
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return }
            fail("read failed: \(SystemError(code: code, call: "read(\(path))"))")
            return
        }
    }

    /// Closes the port without calling `onClose` (the owner asked for it).
    public func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard fd >= 0 else { return }
        onClose = nil
        closeDescriptor()
    }

    private func fail(_ reason: String) {
        guard fd >= 0 else { return }
        let callback = onClose
        onClose = nil
        closeDescriptor()
        callback?(reason)
    }

    private func closeDescriptor() {
        // The sources' cancel handlers run later; the fd is closed only after both are cancelled
        // so Dispatch never watches a recycled descriptor.
        let fd = self.fd
        self.fd = -1
        // The lock goes now (a reopen of the same port must be able to take it again at once);
        // the tty descriptor only after Dispatch stopped watching it.
        lock?.release()
        lock = nil
        let group = DispatchGroup()
        if let readSource {
            group.enter()
            readSource.setCancelHandler { group.leave() }
            readSource.cancel()
        }
        if let writeSource {
            group.enter()
            writeSource.setCancelHandler { group.leave() }
            if !writeSourceActive { writeSource.resume() }
            writeSource.cancel()
        }
        readSource = nil
        writeSource = nil
        writeSourceActive = false
        pending.removeAll()
        onBytes = nil
        group.notify(queue: queue) {
            Glibc.close(fd)
        }
    }
}
