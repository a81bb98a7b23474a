#if canImport(Glibc)
import Glibc
#endif
import DHCPProtocol
import BG95Core

/// The last leased address, kept in `state_dir/lease` so a restarted daemon asks for the same
/// address again (INIT-REBOOT) instead of losing it.
enum LeaseMemory {
    static func path(_ directory: String) -> String { directory + "/lease" }

    static func save(_ address: IPv4Address, stateDirectory: String) {
        mkdir(stateDirectory, 0o755)
        let fd = open(path(stateDirectory), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array("\(address)\n".utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static func load(stateDirectory: String) -> IPv4Address? {
        let fd = open(path(stateDirectory), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").first ?? ""
        return IPv4Address(text)
    }

    static func forget(stateDirectory: String) {
        unlink(path(stateDirectory))
    }
}
