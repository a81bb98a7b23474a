import Glibc

/// Runs a helper program (`ip`, `ping`) and collects its output; doctor uses the same tools an
/// operator would type, so what it prints can be re-run by hand.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `argv` (argv[0] looked up in PATH, then /usr/sbin, /sbin, /usr/bin, /bin) with
    /// stdout and stderr captured together; status 127 when it cannot start.
    static func run(_ argv: [String]) -> Result {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return Result(status: 127, output: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        let path = resolve(argv[0])
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, &cArgs, environ)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        guard spawned == 0 else { return Result(status: 127, output: "\(argv[0]): \(String(cString: strerror(spawned)))") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, 4096) }
            if count > 0 { bytes += buffer[0..<count]; if bytes.count > 1 << 20 { break } ; continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        var text = String(decoding: bytes, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return Result(status: exit, output: text)
    }

    static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        let path = (getenv("PATH").map { String(cString: $0) } ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        return name
    }
}
