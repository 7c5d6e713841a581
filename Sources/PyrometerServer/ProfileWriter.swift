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
    /// queue; once per `pushKey` when the client sent one (`replayed`: stored by an earlier attempt). One queue
    /// also means a retry that arrives while its first attempt is still being written waits for it.
    func add(_ profiles: [IngestedProfile], source: String, pushKey: PushKey?) async throws
        -> (stored: [StoredProfile], replayed: Bool) {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let rows = self.rows(profiles, source: source)
                    // A push of no samples stores nothing, so there is nothing to answer a retry with either.
                    guard !rows.isEmpty else { return ([], false) }
                    guard let pushKey else { return (try self.store.add(rows), false) }
                    return try self.store.add(rows, pushKey: pushKey)
                })
            }
        }
    }

    private func rows(_ profiles: [IngestedProfile], source: String) -> [NewProfile] {
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
        return rows
    }
}
