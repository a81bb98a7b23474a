import Dispatch
import Foundation

/// A scripted module on the master side of a real pseudo-terminal: the AT channel under test
/// opens the slave path like a ttyUSB node. Every command line the channel writes is recorded
/// and handed to `respond`, whose answer (lines, or nothing to stay silent) is written back.
/// Runs on its own queue; the recorded lines are read with `waitForCommand`.
final class PseudoTerminalModule: @unchecked Sendable {
    let slavePath: String
    private var master: Int32
    /// A descriptor of the slave the module itself holds, so that the master never sees the
    /// hang-up of "no slave open" when the channel under test closes the port: libdispatch
    /// stops watching a descriptor after EPOLLHUP, and the module would be deaf to the next
    /// open (a real ttyUSB node also stays there between opens).
    private var slaveHold: Int32 = -1
    private let queue = DispatchQueue(label: "fake-module")
    private var source: DispatchSourceRead?
    private var buffer: [UInt8] = []
    private let lock = NSCondition()
    private var commands: [String] = []
    /// Decides the answer to one command line (without CR); nil stays silent.
    var respond: @Sendable (String) -> [String]? = { _ in ["OK"] }

    init() throws {
        // posix_openpt/ptsname are hidden behind _XOPEN_SOURCE in Glibc's module; the ioctls
        // they wrap are not: TIOCSPTLCK (unlock) and TIOCGPTN (pts number).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, UInt(0x4004_5431), &unlock) == 0, ioctl(master, UInt(0x8004_5430), &number) == 0 else {
            throw NSError(domain: "pty", code: Int(errno))
        }
        slavePath = "/dev/pts/\(number)"
        slaveHold = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slaveHold >= 0 else { throw NSError(domain: "pty", code: Int(errno)) }
        // Raw from the start, as a ttyUSB node is: no echo of the module's own lines back to it.
        var settings = termios()
        guard tcgetattr(slaveHold, &settings) == 0 else { throw NSError(domain: "pty", code: Int(errno)) }
        cfmakeraw(&settings)
        guard tcsetattr(slaveHold, TCSANOW, &settings) == 0 else { throw NSError(domain: "pty", code: Int(errno)) }
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: master, queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable() }
        source.resume()
        self.source = source
    }

    // Not `hangUp()`: the last reference can be dropped by the read handler's temporary strong
    // `self` on `queue` itself, where `queue.sync` would deadlock (libdispatch traps on it).
    // In deinit nothing else can touch the fields, so no queue hop is needed.
    deinit {
        source?.cancel()
        if master >= 0 { close(master) }
        if slaveHold >= 0 { close(slaveHold) }
    }

    /// Writes lines as the module would (CR LF around each).
    func send(_ lines: [String]) {
        write(Array(lines.map { "\r\n\($0)\r\n" }.joined().utf8))
    }

    func write(_ bytes: [UInt8]) {
        queue.sync {
            guard master >= 0 else { return }
            _ = bytes.withUnsafeBytes { Foundation.write(master, $0.baseAddress, $0.count) }
        }
    }

    /// Writes `bytes` completely from the calling thread, waiting whenever the pty is full:
    /// for floods larger than the pty's buffer (the fake module keeps reading commands).
    func writeAll(_ bytes: [UInt8]) {
        let fd = queue.sync { master }
        var offset = 0
        while offset < bytes.count, fd >= 0 {
            let count = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, min($0.count, 4096)) }
            if count > 0 {
                offset += count
            } else if count < 0, errno == EAGAIN || errno == EINTR {
                var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiting, 1, 1000)
            } else {
                return
            }
        }
    }

    /// Closes the master: the slave side sees a hang-up (EIO), like a USB unplug.
    func hangUp() {
        queue.sync {
            source?.cancel()
            source = nil
            if master >= 0 { close(master) }
            master = -1
        }
    }

    /// Waits for the `index`-th command line (0-based) the channel wrote.
    func waitForCommand(_ index: Int, timeout: TimeInterval = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while commands.count <= index {
            if !lock.wait(until: deadline) { return nil }
        }
        return commands[index]
    }

    var written: [String] {
        lock.lock()
        defer { lock.unlock() }
        return commands
    }

    private func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 1024)
        let count = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        guard count > 0 else { return }
        buffer.append(contentsOf: chunk[0..<count])
        while let end = buffer.firstIndex(of: 0x0D) {
            let line = String(decoding: buffer[..<end], as: UTF8.self)
            buffer.removeSubrange(...end)
            lock.lock()
            commands.append(line)
            lock.broadcast()
            lock.unlock()
            if let answer = respond(line), master >= 0 {
                let bytes = Array(answer.map { "\r\n\($0)\r\n" }.joined().utf8)
                _ = bytes.withUnsafeBytes { Foundation.write(master, $0.baseAddress, $0.count) }
            }
        }
    }
}
