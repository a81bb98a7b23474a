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

    /// Removes whatever a previous run of `prefix` left behind: its simulator process, its
    /// namespaces (with every process in them) and its folder.
    public static func cleanupLeftovers(prefix: String, waitSeconds: Double = 10) {
        if let pid = livePID(prefix: prefix) {
            kill(pid, SIGTERM)
            var waited = 0.0
            while kill(pid, 0) == 0 && waited < waitSeconds {
                usleep(50_000)
                waited += 0.05
            }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL); usleep(100_000) }
        }
        NetworkTopology.deleteNamespaces(prefix: prefix)
        try? FileManager.default.removeItem(atPath: path(prefix: prefix))
    }
}
