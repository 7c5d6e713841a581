import Dispatch
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerServe
import PyrometerStore

/// Writes pushed profiles to the store, one request at a time and all or none: every sample type of every profile
/// of a request goes in one `ProfileStore.add`, which commits them together (a request is never half stored).
///
/// The store's calls are synchronous (SQLite through GRDB, ClickHouse over HTTP) and a large push takes seconds:
/// they run on a serial queue of the writer's own, never on Swift concurrency's few threads (two on a two-core
/// host), which a long write would take from every other request (seen under AddressSanitizer: a 100k-stack push
/// made small pushes time out). One writer at a time is what SQLite allows anyway.
final class ProfileWriter: @unchecked Sendable {
    // Touched only on `queue`: that is what makes the unchecked Sendable true.
    private let store: ProfileStore
    private let queue = DispatchQueue(label: "pyrometer.serve.writer")
    let displayName: String

    init(location: String?) throws {
        store = try StoreLocation.open(location)
        displayName = store.displayName
    }

    /// Stores `profiles` (taken now when they carry no time), from a push described by `source`, on the writer's
    /// queue.
    func add(_ profiles: [IngestedProfile], source: String) async throws -> [StoredProfile] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.write(profiles, source: source) }) }
        }
    }

    private func write(_ profiles: [IngestedProfile], source: String) throws -> [StoredProfile] {
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        var rows: [NewProfile] = []
        for ingested in profiles {
            var stored = StoredStacks.newProfiles(
                from: ingested.profile, fold: FoldOptions(), service: ingested.service, labels: ingested.labels,
                timeNanos: ingested.timeNanos ?? now, source: source)
            if let duration = ingested.durationNanos {
                for index in stored.indices where stored[index].durationNanos == 0 { stored[index].durationNanos = duration }
            }
            rows += stored
        }
        guard !rows.isEmpty else { return [] }
        return try store.add(rows)
    }
}
