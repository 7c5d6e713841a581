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
    public var sourceFormat: String

    private(set) var strings: [String] = [""]
    private var stringIndex: [String: StringID] = ["": 0]
    private(set) var functions: [Function] = []
    private var functionIndex: [Function: FunctionID] = [:]
    private(set) var mappings: [Mapping] = []
    private var mappingIndex: [Mapping: MappingID] = [:]
    private(set) var locations: [Location] = []
    private var locationIndex: [Location: LocationID] = [:]
    public private(set) var stacks = StackTable()
    private(set) var labelSets: [[Label]] = [[]]
    private var labelSetIndex: [[Label]: LabelSetID] = [[]: 0]
    private(set) var samples: [Sample] = []
    private var sampleIndex: [UInt64: Int32] = [:]
    private(set) var values: [Int64] = []

    public init(sampleTypes: [ValueType], defaultSampleType: Int? = nil, sourceFormat: String) {
        self.sampleTypes = sampleTypes
        self.defaultSampleType = defaultSampleType ?? max(0, sampleTypes.count - 1)
        self.sourceFormat = sourceFormat
    }

    // MARK: - Interning

    /// The id of `string`, adding it if new.
    public mutating func intern(_ string: String) -> StringID {
        if let id = stringIndex[string] { return id }
        let id = StringID(strings.count)
        strings.append(string)
        stringIndex[string] = id
        return id
    }

    /// The string with id `id`.
    public func string(_ id: StringID) -> String { strings[Int(id)] }

    public mutating func intern(_ function: Function) -> FunctionID {
        if let id = functionIndex[function] { return id }
        let id = FunctionID(functions.count)
        functions.append(function)
        functionIndex[function] = id
        return id
    }

    /// The id of a function with this display name and no other information.
    public mutating func function(named name: String) -> FunctionID {
        intern(Function(name: intern(name)))
    }

    public mutating func intern(_ mapping: Mapping) -> MappingID {
        if let id = mappingIndex[mapping] { return id }
        let id = MappingID(mappings.count)
        mappings.append(mapping)
        mappingIndex[mapping] = id
        return id
    }

    public mutating func intern(_ location: Location) -> LocationID {
        if let id = locationIndex[location] { return id }
        let id = LocationID(locations.count)
        locations.append(location)
        locationIndex[location] = id
        return id
    }

    public func location(_ id: LocationID) -> Location { locations[Int(id)] }

    /// The id of the stack of `locations`, leaf first.
    public mutating func intern(stack locations: UnsafeBufferPointer<LocationID>) -> StackID {
        stacks.intern(locations)
    }

    public mutating func intern(stack locations: [LocationID]) -> StackID {
        stacks.intern(locations)
    }

    /// The id of a label set. Labels are sorted by key so that order does not matter.
    public mutating func intern(labels: [Label]) -> LabelSetID {
        let sorted = labels.sorted { ($0.key, $0.string, $0.number) < ($1.key, $1.string, $1.number) }
        if let id = labelSetIndex[sorted] { return id }
        let id = LabelSetID(labelSets.count)
        labelSets.append(sorted)
        labelSetIndex[sorted] = id
        return id
    }

    // MARK: - Samples

    /// Adds `value` to sample type `type` of the sample (stack, labels), creating it if new.
    /// - Complexity: O(1) amortized.
    public mutating func add(stack: StackID, labels: LabelSetID = 0, type: Int, value: Int64) {
        let row = sampleRow(stack: stack, labels: labels)
        values[row * sampleTypes.count + type] &+= value
    }

    /// Adds one value per sample type to the sample (stack, labels).
    public mutating func add(stack: StackID, labels: LabelSetID = 0, values sampleValues: [Int64]) {
        precondition(sampleValues.count == sampleTypes.count, "one value per sample type")
        let row = sampleRow(stack: stack, labels: labels)
        let base = row * sampleTypes.count
        for (i, v) in sampleValues.enumerated() { values[base + i] &+= v }
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

    private mutating func sampleRow(stack: StackID, labels: LabelSetID) -> Int {
        let key = UInt64(UInt32(bitPattern: stack)) << 32 | UInt64(UInt32(bitPattern: labels))
        if let row = sampleIndex[key] { return Int(row) }
        let row = samples.count
        samples.append(Sample(stack: stack, labels: labels))
        values.append(contentsOf: repeatElement(0, count: sampleTypes.count))
        sampleIndex[key] = Int32(row)
        return row
    }

    // MARK: - Merging

    /// Adds every sample of `other` to this builder, translating its ids. Sample types are matched by type and unit;
    /// types this builder lacks are appended.
    public mutating func merge(_ other: Profile) {
        var stringMap = [StringID](repeating: 0, count: other.strings.count)
        for (i, s) in other.strings.enumerated() { stringMap[i] = intern(s) }
        let functionMap = other.functions.map { f in
            intern(Function(name: stringMap[Int(f.name)], systemName: stringMap[Int(f.systemName)],
                            filename: stringMap[Int(f.filename)], startLine: f.startLine))
        }
        let mappingMap = other.mappings.map { m in
            intern(Mapping(start: m.start, limit: m.limit, fileOffset: m.fileOffset, file: stringMap[Int(m.file)],
                           buildID: stringMap[Int(m.buildID)]))
        }
        let locationMap = other.locations.map { l in
            intern(Location(mapping: l.mapping.map { mappingMap[Int($0)] }, address: l.address,
                            lines: l.lines.map { Line(function: functionMap[Int($0.function)], line: $0.line,
                                                      column: $0.column) },
                            isInlineFrame: l.isInlineFrame))
        }
        let labelMap = other.labelSets.map { set in
            intern(labels: set.map { Label(key: stringMap[Int($0.key)], string: stringMap[Int($0.string)],
                                           number: $0.number, numberUnit: stringMap[Int($0.numberUnit)]) })
        }
        var typeMap = [Int]()
        for type in other.sampleTypes {
            if let i = sampleTypes.firstIndex(of: type) { typeMap.append(i) } else { typeMap.append(addSampleType(type)) }
        }
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
                values[row * sampleTypes.count + typeMap[t]] &+= other.values[i * width + t]
            }
        }
        if periodType == nil { periodType = other.periodType; period = other.period }
        comments.append(contentsOf: other.comments)
    }

    // MARK: - Finishing

    /// The immutable profile.
    public func build() -> Profile {
        Profile(sampleTypes: sampleTypes, defaultSampleType: min(defaultSampleType, max(0, sampleTypes.count - 1)),
                periodType: periodType, period: period, strings: strings, functions: functions, mappings: mappings,
                locations: locations, stacks: stacks, labelSets: labelSets, samples: samples, values: values,
                comments: comments, sourceFormat: sourceFormat)
    }
}
