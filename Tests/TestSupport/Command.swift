import Foundation

/// The outcome of a finished command.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var succeeded: Bool { status == 0 }
}

public struct CommandError: Error, CustomStringConvertible {
    public let argv: [String]
    public let result: CommandResult
    public var description: String {
        "`\(argv.joined(separator: " "))` exited \(result.status): \(result.stderr)\(result.stdout)"
    }
}

/// Runs external commands (ip, nft, dnsmasq, the built products) for integration tests.
public enum Command {
    /// Runs `argv` to completion and returns its status and output.
    @discardableResult
    public static func run(_ argv: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(argv[0]))
        process.arguments = Array(argv.dropFirst())
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Runs `argv` and throws `CommandError` unless it exits 0.
    @discardableResult
    public static func check(_ argv: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let result = try run(argv, environment: environment)
        guard result.succeeded else { throw CommandError(argv: argv, result: result) }
        return result
    }

    /// Runs `argv` inside network namespace `netns`.
    @discardableResult
    public static func inNamespace(_ netns: String, _ argv: [String]) throws -> CommandResult {
        try check(["ip", "netns", "exec", netns] + argv)
    }

    private static func resolve(_ tool: String) -> String {
        tool.hasPrefix("/") ? tool : (TestEnvironment.which(tool) ?? tool)
    }
}
