import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `pyrometer` binary end to end: arguments, standard input, stdout, stderr, exit status.
public enum CLI {
    /// The repository's root, where the commands run (fixture paths in arguments are relative to it).
    public static let repository = Repository.root

    public static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("pyrometer")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return repository.appendingPathComponent(".build/debug/pyrometer")
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `pyrometer`, or with `tool`, a program found on the path (and in cargo's bin directory: rustc).
    public static func run(_ arguments: [String], stdin: Data? = nil, tool: Bool = false) throws -> Result {
        // A command that fails before reading its input closes the pipe under our writer: that must be an EPIPE
        // error here, not a SIGPIPE that kills the whole test run.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        if tool {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/root/.cargo/bin:"
                + NSHomeDirectory() + "/.cargo/bin"
            process.environment = environment
        } else {
            process.executableURL = executable
        }
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            let writer = input.fileHandleForWriting
            DispatchQueue.global().async {
                try? writer.write(contentsOf: stdin)
                try? writer.close()
            }
        }
        // Read both pipes concurrently so that a full stderr pipe cannot block the child.
        final class Collected: @unchecked Sendable { var data = Data() }
        let errData = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData,
                      stderr: String(decoding: errData.data, as: UTF8.self))
    }

    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
