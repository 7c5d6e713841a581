import Foundation
import PyrometerModel
import PyrometerStore

/// The store as the read routes see it: a connection of its own (the writer's stays the writer's), used on threads
/// of its own. The store's calls are synchronous and a range of 100k stacks takes a second or more to read and lay
/// out; run on Swift concurrency's few threads (two on a two-core host), that would stall every other request,
/// pushes included.
///
/// Up to `concurrentReads` reads run at once, the rest wait in order: one 100k-stack diff (14 s in a debug build)
/// no longer holds up the services list or a small range behind it. Both stores answer concurrent calls (SQLite
/// reads through a WAL pool, ClickHouse over HTTP); a store object keeps no state of its own between calls.
final class ProfileReader: @unchecked Sendable {
    /// Two: a second view is answered while a large one is read, and memory stays bounded by two large ranges.
    static let concurrentReads = 2
    // Only read after init, from any thread: that is what makes the unchecked Sendable true.
    private let store: ProfileStore
    private let queue: OperationQueue = {
        let queue = OperationQueue()
        queue.name = "pyrometer.serve.reader"
        queue.maxConcurrentOperationCount = ProfileReader.concurrentReads
        return queue
    }()

    init(location: String?) throws {
        store = try StoreLocation.open(location)
    }

    /// Runs `body` with the store on one of the reader's threads.
    func read<T: Sendable>(_ body: @escaping @Sendable (ProfileStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.addOperation { continuation.resume(with: Result { try body(self.store) }) }
        }
    }
}

/// A range's profile, read from the store with its sample type settled.
struct RangeProfile {
    var profile: Profile
    var sampleType: ValueType
    var matched: [StoredProfile]

    /// The first matched profile's start and the last one's end, as store times.
    var from: String { StoreTime.format(matched.map(\.timeNanos).min() ?? 0) }
    var to: String { StoreTime.format(matched.map { $0.timeNanos + $0.durationNanos }.max() ?? 0) }

    /// The profile `request` names; nil when the service has profiles but none in the range. Errors are
    /// `QueryError`s the client can act on: an unknown service (404), several sample types to choose from or
    /// units that differ (400).
    static func load(_ request: RangeRequest, from store: ProfileStore) throws -> RangeProfile? {
        guard let settled = try matching(request, from: store) else { return nil }
        let profile = try StoredStacks.load(settled.query, from: store).profile
        return RangeProfile(profile: profile, sampleType: ValueType(type: settled.type, unit: settled.unit),
                            matched: settled.matched)
    }

    /// The profiles `request` names with its sample type settled, without reading their stacks (the trend needs
    /// only the type); nil and errors as `load`'s.
    static func matching(_ request: RangeRequest, from store: ProfileStore) throws
        -> (query: ProfileQuery, type: String, unit: String, matched: [StoredProfile])? {
        var query = request.query
        let candidates = try store.list(query)
        guard !candidates.isEmpty else {
            // Nothing in range is an empty graph; a service or sample type the store never had is an error.
            var service = ProfileQuery()
            service.service = query.service
            let known = Set(try store.list(service).map(\.sampleType))
            if known.isEmpty { throw QueryError.notFound("no profiles of service '\(query.service ?? "")' in the store") }
            if let type = query.sampleType, !known.contains(type) {
                throw QueryError.notFound("service '\(query.service ?? "")' has no '\(type)' profiles (it has: "
                                          + known.sorted().joined(separator: ", ") + ")")
            }
            return nil
        }
        if query.sampleType == nil {
            // As `store:` inputs choose: the one default type of the matched inputs.
            let defaults = candidates.filter(\.isDefault)
            let types = Set((defaults.isEmpty ? candidates : defaults).map(\.sampleType))
            guard types.count == 1, let type = types.first else {
                throw QueryError.badRequest("the profiles in range have several sample types ("
                                            + types.sorted().joined(separator: ", ") + "): give type=NAME")
            }
            query.sampleType = type
        }
        let matched = candidates.filter { $0.sampleType == query.sampleType }
        guard let unit = matched.first?.unit else { return nil }
        guard matched.allSatisfy({ $0.unit == unit }) else {
            throw QueryError.badRequest("the '\(query.sampleType ?? "")' profiles in range are in different units "
                                        + "(" + Set(matched.map(\.unit)).sorted().joined(separator: ", ") + "): narrow the range")
        }
        return (query, query.sampleType!, unit, matched)
    }
}
