/// The only mutable path to a `Profile`: interns strings, functions, mappings, locations, stacks and label sets,
/// and sums samples that share a stack and label set.
///
/// Not thread-safe: parallel importers give each worker its own builder and `merge` them at the end.
public struct ProfileBuilder: Sendable {
    public var sampleTypes: [ValueType]
    public var defaultSampleType: Int
    public var periodType: ValueType?
    public var period: Int64 = 0
    public var comments: [String] = []
    public var timeNanos: Int64 = 0
    public var durationNanos: Int64 = 0
    public var sourceFormat: String
    public var sourceTraits: SourceTraits

    /// Strings by their UTF-8 bytes (`StableHash`): Swift's `String` hashing was much of rebuilding a profile.
    private var strings = StringInterner()
    private var functions = Interner<Function>()
    private var mappings = Interner<Mapping>()
    private var locations = Interner<Location>()
    public private(set) var stacks = StackTable()
    private var labelSets = Interner<[Label]>()
    private(set) var samples: [Sample] = []
    private var sampleIndex = IntegerIndex()
    private(set) var values: [Int64] = []

    public init(sampleTypes: [ValueType], defaultSampleType: Int? = nil, sourceFormat: String,
                sourceTraits: SourceTraits = []) {
        self.sampleTypes = sampleTypes
        self.defaultSampleType = defaultSampleType ?? max(0, sampleTypes.count - 1)
        self.sourceFormat = sourceFormat
        self.sourceTraits = sourceTraits
        _ = strings.intern("")  // id 0 is the empty string, as in pprof
        _ = labelSets.intern([])  // id 0 is the empty label set
    }

    // MARK: - Interning

    /// The id of `string`, adding it if new.
    public mutating func intern(_ string: String) -> StringID { strings.intern(string) }

    /// The string with id `id`.
    public func string(_ id: StringID) -> String { strings[id] }

    public mutating func intern(_ function: Function) -> FunctionID { functions.intern(function) }

    /// The id of a function with this display name and no other information.
    public mutating func function(named name: String) -> FunctionID {
        intern(Function(name: intern(name)))
    }

    public mutating func intern(_ mapping: Mapping) -> MappingID { mappings.intern(mapping) }

    public mutating func intern(_ location: Location) -> LocationID { locations.intern(location) }

    // Adding without deduplication, for importers whose tables are unique already (see `Interner.append`).

    public mutating func append(string: String) -> StringID { strings.append(string) }
    public mutating func append(_ function: Function) -> FunctionID { functions.append(function) }
    public mutating func append(_ mapping: Mapping) -> MappingID { mappings.append(mapping) }
    public mutating func append(_ location: Location) -> LocationID { locations.append(location) }

    public func location(_ id: LocationID) -> Location { locations[id] }

    /// Makes room for `frames` more frames in `count` more stacks, and as many samples (an importer that knows its
    /// sizes): growing the sample index by doubling rehashed it a dozen times on a large profile.
    public mutating func reserveStacks(frames: Int, stacks count: Int) {
        stacks.reserveCapacity(frames: frames, stacks: count)
        samples.reserveCapacity(samples.count + count)
        values.reserveCapacity(values.count + count * sampleTypes.count)
        sampleIndex.reserveCapacity(sampleIndex.count + count)
    }

    /// The id of the stack of `locations`, leaf first.
    public mutating func intern(stack locations: UnsafeBufferPointer<LocationID>) -> StackID {
        stacks.intern(locations)
    }

    public mutating func intern(stack locations: [LocationID]) -> StackID {
        stacks.intern(locations)
    }

    /// The id of a label set. Labels are sorted by key so that order does not matter.
    public mutating func intern(labels: [Label]) -> LabelSetID {
        // Most samples of most profiles have none: id 0, without hashing.
        if labels.isEmpty { return 0 }
        return labelSets.intern(labels.sorted { ($0.key, $0.string, $0.number) < ($1.key, $1.string, $1.number) })
    }

    /// The labels of a label set.
    public func labels(_ id: LabelSetID) -> [Label] { labelSets[id] }

    // MARK: - Samples

    /// Adds `value` to sample type `type` of the sample (stack, labels), creating it if new.
    /// - Complexity: O(1) amortized.
    public mutating func add(stack: StackID, labels: LabelSetID = 0, type: Int, value: Int64) {
        let row = sampleRow(stack: stack, labels: labels)
        values[row * sampleTypes.count + type].saturatingAdd(value)
    }

    /// Adds `value` to sample type `type` and 1 to `countType` of the sample (stack, labels): a weighted sample and
    /// its count, with one lookup.
    public mutating func add(stack: StackID, labels: LabelSetID = 0, type: Int, value: Int64, countType: Int) {
        let row = sampleRow(stack: stack, labels: labels)
        values[row * sampleTypes.count + type].saturatingAdd(value)
        values[row * sampleTypes.count + countType].saturatingAdd(1)
    }

