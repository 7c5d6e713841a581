import PyrometerAnalyze
import PyrometerModel

/// Conversions between the hub `Profile` and stored rows: a profile is stored as its folded stacks (one row set per
/// sample type); a query's rows become a profile again, which every render and analysis command takes.
public enum StoredStacks {
    /// One `NewProfile` per sample type of `profile`, folded with `fold` (its sample type is set per type).
    public static func newProfiles(from profile: Profile, fold: FoldOptions, service: String,
                                   labels: [String: String], timeNanos: Int64, source: String,
                                   sampleTypes: [Int]? = nil) -> [NewProfile] {
        let types = sampleTypes ?? Array(profile.sampleTypes.indices)
        return types.map { type in
            var options = fold
            options.sampleType = type
            // Analyses of stored profiles tell functions apart by their full names and need to know which frames
            // were inlined (perf prints them as frames of their own): both are kept in the text.
            options.fullNames = true
            options.markInlineFrames = true
            let folded = Folder(options: options).fold(profile)
            let text = folded.sortedText()
            var stacks: [StackValue] = []
            stacks.reserveCapacity(text.order.count)
            for index in text.order where text.values[index] != 0 {
                stacks.append(StackValue(frames: String(decoding: text.bytes[text.ranges[index]], as: UTF8.self),
                                         value: text.values[index]))
            }
            return NewProfile(service: service, labels: labels, sampleType: profile.sampleTypes[type].type,
                              unit: profile.sampleTypes[type].unit, isDefault: type == profile.defaultSampleType,
                              timeNanos: timeNanos, durationNanos: profile.durationNanos,
                              sourceFormat: profile.sourceFormat, source: source, stacks: stacks)
        }
    }

    /// Reads the profile a store query names: its sample type is the query's, else the one type of the matched
    /// inputs' defaults (an error names the choices when they differ).
    public static func load(_ query: ProfileQuery, from store: ProfileStore) throws -> (profile: Profile, matched: [StoredProfile]) {
        let (query, matched) = try matching(query, in: store)
        var builder = StackProfileBuilder(sampleType: query.sampleType!, unit: matched.first?.unit ?? "count")
        try store.forEachStack(query) { frames, value in builder.add(frames, value: value) }
        let first = matched.map(\.timeNanos).min() ?? 0
        let last = matched.map { $0.timeNanos + $0.durationNanos }.max() ?? 0
        return (builder.build(timeNanos: first, durationNanos: max(0, last - first)), matched)
    }

    /// The profiles `query` names, and the query with its sample type settled (the query's, else the one type of
    /// the matched inputs' defaults). An error says when nothing matched, names the choices of type when they
    /// differ, and refuses profiles of one type in different units.
    public static func matching(_ query: ProfileQuery, in store: ProfileStore) throws -> (query: ProfileQuery, matched: [StoredProfile]) {
        var query = query
        let candidates = try store.list(query)
        guard !candidates.isEmpty else {
            throw StoreError("no stored profiles match '\(query)' in \(store.displayName) (see `pyrometer store list`)")
        }
        if query.sampleType == nil {
            let defaults = candidates.filter(\.isDefault)
            let types = Set((defaults.isEmpty ? candidates : defaults).map(\.sampleType))
            guard types.count == 1, let type = types.first else {
                throw StoreError("profiles matching '\(query)' have several sample types (\(types.sorted().joined(separator: ", "))): "
                                 + "add type=NAME to the query")
            }
            query.sampleType = type
        }
        let matched = candidates.filter { $0.sampleType == query.sampleType }
        let units = Set(matched.map(\.unit))
        guard units.count <= 1 else {
            throw StoreError("profiles matching '\(query)' measure \(query.sampleType!) in different units "
                             + "(\(units.sorted().joined(separator: ", "))): narrow the query")
        }
        return (query, matched)
    }
}

/// Turns folded stack texts (frames outermost first, joined with `;`) into a profile of one sample type.
struct StackProfileBuilder {
    private var builder: ProfileBuilder
    /// Each frame name's location, found by the name's bytes: stored stacks repeat a few thousand names in
    /// hundreds of thousands of frames, and a `String` per frame was most of turning rows into a profile.
    private var locations = ByteTable(capacity: 4096)
    private var frames: [LocationID] = []

    init(sampleType: String, unit: String) {
        builder = ProfileBuilder(sampleTypes: [ValueType(type: sampleType, unit: unit)], sourceFormat: "store")
    }

    mutating func add(_ text: UnsafeRawBufferPointer, value: Int64) {
        frames.removeAll(keepingCapacity: true)
        let bytes = text.bindMemory(to: UInt8.self)
        // Stacks in the model are leaf first: frames are taken from the end.
        var end = bytes.count
        var index = end
        while index > 0 {
            index -= 1
            let separator = bytes[index] == UInt8(ascii: ";")
            guard separator || index == 0 else { continue }
            let start = separator ? index + 1 : index
            if start < end {
                frames.append(location(UnsafeBufferPointer(rebasing: bytes[start ..< end])))
            }
            end = index
        }
        guard !frames.isEmpty else { return }
        builder.add(stack: builder.intern(stack: frames), type: 0, value: value)
    }

    private mutating func location(_ name: UnsafeBufferPointer<UInt8>) -> LocationID {
        let key = UnsafeRawBufferPointer(name)
        if let location = locations.find(key) { return location }
        // Each name is a new function and location: no need to look either up. A frame folding marked `_[i]` is
        // an inlined function of the frame below it.
        let function = builder.append(Function(name: builder.intern(String(decoding: name, as: UTF8.self))))
        let location = builder.append(Location(mapping: nil, address: 0, lines: [Line(function: function)],
                                               isInlineFrame: FrameAnnotation.of(key) == .inlined))
        locations.insert(key, value: location)
        return location
    }

    mutating func build(timeNanos: Int64, durationNanos: Int64) -> Profile {
        builder.timeNanos = timeNanos
        builder.durationNanos = durationNanos
        return builder.build()
    }
}
