import ArgumentParser
import Dispatch
import Foundation
import Simulator
#if canImport(Glibc)
import Glibc
#endif

/// Process-level plumbing shared by the subcommands: root check, the umockdev preload,
/// signal handling.
enum Host {
    static func requireRoot() throws {
        guard geteuid() == 0 else {
            throw ValidationError("bg95sim needs root (network namespaces, veth, nftables)")
        }
    }

    /// The simulator must itself run under the umockdev preload, or the testbed's uevents and
    /// ptys do not work (test-rig.md): re-execute this binary with it when it is missing.
    static func ensurePreload() throws {
        let current = ProcessInfo.processInfo.environment["LD_PRELOAD"] ?? ""
        guard !current.contains("libumockdev-preload") else { return }
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = current.isEmpty ? "libumockdev-preload.so.0" : "libumockdev-preload.so.0:\(current)"
        env["UMOCKDEV_DIR"] = nil
        let args = CommandLine.arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve("/proc/self/exe", args, envp)
        throw ValidationError("cannot re-execute with the umockdev preload: \(String(cString: strerror(errno)))")
    }

    nonisolated(unsafe) static var signalSources: [DispatchSourceSignal] = []

    /// Routes SIGTERM, SIGINT and SIGHUP to `handler` on `queue` (never the default action, so
    /// teardown always runs).
    static func onTerminationSignals(queue: DispatchQueue, _ handler: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { handler(sig) }
            source.resume()
            signalSources.append(source)
        }
        signal(SIGPIPE, SIG_IGN)
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data("bg95sim: \(text)\n".utf8))
    }

    /// KEY=value lines, sorted.
    static func envLines(_ env: [String: String]) -> String {
        env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n"
    }
}
