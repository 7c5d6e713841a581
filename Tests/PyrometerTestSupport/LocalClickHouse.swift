import Foundation
import Testing

/// The local ClickHouse server that `scripts/clickhouse.sh` starts on 127.0.0.1, shared by every suite of a test
/// process: the store's tests and the server's (two `serve` processes on one database).
public enum LocalClickHouse {
    static let script = Repository.root.appendingPathComponent("scripts/clickhouse.sh").path

    public struct StartFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// `http://127.0.0.1:PORT`, started once per test process. A server these tests started is stopped when the
    /// process exits, so that no test leaves one running; one that was running already (started by scripts/test.sh,
    /// or by hand) is left to whoever started it.
    public static let url: Result<String, StartFailed> = {
        let wasRunning = Shell.run(["bash", script, "status"]).status == 0
        let start = Shell.run(["bash", script, "start"])
        guard start.status == 0 else {
            return .failure(StartFailed(description: "scripts/clickhouse.sh start failed (\(start.status)):\n\(start.output)"))
        }
        if !wasRunning { atexit { _ = Shell.run(["bash", LocalClickHouse.script, "stop"]) } }
        let url = Shell.run(["bash", script, "url"])
        return .success(url.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    /// A store specification for a new, empty database (`clickhouse://127.0.0.1:PORT/test_...`); the test is
    /// cancelled, with the reason, on a machine without clickhouse-server.
    public static func freshStoreSpecification() throws -> String {
        if !ExternalTool.clickhouse.shouldRun { try Test.cancel(Comment(rawValue: ExternalTool.clickhouse.skipReason)) }
        let unique = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        return try url.get().replacingOccurrences(of: "http://", with: "clickhouse://") + "/test_\(unique)"
    }
}

/// Runs a command; returns its status and its standard output and error together.
public enum Shell {
    public static func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
