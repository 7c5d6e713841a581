import PyrometerModel

/// Hotspots within each value of one label (`hotspots --by endpoint`): the threshold applies to the share of the
/// value's own total, so "over 10% of CPU within requests to /export" is a finding of the `/export` group however
/// small that endpoint is in the whole profile.
public struct LabelHotspots: Sendable {
    public struct Group: Sendable {
        /// The label's value (several values of one sample joined with commas); nil for the samples without it.
        public var value: String?
        /// The group's share of the profile's total.
        public var share: Double
        public var report: HotspotReport
    }

    public var key: String
    /// The largest groups first.
    public var groups: [Group]
    /// Values left out (beyond the limit), and their share of the total.
    public var omittedValues: Int
    public var omittedShare: Double
}

extension HotspotAnalyzer {
    /// How many values of a label a report lists, largest first.
    public static let labelValuesReported = 20

    /// The profile's samples grouped by their values of label `key` (largest first, at most `limit` groups), each
    /// group analyzed alone; wall-clock groups with their on- and off-CPU parts.
    public func perLabel(_ key: String, profile: Profile, fold: FoldOptions, kind: ProfileKind? = nil,
                         limit: Int = labelValuesReported) -> LabelHotspots {
        let type = fold.sampleType ?? profile.defaultSampleType
        // Per label set: its group's value ("" + nil-marker kept apart from an empty string value).
        let setValues: [String?] = profile.labelSets.map { labels in
            let values = profile.labelValues(labels, key: key)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        var totals: [String?: Int64] = [:]
        var all: Int64 = 0
        if profile.sampleTypes.indices.contains(type) {
            for (index, sample) in profile.samples.enumerated() {
                let value = profile.value(sample: index, type: type)
                totals[setValues[Int(sample.labels)], default: 0].saturatingAdd(value)
                all.saturatingAdd(value)
            }
        }
        let ranked = totals.filter { $0.value != 0 }.sorted {
            $0.value != $1.value ? $0.value > $1.value : ($0.key ?? "") < ($1.key ?? "")
        }
        func share(_ value: Int64) -> Double { all != 0 ? Double(value) / Double(all) : 0 }
        let groups = ranked.prefix(limit).map { value, groupTotal in
            let alone = profile.keepingSamples { setValues[Int($0.labels)] == value }
            var report = analyze(alone, fold: fold, kind: kind)
            addWallTimeParts(to: &report, profile: alone, fold: fold)
            return LabelHotspots.Group(value: value, share: share(groupTotal), report: report)
        }
        let omitted = ranked.dropFirst(limit)
        return LabelHotspots(key: key, groups: groups, omittedValues: omitted.count,
                             omittedShare: share(omitted.reduce(Int64(0)) { $0.addingSaturated($1.value) }))
    }
}
