import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where one prefix's simulator keeps its files: `/run/bg95sim/<prefix>/` holds the umockdev
/// testbed, the control socket, dnsmasq's lease/log files, the pid, env and state files.
/// Everything is deleted on teardown.
public enum RunFolder {
    public static let base = "/run/bg95sim"

    public static func path(prefix: String) -> String { "\(base)/\(prefix)" }
    public static func controlSocket(prefix: String) -> String { path(prefix: prefix) + "/ctl.sock" }
    public static func pidFile(prefix: String) -> String { path(prefix: prefix) + "/pid" }
    public static func envFile(prefix: String) -> String { path(prefix: prefix) + "/env" }
    /// The log of a background simulator (`bg95sim start`); beside the folder so it survives
    /// a failed start long enough to be shown.
    public static func startLog(prefix: String) -> String { "\(base)/\(prefix).log" }

    /// The pid of a live simulator for `prefix`, if any (not this process).
    public static func livePID(prefix: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: pidFile(prefix: prefix), encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, pid != getpid(),
              kill(pid, 0) == 0,
              let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), cmdline.contains("bg95sim")
        else { return nil }
        return pid
    }

    /// Alive and not a zombie: a background simulator is reparented to init, which may reap
    /// it late, and its teardown is complete once it exited.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Removes whatever a previous run of `prefix` left behind: its simulator process, its
    /// namespaces (with every process in them) and its folder.
    public static func cleanupLeftovers(prefix: String, waitSeconds: Double = 10) {
        if let pid = livePID(prefix: prefix) {
            kill(pid, SIGTERM)
            var waited = 0.0
            while isRunning(pid) && waited < waitSeconds {
                usleep(20_000)
                waited += 0.02
            }
            if isRunning(pid) { kill(pid, SIGKILL); usleep(100_000) }
        }
        NetworkTopology.deleteNamespaces(prefix: prefix)
        try? FileManager.default.removeItem(atPath: path(prefix: prefix))
    }
}
