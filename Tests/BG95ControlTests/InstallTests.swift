import Foundation
import TestSupport
import XCTest

/// `make install DESTDIR=…` lays out binaries, unit, udev rule, man pages, completions, docs
/// and the example config; `make uninstall` removes exactly those.
final class InstallTests: XCTestCase {
    func testInstallAndUninstallIntoDestdir() throws {
        try TestEnvironment.requireTools(["make", "install", "groff", "python3"])
        let destdir = FileManager.default.temporaryDirectory.appendingPathComponent("bg95-destdir-\(getpid())").path
        try? FileManager.default.removeItem(atPath: destdir)
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        // The binaries the tests already use: no build (swift test holds the build lock).
        let make = ["make", "-C", TestEnvironment.packageRoot, "SKIP_BUILD=1", "PRODUCTS_DIR=\(TestEnvironment.binDirectory)",
                    "DESTDIR=\(destdir)", "PREFIX=/usr"]
        let install = try Command.run(make + ["install"])
        XCTAssertEqual(install.status, 0, install.stderr + install.stdout)

        var expected = [
            "/usr/bin/bg95d", "/usr/bin/bg95ctl",
            "/usr/lib/systemd/system/bg95d.service",
            "/etc/udev/rules.d/70-bg95.rules",
            "/usr/share/man/man1/bg95ctl.1", "/usr/share/man/man8/bg95d.8",
            "/usr/share/bash-completion/completions/bg95ctl",
            "/usr/share/zsh/site-functions/_bg95ctl",
            "/usr/share/fish/vendor_completions.d/bg95ctl.fish",
            "/usr/share/doc/bg95/README.md", "/usr/share/doc/bg95/control-api.md",
        ]
        if FileManager.default.fileExists(atPath: TestEnvironment.packageRoot + "/config/bg95d.conf.example") {
            expected.append("/usr/share/doc/bg95/bg95d.conf.example")
        }
        XCTAssertEqual(try files(under: destdir), expected.sorted())

        for binary in ["/usr/bin/bg95d", "/usr/bin/bg95ctl"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: destdir + binary), binary)
        }
        let help = try Command.run([destdir + "/usr/bin/bg95ctl", "--help"])
        XCTAssertEqual(help.status, 0)

        // The unit runs the installed binary.
        let unit = try String(contentsOfFile: destdir + "/usr/lib/systemd/system/bg95d.service", encoding: .utf8)
        XCTAssertTrue(unit.contains("\nExecStart=/usr/bin/bg95d run\n"), unit)
        XCTAssertTrue(unit.contains("file:///usr/share/doc/bg95/control-api.md"))

        // The man page renders and documents every subcommand and the exit codes.
        for (page, fragments) in [
            ("/usr/share/man/man1/bg95ctl.1", ["BG95CTL(1)", "bg95ctl status (default)", "bg95ctl watch", "bg95ctl doctor", "bg95ctl at",
                                               "--until state", "--socket path", "EXIT STATUS", "bg95d is not running"]),
            ("/usr/share/man/man8/bg95d.8", ["BG95D(8)", "FILES", "/etc/bg95d.conf"]),
        ] {
            let man = try Command.run(["groff", "-man", "-Tascii", "-P-cbu", "-ww", destdir + page])
            XCTAssertEqual(man.status, 0, man.stderr)
            XCTAssertEqual(man.stderr, "", "groff warnings for \(page)")
            for fragment in fragments {
                XCTAssertTrue(man.stdout.contains(fragment), "\(page) lacks \(fragment):\n\(man.stdout)")
            }
        }
        // Completions know the subcommands.
        let bash = try String(contentsOfFile: destdir + "/usr/share/bash-completion/completions/bg95ctl", encoding: .utf8)
        for word in ["status", "up", "down", "at", "watch", "doctor", "--socket"] {
            XCTAssertTrue(bash.contains(word), "bash completion lacks \(word)")
        }
        XCTAssertEqual(try Command.run(["bash", "-n", destdir + "/usr/share/bash-completion/completions/bg95ctl"]).status, 0)

        let uninstall = try Command.run(make + ["uninstall"])
        XCTAssertEqual(uninstall.status, 0, uninstall.stderr)
        XCTAssertEqual(try files(under: destdir), [])
    }

    /// Regular files below `root`, as absolute paths inside it.
    private func files(under root: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append("/" + relative)
            }
        }
        return found.sorted()
    }
}
