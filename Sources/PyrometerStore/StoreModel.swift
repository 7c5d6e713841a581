import PyrometerModel

/// A store's failure, said so that a user can act on it (which store, what went wrong, what was expected).
public struct StoreError: UserFacingError, Sendable {
    public var description: String
    /// The server could not be reached or did not answer (as opposed to answering with an error).
    public var isUnreachable: Bool
    public init(_ description: String, isUnreachable: Bool = false) {
        self.description = description
        self.isUnreachable = isUnreachable
    }
}

extension StoredProfile {
    /// Ids are random below 2^53 (JSON readers keep them exact): ClickHouse has no sequence, and both backends
    /// should behave alike. SQLite retries a taken id; in ClickHouse two ingests meet with odds of n²/2^54.
    static func newID() -> Int64 { Int64.random(in: 1 ..< (1 << 53)) }
}

public struct StackValue: Equatable, Sendable {
    public var frames: String
    public var value: Int64
    public init(frames: String, value: Int64) {
        self.frames = frames
        self.value = value
    }

    /// The storage key of a stack: `StableHash` of its folded text, where `;` separates frames (the folder writes
    /// `:` for a `;` inside a name, except in perf script names, which it leaves as inferno does: such a name reads
    /// back as two frames, as from any folded file). Never 0, which the ClickHouse rollup reserves for its
    /// per-profile marker rows.
    public static func hash(_ frames: String) -> UInt64 {
        let hash = StableHash.hash(frames, seed: 0x7079_726F_6D65_7472)  // "pyrometr"
        return hash == 0 ? 1 : hash
    }
}

/// A profile to add: its metadata (without id, week and totals, which the store fills in) and its stacks.
public struct NewProfile: Sendable {
    public var service: String
    public var labels: [String: String]
    public var sampleType: String
    public var unit: String
    public var isDefault: Bool
    public var timeNanos: Int64
    public var durationNanos: Int64
    public var sourceFormat: String
    public var source: String
    public var stacks: [StackValue]

    public init(service: String, labels: [String: String], sampleType: String, unit: String, isDefault: Bool,
                timeNanos: Int64, durationNanos: Int64, sourceFormat: String, source: String, stacks: [StackValue]) {
        self.service = service
        self.labels = labels
        self.sampleType = sampleType
        self.unit = unit
        self.isDefault = isDefault
        self.timeNanos = timeNanos
        self.durationNanos = durationNanos
        self.sourceFormat = sourceFormat
        self.source = source
        self.stacks = stacks
    }

    var total: Int64 { stacks.reduce(0) { $0.addingSaturated($1.value) } }

    func stored(id: Int64, addedNanos: Int64) -> StoredProfile {
        StoredProfile(id: id, service: service, labels: labels, sampleType: sampleType, unit: unit,
                      isDefault: isDefault, timeNanos: timeNanos, durationNanos: durationNanos,
                      sourceFormat: sourceFormat, source: source,
                      total: total, stacks: Int64(stacks.count), addedNanos: addedNanos)
    }

    /// Labels and names must be text a report can carry: no control characters, bounded length.
    func validate() throws {
        func check(_ text: String, _ what: String) throws {
            guard !text.isEmpty, text.utf8.count <= 256, !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw StoreError("\(what) '\(text.prefix(40))' must be 1 to 256 bytes without control characters")
            }
        }
        try check(service, "service")
        try check(sampleType, "sample type")
        for (key, value) in labels {
            try check(key, "label key")
            try check(value, "label '\(key)' value")
            guard !ProfileQuery.reservedKeys.contains(key) else {
                throw StoreError("'\(key)' is a query keyword, not a label (reserved: "
                                 + ProfileQuery.reservedKeys.sorted().joined(separator: ", ") + ")")
            }
        }
    }
}

/// One point of a trend: a week, the value of stacks through the function, and the week's total.
public struct TrendPoint: Equatable, Sendable {
    public var week: IsoWeek
    public var value: Int64
    public var total: Int64
    public var share: Double { total == 0 ? 0 : Double(value) / Double(total) }
}

/// What a store keeps and answers. Both backends (SQLite, ClickHouse) implement the same semantics; the shared
/// test suite runs against each.
public protocol ProfileStore: AnyObject {
    /// Where the store is, for messages.
    var displayName: String { get }
    /// Adds profiles (the sample types of one input) all or none: a killed ingest leaves no partial profile.
    func add(_ profiles: [NewProfile]) throws -> [StoredProfile]
    /// `add`, once per push: when the store has seen `pushKey` it adds nothing and returns what that push stored
    /// (`replayed`), or throws `PushKeyReused` when the key came with a different push. Keys are pruned with their
    /// week.
    func add(_ profiles: [NewProfile], pushKey: PushKey) throws -> (stored: [StoredProfile], replayed: Bool)
    /// The profiles the query matches, oldest first (profiles of one time in the order they were added).
    func list(_ query: ProfileQuery) throws -> [StoredProfile]
    /// The stacks of the matched profiles, summed per stack inside the engine, handed to `body` as folded text
    /// (UTF-8, valid during the call) and value. The query names one sample type. Service-and-week queries read
    /// the weekly rollup, not the sample rows.
    func forEachStack(_ query: ProfileQuery, _ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws
    /// Per week of `service`'s `sampleType` profiles: the value of the stacks with a frame named `function`.
    func trend(service: String, sampleType: String, function: String) throws -> [TrendPoint]
    /// Removes the profiles of every week that ended before `week` began, with their rollups; returns how many.
    func prune(before week: IsoWeek) throws -> Int
}

extension ProfileStore {
    /// `forEachStack`, collected.
    public func stacks(_ query: ProfileQuery) throws -> [StackValue] {
        var result: [StackValue] = []
        try forEachStack(query) { frames, value in
            result.append(StackValue(frames: String(decoding: frames, as: UTF8.self), value: value))
        }
        return result
    }
}
