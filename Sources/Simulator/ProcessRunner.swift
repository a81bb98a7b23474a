import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import BG95System

/// The outcome of a helper command (ip, nft, dnsmasq, ping).
public struct ProcessOutput: Sendable {
    public let status: Int32
    public let output: String
    public var succeeded: Bool { status == 0 }
}

/// Starts child processes with posix_spawn.
///
/// Helper tools (ip, nft, dnsmasq, ping) get the environment without the umockdev preload:
/// only the command under test should see the fake /sys and /dev. Signals the simulator
/// ignores (so Dispatch can handle them) are reset to their defaults in every child.
public enum ProcessRunner {
    /// The environment for helper tools: ours minus LD_PRELOAD and UMOCKDEV_DIR.
    public static func helperEnvironment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = nil
        env["UMOCKDEV_DIR"] = nil
        if env["PATH"] == nil { env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" }
        return env
    }

    /// Runs `argv` to completion (stdout and stderr merged) with the helper environment.
    @discardableResult
    public static func run(_ argv: [String]) -> ProcessOutput {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return ProcessOutput(status: -1, output: "pipe: \(SystemError.current("pipe2"))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let pid: pid_t
        do {
            pid = try spawn(argv, environment: helperEnvironment(), stdout: fds[1], stderr: fds[1])
        } catch {
            close(fds[0]); close(fds[1])
            return ProcessOutput(status: -1, output: "\(error)")
        }
        close(fds[1])
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n > 0 { data += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(fds[0])
        let status = wait(pid)
        return ProcessOutput(status: status, output: String(decoding: data, as: UTF8.self))
    }

    /// Runs `argv` and throws with its output unless it exits 0.
    @discardableResult
    public static func check(_ argv: [String]) throws -> ProcessOutput {
        let result = run(argv)
        guard result.succeeded else { throw SimulatorError.command(argv.joined(separator: " "), result.status, result.output) }
        return result
    }

    /// Starts `argv` without waiting. stdin is /dev/null; stdout/stderr go to the given fds
    /// (or to /dev/null when -1).
    public static func spawn(
        _ argv: [String], environment: [String: String], stdout: Int32 = -1, stderr: Int32 = -1,
        newSession: Bool = false, inheritStdin: Bool = false
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if !inheritStdin { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if stdout >= 0 { posix_spawn_file_actions_adddup2(&actions, stdout, 1) } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if stderr >= 0 { posix_spawn_file_actions_adddup2(&actions, stderr, 2) } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        markDescriptorsCloseOnExec()
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession { flags |= 0x80 }  // POSIX_SPAWN_SETSID (glibc), not imported without _GNU_SOURCE
        posix_spawnattr_setflags(&attr, Int16(flags))

        let path = argv[0].hasPrefix("/") ? argv[0] : (which(argv[0]) ?? argv[0])
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw SystemError(code: rc, call: "posix_spawn(\(path))") }
        return pid
    }

    /// Nothing but stdio crosses into a child: a leaked pty master (umockdev opens them without
    /// O_CLOEXEC) would keep the AT port alive after its device was removed.
    static func markDescriptorsCloseOnExec() {
        guard let dir = opendir("/proc/self/fd") else { return }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let fd = Int32(name), fd >= 3, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Waits for `pid` and returns its exit status (128+signal when killed).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        return decode(status)
    }

    /// Non-blocking check: the exit status once `pid` has ended, else nil.
    public static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { return decode(status) }
        if rc == -1 && errno == ECHILD { return -1 }
        return nil
    }

    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    /// The full path of `tool` on PATH plus the sbin folders, or nil.
    public static func which(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in path.split(separator: ":") where access("\(dir)/\(tool)", X_OK) == 0 {
            return "\(dir)/\(tool)"
        }
        return nil
    }
}

/// Watches spawned children from a queue and reports their exit status there.
///
/// A 25 ms poll of `waitpid(pid, WNOHANG)` for the registered pids only: it never steals the
/// status of a child that `ProcessRunner.run` waits for synchronously.
final class ChildWatcher: @unchecked Sendable {
    private let queue: DispatchQueue
    private var watched: [pid_t: (Int32) -> Void] = [:]
    private var timer: DispatchSourceTimer?

    init(queue: DispatchQueue) { self.queue = queue }

    func watch(_ pid: pid_t, onExit: @escaping (Int32) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        watched[pid] = onExit
        if timer == nil {
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + .milliseconds(25), repeating: .milliseconds(25))
            t.setEventHandler { [weak self] in self?.check() }
            t.resume()
            timer = t
        }
    }

    func forget(_ pid: pid_t) { watched[pid] = nil }

    private func check() {
        for (pid, handler) in watched {
            if let status = ProcessRunner.poll(pid) {
                watched[pid] = nil
                handler(status)
            }
        }
        if watched.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }
}

/// Failures of the simulator's own setup, with what failed.
public enum SimulatorError: Error, CustomStringConvertible {
    case command(String, Int32, String)
    case umockdev(String)
    case setup(String)

    public var description: String {
        switch self {
        case .command(let cmd, let status, let output):
            return "`\(cmd)` exited \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .umockdev(let what): return "umockdev: \(what)"
        case .setup(let what): return what
        }
    }
}
