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

    /// A profile of one sample type from stored stacks.
    public static func profile(_ stacks: [StackValue], sampleType: String, unit: String, timeNanos: Int64 = 0,
                               durationNanos: Int64 = 0) -> Profile {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: sampleType, unit: unit)], sourceFormat: "store")
        builder.timeNanos = timeNanos
        builder.durationNanos = durationNanos
        var locationsByName: [Substring: LocationID] = [:]
        var frames: [LocationID] = []
        for stack in stacks {
            frames.removeAll(keepingCapacity: true)
            // Stored outermost first; stacks in the model are leaf first.
            for name in stack.frames.split(separator: ";").reversed() {
                if let location = locationsByName[name] {
                    frames.append(location)
                } else {
                    let function = builder.function(named: String(name))
                    let location = builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: function)]))
                    locationsByName[name] = location
                    frames.append(location)
                }
            }
            guard !frames.isEmpty else { continue }
            builder.add(stack: builder.intern(stack: frames), type: 0, value: stack.value)
        }
        return builder.build()
    }

    /// Reads the profile a store query names: its sample type is the query's, else the one type of the matched
    /// inputs' defaults (an error names the choices when they differ).
    public static func load(_ query: ProfileQuery, from store: ProfileStore) throws -> (profile: Profile, matched: [StoredProfile]) {
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
        let stacks = try store.stacks(query)
        let first = matched.map(\.timeNanos).min() ?? 0
        let last = matched.map { $0.timeNanos + $0.durationNanos }.max() ?? 0
        return (profile(stacks, sampleType: query.sampleType!, unit: units.first ?? "count", timeNanos: first,
                        durationNanos: max(0, last - first)), matched)
    }
}
