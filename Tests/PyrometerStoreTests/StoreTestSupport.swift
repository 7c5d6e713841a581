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

    /// A store specification for a new, empty store.
    func freshSpecification() throws -> String {
        let unique = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-store-\(unique)")
            return "sqlite:" + directory.appendingPathComponent("profiles.sqlite").path
        case .clickhouse:
            return try LocalClickHouse.freshStoreSpecification()
        }
    }

    func freshStore() throws -> ProfileStore { try StoreLocation.open(try freshSpecification()) }
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
