extension Profile {
    /// The samples of the threads `selectors` name, each a thread id or a command name (`comm`), and of the
    /// processes `processes` names: threads are kept by id, so that a thread named by its command keeps its first
    /// samples too, taken before it renamed itself (they carry its parent's name). Empty selectors keep all.
    public func keepingThreads(_ selectors: [String], processes: [String] = []) -> Profile {
        guard !selectors.isEmpty || !processes.isEmpty else { return self }
        func value(_ key: String, _ set: Int) -> String? { labelString(key, in: LabelSetID(set)) }
        var threads: Set<String> = []
        for set in labelSets.indices {
            guard let tid = value(LabelKey.thread, set) else { continue }
            if selectors.contains(tid) || value(LabelKey.command, set).map(selectors.contains) == true { threads.insert(tid) }
        }
        let keep = labelSets.indices.map { set in
            (selectors.isEmpty || value(LabelKey.thread, set).map(threads.contains) == true)
                && (processes.isEmpty || value(LabelKey.process, set).map(processes.contains) == true)
        }
        return keepingSamples { keep[Int($0.labels)] }
    }

    /// This profile with only the samples `keep` accepts; every table kept as it is.
    public func keepingSamples(_ keep: (Sample) -> Bool) -> Profile {
        var builder = ProfileBuilder(tablesOf: self)
        let width = sampleTypes.count
        for (row, sample) in samples.enumerated() where keep(sample) {
            let stack = builder.intern(stack: Array(stacks[sample.stack]))
            let labels = builder.intern(labels: labelSets[Int(sample.labels)])
            builder.add(stack: stack, labels: labels, values: Array(values[row * width ..< (row + 1) * width]))
        }
        return builder.build()
    }
}

extension ProfileBuilder {
    /// A builder holding `profile`'s tables with their ids (strings, functions, mappings, locations) and its
    /// description (sample types, period, comments, times, source), but no samples: for a profile rewritten
    /// sample by sample.
    public init(tablesOf profile: Profile, sourceTraits: SourceTraits? = nil) {
        self.init(sampleTypes: profile.sampleTypes, defaultSampleType: profile.defaultSampleType,
                  sourceFormat: profile.sourceFormat, sourceTraits: sourceTraits ?? profile.sourceTraits)
        periodType = profile.periodType
        period = profile.period
        comments = profile.comments
        timeNanos = profile.timeNanos
        durationNanos = profile.durationNanos
        for string in profile.strings.dropFirst() { _ = append(string: string) }
        for function in profile.functions { _ = append(function) }
        for mapping in profile.mappings { _ = append(mapping) }
        for location in profile.locations { _ = append(location) }
    }
}

extension Profile {
    /// This profile, declared wall-clock time (`--wall-clock`): async-profiler's collapsed output of its wall mode and
    /// py-spy's `--idle` output carry no mark of it, and read as CPU time otherwise. Its period type says `wall`,
    /// which every analysis reads as the kind (`kind(sampleType:)`).
    public func declaredWallClock() -> Profile {
        let unit = periodType?.unit ?? (sampleTypes.isEmpty ? "count" : sampleTypes[defaultSampleType].unit)
        return Profile(sampleTypes: sampleTypes, defaultSampleType: defaultSampleType,
                       periodType: ValueType(type: "wall", unit: unit), period: period, strings: strings,
                       functions: functions, mappings: mappings, locations: locations, stacks: stacks,
                       labelSets: labelSets, samples: samples, values: values, comments: comments,
                       timeNanos: timeNanos, durationNanos: durationNanos, sourceFormat: sourceFormat,
                       sourceTraits: sourceTraits)
    }
}
