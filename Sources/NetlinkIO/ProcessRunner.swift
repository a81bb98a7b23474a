#if canImport(Glibc)
import Glibc
#endif
import BG95System

/// Runs a short helper program (resolvconf, resolvectl) without a shell: argv as given,
/// optional stdin content, stderr captured, bounded by a timeout after which it is killed.
enum ProcessRunner {
    struct Outcome: Equatable {
        var status: Int32
        var standardError: String
    }

    static func run(_ argv: [String], input: String? = nil, timeoutMilliseconds: Int32 = 10_000) throws(SystemError) -> Outcome {
        var inputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        try retryingInterrupts("pipe") { pipe(&inputPipe) }
        guard pipe(&errorPipe) == 0 else {
            let error = SystemError.current("pipe")
            close(inputPipe[0]); close(inputPipe[1])
            throw error
        }
        // Our ends must not leak into the child (dup2 clears the flag on the child's copies).
        for fd in inputPipe + errorPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)

        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        close(inputPipe[0])
        close(errorPipe[1])
        guard spawned == 0 else {
            close(inputPipe[1]); close(errorPipe[0])
            throw SystemError(code: spawned, call: "posix_spawn(\(argv[0]))")
        }

        if let input {
            // Small content, well below the pipe's capacity. A child that exits without
            // reading makes the write fail with EPIPE; SIGPIPE is blocked on this thread for
            // the write and a pending one is consumed, so it cannot kill the daemon.
            var block = sigset_t(), previous = sigset_t()
            sigemptyset(&block)
            sigaddset(&block, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &block, &previous)
            var bytes = Array(input.utf8)
            let written = bytes.withUnsafeMutableBytes { write(inputPipe[1], $0.baseAddress, $0.count) }
            if written < 0 && errno == EPIPE {
                var zero = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&block, nil, &zero)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        close(inputPipe[1])

        var errorText: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        var deadline = timeoutMilliseconds
        while deadline > 0 {
            var descriptor = pollfd(fd: errorPipe[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR { break }
            if ready == 0 { deadline -= 100; continue }
            let count = chunk.withUnsafeMutableBytes { read(errorPipe[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            if errorText.count < 4096 { errorText += chunk[0..<count] }
        }
        close(errorPipe[0])

        var status: Int32 = 0
        if deadline <= 0 || waitpid(pid, &status, WNOHANG) == 0 {
            // Still running after its output closed or the deadline passed: give it the
            // rest of the deadline, then kill it.
            if deadline <= 0 { kill(pid, SIGKILL) }
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            if deadline <= 0 { throw SystemError(code: ETIMEDOUT, call: argv.joined(separator: " ")) }
        }
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: exitStatus, standardError: String(decoding: errorText, as: UTF8.self))
    }
}
