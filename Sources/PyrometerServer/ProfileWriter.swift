import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerServe
import PyrometerStore

/// Writes pushed profiles to the store, one request at a time and all or none: every sample type of every profile
/// of a request goes in one `ProfileStore.add`, which commits them together (a request is never half stored).
///
/// An actor over the store: the store's calls are synchronous (SQLite through GRDB, ClickHouse over HTTP), and one
/// writer at a time is what SQLite allows anyway.
actor ProfileWriter {
    private let store: ProfileStore
    let displayName: String

    init(location: String?) throws {
        store = try StoreLocation.open(location)
        displayName = store.displayName
    }

    /// Stores `profiles` (taken now when they carry no time), from a push described by `source`.
    func add(_ profiles: [IngestedProfile], source: String) throws -> [StoredProfile] {
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
