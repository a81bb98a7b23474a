#if canImport(Glibc)
import Glibc
#endif
import BG95Core
import BG95System

/// The last leased address, kept in `state_dir/lease` so a restarted daemon asks for the same
/// address again (INIT-REBOOT) instead of losing it.
enum LeaseMemory {
    static func path(_ directory: String) -> String { directory + "/lease" }

    static func save(_ address: IPv4Address, stateDirectory: String) {
        mkdir(stateDirectory, 0o755)
        try? TextFile.writeAtomically("\(address)\n", to: path(stateDirectory))
    }

    static func load(stateDirectory: String) -> IPv4Address? {
        guard let text = try? TextFile.read(path(stateDirectory), limit: 64) else { return nil }
        return IPv4Address(text.split(separator: "\n").first ?? "")
    }

    static func forget(stateDirectory: String) {
        unlink(path(stateDirectory))
    }
}
