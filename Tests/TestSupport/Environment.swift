import Foundation
import XCTest

/// Facts about the machine an integration test runs on, checked loudly.
///
/// Integration tests need root (namespaces, veth, raw sockets) and the system tools `make test`
/// installs. They never skip: a missing prerequisite is a test failure that says what is missing.
public enum TestEnvironment {
    /// Fails the calling test (and throws) unless it runs as root.
    public static func requireRoot(file: StaticString = #filePath, line: UInt = #line) throws {
        if geteuid() != 0 {
            XCTFail("this integration test needs root (network namespaces, veth, raw sockets); run `make test` as root", file: file, line: line)
            throw TestEnvironmentError.missing("root")
        }
    }

    /// Fails the calling test (and throws) unless every tool is on PATH.
    public static func requireTools(_ tools: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for tool in tools where which(tool) == nil {
            XCTFail("\(tool) is not installed; `make test` installs it", file: file, line: line)
            throw TestEnvironmentError.missing(tool)
        }
    }

    /// The full path of `tool` on PATH (plus /usr/sbin and /sbin), or nil.
    public static func which(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The folder holding the built executables (bg95d, bg95ctl, bg95sim).
    ///
    /// `make test` exports BG95_BIN_DIR; otherwise the debug folder of this package's `.build`.
    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["BG95_BIN_DIR"], !dir.isEmpty { return dir }
        return packageRoot + "/.build/debug"
    }

    /// The path of a built product, failing loudly when it has not been built.
    public static func product(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = binDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("\(path) is missing: build the package first (`swift build`, or `make test`)", file: file, line: line)
            throw TestEnvironmentError.missing(path)
        }
        return path
    }

    /// The package's root folder, derived from this file's location.
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/Environment.swift
        return url.path
    }

    /// A short prefix unique to this process and call, for namespace, veth and folder names.
    ///
    /// Linux interface names are at most 15 bytes, so the prefix stays at 6 characters.
    public static func uniquePrefix() -> String {
        counter += 1
        let value = (UInt32(getpid()) &* 31 &+ UInt32(counter) &* 7919) % 46656  // 36^3
        return "t" + String(value, radix: 36).leftPadded(to: 3) + String(counter % 36, radix: 36) + "x"
    }
    nonisolated(unsafe) private static var counter = 0
}

public enum TestEnvironmentError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String {
        switch self {
        case .missing(let what): return "missing prerequisite: \(what)"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
