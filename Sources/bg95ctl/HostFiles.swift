import Glibc

/// Small blocking reads of sysfs, procfs and device nodes for `doctor`, through plain libc
/// calls (open, opendir, readlink, stat) so that umockdev's preload redirects /sys and /dev
/// the same way it does for bg95d; /proc is never redirected.
enum HostFiles {
    /// Linux `O_PATH` (Glibc's Swift overlay does not export it).
    static let oPath: Int32 = 0o10000000

    /// The file's contents without the trailing newline; nil when it cannot be read.
    static func read(_ path: String, limit: Int = 4096) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, limit) }
        guard count >= 0 else { return nil }
        var text = String(decoding: buffer[0..<count], as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Entry names of a directory without `.` and `..`; empty when it cannot be read.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The last path component of a symlink's target (a bound driver's name); nil if no link.
    static func linkName(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    /// The whole target of a symlink (e.g. `/proc/<pid>/fd/3` → `/dev/pts/4`).
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path the kernel gives the file behind `path` once opened (what other processes'
    /// /proc/<pid>/fd links show): for a umockdev node that is the pty behind it. Opens with
    /// O_NOCTTY|O_NONBLOCK|O_PATH, which neither acquires nor touches the tty.
    static func openedIdentity(_ path: String) -> String? {
        let fd = open(path, oPath | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return linkTarget("/proc/self/fd/\(fd)")
    }

    /// The device number of a character device (following symlinks), nil otherwise.
    static func characterDevice(_ path: String) -> UInt? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFCHR else { return nil }
        return UInt(info.st_rdev)
    }
}
