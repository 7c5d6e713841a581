import PyrometerModel

/// Rebuilds a profile whose locations and stacks are rewritten, the common step of pprof's refinements: a location
/// may get new lines (a hidden inline function, a callee pruned away) and a stack may lose frames or gain label
/// frames. The other tables keep their ids, so a rewrite costs one pass over the samples.
struct StackRewriter {
    let profile: Profile
    var builder: ProfileBuilder
    /// Each location's id in the new profile; nil where a rewrite dropped it.
    private(set) var locationMap: [LocationID?]

    init(_ profile: Profile) {
        self.profile = profile
        builder = ProfileBuilder(tablesOf: profile)
        locationMap = profile.locations.indices.map { LocationID($0) }
    }

    /// Gives location `id` these lines in the new profile: a new location when they differ from its own, none (the
    /// frame leaves every stack) when a rewrite took them all.
    mutating func replaceLines(of id: Int, with lines: [Line]) {
        var location = profile.locations[id]
        guard location.lines != lines else { return }
        guard !lines.isEmpty else { return drop(id) }
        location.lines = lines
        locationMap[id] = builder.intern(location)
    }

    /// Takes location `id` out of every stack.
    mutating func drop(_ id: Int) { locationMap[id] = nil }

    /// The new profile. `select` sees each sample's stack as it was (leaf first) and returns the part to keep, or
    /// nil to drop the sample; the kept frames are mapped through `locationMap`, and `leaves` and `roots` add frames
    /// of the new profile at either end. Samples left without frames are dropped, as pprof drops them.
    mutating func build(select: (_ stack: ArraySlice<LocationID>, _ sample: Sample) -> ArraySlice<LocationID>?,
                        leaves: (Sample) -> [LocationID] = { _ in [] },
                        roots: (Sample) -> [LocationID] = { _ in [] }) -> Profile {
        let width = profile.sampleTypes.count
        var stack: [LocationID] = []
        for (row, sample) in profile.samples.enumerated() {
            guard let kept = select(profile.stacks[sample.stack], sample) else { continue }
            stack.removeAll(keepingCapacity: true)
            stack.append(contentsOf: leaves(sample))
            for location in kept {
                if let mapped = locationMap[Int(location)] { stack.append(mapped) }
            }
            stack.append(contentsOf: roots(sample))
            guard !stack.isEmpty else { continue }
            let labels = builder.intern(labels: profile.labelSets[Int(sample.labels)])
            builder.add(stack: builder.intern(stack: stack), labels: labels,
                        values: Array(profile.values[row * width ..< (row + 1) * width]))
        }
        return builder.build()
    }
}