    /// Adds one value per sample type to the sample (stack, labels).
    public mutating func add(stack: StackID, labels: LabelSetID = 0, values sampleValues: [Int64]) {
        precondition(sampleValues.count == sampleTypes.count, "one value per sample type")
        let row = sampleRow(stack: stack, labels: labels)
        let base = row * sampleTypes.count
        for (i, v) in sampleValues.enumerated() { values[base + i].saturatingAdd(v) }
    }

    /// Puts the sample types in a new order: `order[i]` is the old index of the type that becomes type `i`.
    public mutating func reorderSampleTypes(_ order: [Int]) {
        precondition(order.sorted() == Array(sampleTypes.indices), "a permutation of the sample types")
        let width = sampleTypes.count
        var reordered = [Int64](repeating: 0, count: values.count)
        for row in 0 ..< samples.count {
            for (new, old) in order.enumerated() { reordered[row * width + new] = values[row * width + old] }
        }
        values = reordered
        sampleTypes = order.map { sampleTypes[$0] }
        defaultSampleType = order.firstIndex(of: defaultSampleType) ?? 0
    }

    /// Appends a sample type (e.g. a perf event seen for the first time); existing samples get 0 for it.
    public mutating func addSampleType(_ type: ValueType) -> Int {
        let old = sampleTypes.count
        if !samples.isEmpty {
            var widened = [Int64]()
            widened.reserveCapacity(samples.count * (old + 1))
            for row in 0 ..< samples.count {
                widened.append(contentsOf: values[row * old ..< (row + 1) * old])
                widened.append(0)
            }
            values = widened
        }
        sampleTypes.append(type)
        return old
    }

    /// The sample index's key of (stack, labels).
    private static func sampleKey(stack: StackID, labels: LabelSetID) -> UInt64 {
        UInt64(UInt32(bitPattern: stack)) << 32 | UInt64(UInt32(bitPattern: labels))
    }

    private mutating func sampleRow(stack: StackID, labels: LabelSetID) -> Int {
        let key = Self.sampleKey(stack: stack, labels: labels)
        if let row = sampleIndex[key] { return Int(row) }
        let row = samples.count
        samples.append(Sample(stack: stack, labels: labels))
        values.append(contentsOf: repeatElement(0, count: sampleTypes.count))
        sampleIndex.set(key, Int32(row))
        return row
    }

    /// Takes the stacks, label sets and samples of `other`, which were interned (on another thread, while this
    /// builder's tables were made) under the ids this builder gives its locations and strings. This builder has
    /// no samples yet, and as many sample types.
    public mutating func adoptSamples(from other: ProfileBuilder) {
        precondition(samples.isEmpty && stacks.count == 0 && labelSets.count == 1, "a builder without samples")
        precondition(other.sampleTypes.count == sampleTypes.count, "one value per sample type")
        stacks = other.stacks
        labelSets = other.labelSets
        samples = other.samples
        sampleIndex = other.sampleIndex
        values = other.values
    }

    // MARK: - Merging

    /// Adds every sample of `other` to this builder, translating its ids. Sample types are matched by type and unit;
    /// types this builder lacks are appended.
    public mutating func merge(_ other: Profile) {
        merge(other, rewritingLocations: nil)
    }

