/// One stored profile: the metadata of one sample type of one ingested input. A pprof heap profile with four
/// sample types is stored as four of these, added together; `isDefault` marks the input's default sample type.
public struct StoredProfile: Equatable, Sendable {
    public var id: Int64
    public var service: String
    public var labels: [String: String]
    public var sampleType: String
    public var unit: String
    public var isDefault: Bool
    /// When the profile was taken (Unix nanoseconds) and for how long (0 when unknown).
    public var timeNanos: Int64
    public var durationNanos: Int64
    /// The importer the input went through (`pprof`, `perf-script`, `perf.data`, `folded`).
    public var sourceFormat: String
    /// The input's file name, for people reading lists.
    public var source: String
    /// Sum of the values, and how many distinct stacks carry them.
    public var total: Int64
    public var stacks: Int64
    /// When the profile entered the store (Unix nanoseconds).
    public var addedNanos: Int64

    public init(id: Int64, service: String, labels: [String: String], sampleType: String, unit: String,
                isDefault: Bool, timeNanos: Int64, durationNanos: Int64, sourceFormat: String,
                source: String, total: Int64, stacks: Int64, addedNanos: Int64) {
        self.id = id
        self.service = service
        self.labels = labels
        self.sampleType = sampleType
        self.unit = unit
        self.isDefault = isDefault
        self.timeNanos = timeNanos
        self.durationNanos = durationNanos
        self.sourceFormat = sourceFormat
        self.source = source
        self.total = total
        self.stacks = stacks
        self.addedNanos = addedNanos
    }

    /// The ISO week of `timeNanos` (UTC), and its label: `2026-W47`.
    public var isoWeek: IsoWeek { IsoWeek(containingNanos: timeNanos) }
    public var week: String { isoWeek.label }

}

/// A folded stack (frames outermost first, joined with `;`) and its value.
