import Foundation
import PyrometerStore
import PyrometerTestSupport
import PyrometerModel
import Testing

/// The two backends under one test suite: a fresh SQLite file, or a fresh database on the local ClickHouse server
/// that `scripts/clickhouse.sh` starts. On a machine without clickhouse-server the ClickHouse cases are cancelled
/// with the reason (scripts/test.sh installs it and requires it).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, clickhouse

    var testDescription: String { rawValue }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let clickHouseScript = repository.appendingPathComponent("scripts/clickhouse.sh").path

    /// `http://127.0.0.1:PORT` of the test server, started once per test process. A server these tests started is
    /// stopped when the process exits, so that no test leaves one running; one that was running already (started
    /// by scripts/test.sh, or by hand) is left to whoever started it.
    static let clickHouseURL: Result<String, StoreError> = {
        let script = clickHouseScript
        let wasRunning = Shell.run(["bash", script, "status"]).status == 0
        let start = Shell.run(["bash", script, "start"])
        guard start.status == 0 else {
            return .failure(StoreError("scripts/clickhouse.sh start failed (\(start.status)):\n\(start.output)"))
        }
        if !wasRunning { atexit { _ = Shell.run(["bash", Backend.clickHouseScript, "stop"]) } }
        let url = Shell.run(["bash", script, "url"])
        return .success(url.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    /// A store specification for a new, empty store.
    func freshSpecification() throws -> String {
        let unique = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-store-\(unique)")
            return "sqlite:" + directory.appendingPathComponent("profiles.sqlite").path
        case .clickhouse:
            if !ExternalTool.clickhouse.shouldRun { try Test.cancel(Comment(rawValue: ExternalTool.clickhouse.skipReason)) }
            let base = try Self.clickHouseURL.get()
            return base.replacingOccurrences(of: "http://", with: "clickhouse://") + "/test_\(unique)"
        }
    }

    func freshStore() throws -> ProfileStore { try StoreLocation.open(try freshSpecification()) }
}

/// Runs a command; returns its status and its standard output and error together.
enum Shell {
    static func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, output: String) {
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

/// Profiles with known contents, for checking what comes back.
enum Sample {
    static func profile(service: String = "api", week: String, day: Int = 0, labels: [String: String] = [:],
                        type: String = "cpu", unit: String = "nanoseconds", isDefault: Bool = true,
                        stacks: [(String, Int64)]) throws -> NewProfile {
        let time = try #require(IsoWeek(label: week)).startNanos + Int64(day) * 86_400_000_000_000 + 3_600_000_000_000
        return NewProfile(service: service, labels: labels, sampleType: type, unit: unit, isDefault: isDefault,
                          timeNanos: time, durationNanos: 10_000_000_000, sourceFormat: "folded", source: "test.folded",
                          stacks: stacks.map { StackValue(frames: $0.0, value: $0.1) })
    }

    /// Stacks as a dictionary, for order-free comparison.
    static func sums(_ stacks: [StackValue]) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for stack in stacks { result[stack.frames, default: 0] += stack.value }
        return result.filter { $0.value != 0 }
    }
}