    /// `merge`, where `rewrite` may replace a location (given its index in `other` and its translation into this
    /// builder), e.g. with the lines a symbolizer found for it; it interns the new strings and functions into the
    /// builder it is handed.
    public mutating func merge(_ other: Profile,
                               rewritingLocations rewrite: ((Int, Location, inout ProfileBuilder) -> Location?)?) {
        // Into an empty builder, the other profile's tables (already free of duplicates) are appended without
        // hashing: a profile rewritten by a symbolizer is mostly that.
        let isEmpty = strings.count == 1 && functions.count == 0 && mappings.count == 0 && locations.count == 0
            && samples.isEmpty
        var stringMap = [StringID](repeating: 0, count: other.strings.count)
        for (i, s) in other.strings.enumerated() where i > 0 { stringMap[i] = isEmpty ? strings.append(s) : intern(s) }
        let functionMap = other.functions.map { f in
            let function = Function(name: stringMap[Int(f.name)], systemName: stringMap[Int(f.systemName)],
                                    filename: stringMap[Int(f.filename)], startLine: f.startLine,
                                    shortName: stringMap[Int(f.shortName)])
            return isEmpty ? functions.append(function) : intern(function)
        }
        let mappingMap = other.mappings.map { m in
            let mapping = Mapping(start: m.start, limit: m.limit, fileOffset: m.fileOffset,
                                  file: stringMap[Int(m.file)], buildID: stringMap[Int(m.buildID)])
            return isEmpty ? mappings.append(mapping) : intern(mapping)
        }
        var locationMap: [LocationID] = []
        locationMap.reserveCapacity(other.locations.count)
        for (index, l) in other.locations.enumerated() {
            var location = Location(mapping: l.mapping.map { mappingMap[Int($0)] }, address: l.address,
                                    lines: l.lines.map { Line(function: functionMap[Int($0.function)], line: $0.line,
                                                              column: $0.column) },
                                    isInlineFrame: l.isInlineFrame)
            if let rewrite, let replaced = rewrite(index, location, &self) { location = replaced }
            // Locations stay distinct when rewritten (their mapping and address do not change).
            locationMap.append(isEmpty ? locations.append(location) : intern(location))
        }
        let labelMap = other.labelSets.map { set in
            intern(labels: set.map { Label(key: stringMap[Int($0.key)], string: stringMap[Int($0.string)],
                                           number: $0.number, numberUnit: stringMap[Int($0.numberUnit)]) })
        }
        var typeMap = [Int]()
        for type in other.sampleTypes {
            if let i = sampleTypes.firstIndex(of: type) { typeMap.append(i) } else { typeMap.append(addSampleType(type)) }
        }
        // Into an empty builder whose tables took the other's ids unchanged, its stacks and samples (already free
        // of duplicates) are taken as they are: a symbolized profile is rebuilt that way.
        let sameIDs = isEmpty && stacks.count == 0 && other.stacks.isIndexed
            && sampleTypes.count == other.sampleTypes.count && typeMap.elementsEqual(typeMap.indices)
            && locationMap.elementsEqual((0 ..< Int32(locationMap.count)))
            && labelMap.elementsEqual((0 ..< Int32(labelMap.count)))
        if sameIDs {
            stacks = other.stacks
            samples = other.samples
            values = other.values
            sampleIndex = IntegerIndex(capacity: samples.count)
            for (row, sample) in samples.enumerated() {
                sampleIndex.set(Self.sampleKey(stack: sample.stack, labels: sample.labels), Int32(row))
            }
        } else {
            mergeSamples(of: other, locationMap: locationMap, labelMap: labelMap, typeMap: typeMap)
        }
        if periodType == nil { periodType = other.periodType; period = other.period }
        if timeNanos == 0 || (other.timeNanos != 0 && other.timeNanos < timeNanos) { timeNanos = other.timeNanos }
        durationNanos.saturatingAdd(other.durationNanos)
        comments.append(contentsOf: other.comments)
    }

    /// The stacks and samples of `other` under this builder's ids.
    private mutating func mergeSamples(of other: Profile, locationMap: [LocationID], labelMap: [LabelSetID],
                                       typeMap: [Int]) {
        var stackMap = [StackID](repeating: 0, count: other.stacks.count)
        var scratch = [LocationID]()
        for id in 0 ..< other.stacks.count {
            scratch.removeAll(keepingCapacity: true)
            for location in other.stacks[StackID(id)] { scratch.append(locationMap[Int(location)]) }
            stackMap[id] = stacks.intern(scratch)
        }
        let width = other.sampleTypes.count
        for (i, sample) in other.samples.enumerated() {
            let row = sampleRow(stack: stackMap[Int(sample.stack)], labels: labelMap[Int(sample.labels)])
            for t in 0 ..< width {
                values[row * sampleTypes.count + typeMap[t]].saturatingAdd(other.values[i * width + t])
            }
        }
    }

    // MARK: - Finishing

    /// The immutable profile.
    public func build() -> Profile {
        Profile(sampleTypes: sampleTypes, defaultSampleType: min(defaultSampleType, max(0, sampleTypes.count - 1)),
                periodType: periodType, period: period, strings: strings.strings, functions: functions.elements,
                mappings: mappings.elements, locations: locations.elements, stacks: stacks,
                labelSets: labelSets.elements, samples: samples, values: values, comments: comments,
                timeNanos: timeNanos, durationNanos: durationNanos, sourceFormat: sourceFormat,
                sourceTraits: sourceTraits)
    }
}

extension Profile {
    /// `profiles` as one (every input of a command, a stored query beside files): ids translated, sample types
    /// matched by type and unit, and the first profile's default sample type the default.
    public static func merged(_ profiles: [Profile]) -> Profile {
        precondition(!profiles.isEmpty, "at least one profile")
        let first = profiles[0]
        guard profiles.count > 1 else { return first }
        let traits = SourceTraits.merged(profiles.map(\.sourceTraits))
        var builder = ProfileBuilder(sampleTypes: [], sourceFormat: first.sourceFormat, sourceTraits: traits)
        for profile in profiles { builder.merge(profile) }
        if !first.sampleTypes.isEmpty,
           let index = builder.sampleTypes.firstIndex(of: first.sampleTypes[first.defaultSampleType]) {
            builder.defaultSampleType = index
        }
        return builder.build()
    }
}
