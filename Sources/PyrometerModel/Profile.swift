// PyrometerModel is the hub of Pyrometer: every importer builds a `Profile`, every analysis and exporter reads one.
// It is shaped like pprof's profile.proto (sample types, samples, locations with inline lines, functions, mappings,
// labels, one string table) with two differences that keep memory bounded by unique stacks rather than input size:
// stacks are deduplicated into a `StackTable`, and samples with the same stack and labels are summed at build time.
// A `Profile` is immutable; `ProfileBuilder` is the only way to make one.

/// Index into `Profile.strings`; 0 is always the empty string.
public typealias StringID = Int32
/// Index into `Profile.functions`.
public typealias FunctionID = Int32
/// Index into `Profile.mappings`.
public typealias MappingID = Int32
/// Index into `Profile.locations`.
public typealias LocationID = Int32
/// Index into `Profile.stacks`.
public typealias StackID = Int32
/// Index into `Profile.labelSets`; 0 is always the empty set.
public typealias LabelSetID = Int32

/// What one column of sample values measures, e.g. `cpu/nanoseconds` or `alloc_space/bytes`.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var unit: String
    public init(type: String, unit: String) {
        self.type = type
        self.unit = unit
    }
    public var description: String { "\(type)/\(unit)" }
}

/// A function (or method) in a program.
///
/// `name` is the full name (demangled: a Swift function with its parameter types), by which analyses tell
/// functions apart; `shortName` the label a flamegraph frame shows when it differs (Swift's
/// `Module.Type.method(_:_:)`), 0 when the full name is the label; `systemName` the linkage (mangled) name when
/// known.
public struct Function: Hashable, Sendable {
    public var name: StringID
    public var systemName: StringID
    public var filename: StringID
    public var startLine: Int64
    public var shortName: StringID
    public init(name: StringID, systemName: StringID = 0, filename: StringID = 0, startLine: Int64 = 0,
                shortName: StringID = 0) {
        self.name = name
        self.systemName = systemName
        self.filename = filename
        self.startLine = startLine
        self.shortName = shortName
    }

    /// The label of this function's frames: the short name when there is one, else the full name.
    @inlinable
    public var label: StringID { shortName != 0 ? shortName : name }
}

/// A binary or other object mapped into a process: the module a location belongs to.
public struct Mapping: Hashable, Sendable {
    public var start: UInt64
    public var limit: UInt64
    public var fileOffset: UInt64
    /// Path (or pseudo-name such as `[kernel.kallsyms]`) of the mapped object.
    public var file: StringID
    public var buildID: StringID
    public init(start: UInt64 = 0, limit: UInt64 = 0, fileOffset: UInt64 = 0, file: StringID, buildID: StringID = 0) {
        self.start = start
        self.limit = limit
        self.fileOffset = fileOffset
        self.file = file
        self.buildID = buildID
    }
}

/// One source position of a location; several lines form an inline chain.
public struct Line: Hashable, Sendable {
    public var function: FunctionID
    public var line: Int64
    public var column: Int64
    public init(function: FunctionID, line: Int64 = 0, column: Int64 = 0) {
        self.function = function
        self.line = line
        self.column = column
    }
}

/// A program counter: an address in a mapping, resolved to zero or more lines.
///
/// `lines` is innermost first, as in pprof: `lines[0]` is the inlined callee that executed, the last one is the
/// function the compiler emitted. A location without lines is unsymbolized.
public struct Location: Hashable, Sendable {
    public var mapping: MappingID?
    public var address: UInt64
    public var lines: [Line]
    /// True when the profiler itself printed this frame as a separate inlined frame (perf's `(inlined)` marker),
    /// rather than as a line of the frame below.
    public var isInlineFrame: Bool
    public init(mapping: MappingID?, address: UInt64, lines: [Line], isInlineFrame: Bool = false) {
        self.mapping = mapping
        self.address = address
        self.lines = lines
        self.isInlineFrame = isInlineFrame
    }
}

/// A key/value attached to samples: pid, tid, comm, or anything a pprof profile carries.
public struct Label: Hashable, Sendable {
    public var key: StringID
    /// The string value, or 0 for a numeric label.
    public var string: StringID
    public var number: Int64
    public var numberUnit: StringID
    public init(key: StringID, string: StringID = 0, number: Int64 = 0, numberUnit: StringID = 0) {
        self.key = key
        self.string = string
        self.number = number
        self.numberUnit = numberUnit
    }
}

/// One aggregated sample: a stack, its label set, and (in `Profile.values`) one value per sample type.
public struct Sample: Hashable, Sendable {
    public var stack: StackID
    public var labels: LabelSetID
    public init(stack: StackID, labels: LabelSetID) {
        self.stack = stack
        self.labels = labels
    }
}

/// Where a profile came from and what kind of measurement it is.
public enum ProfileKind: String, Sendable {
    /// On-CPU sampling (perf cycles/cpu-clock, pprof cpu): hotspot threshold 20%.
    case cpu
    /// Wall-clock sampling (off-CPU included): hotspot threshold 10%.
    case wall
    /// Allocation or other counted events.
    case other

    /// A report header's `(cpu, cpu profile)`; allocation and other counted profiles name only their sample type
    /// (`(alloc_space)`): "other profile" told a reader nothing.
    public func parenthesized(sampleType: String) -> String {
        self == .other ? "(\(sampleType))" : "(\(sampleType), \(rawValue) profile)"
    }
}

/// An immutable profile: the hub every stage reads. Build one with `ProfileBuilder`.
public struct Profile: Sendable {
    public let sampleTypes: [ValueType]
    /// The sample type analyses use unless told otherwise.
    public let defaultSampleType: Int
    public let periodType: ValueType?
    public let period: Int64
    public let strings: [String]
    public let functions: [Function]
    public let mappings: [Mapping]
    public let locations: [Location]
    public let stacks: StackTable
    public let labelSets: [[Label]]
    public let samples: [Sample]
    /// `samples.count * sampleTypes.count` values, row-major: sample i's values are
    /// `values[i * sampleTypes.count ..< (i + 1) * sampleTypes.count]`.
    public let values: [Int64]
    public let comments: [String]
    /// When the profile was collected (Unix nanoseconds) and for how long; 0 when unknown.
    public let timeNanos: Int64
    public let durationNanos: Int64
    /// The importer that produced this profile (`perf-script`, `folded`, ...): a description, never compared.
    public let sourceFormat: String
    /// What that importer knows about its format that later stages act on.
    public let sourceTraits: SourceTraits

    init(sampleTypes: [ValueType], defaultSampleType: Int, periodType: ValueType?, period: Int64, strings: [String],
         functions: [Function], mappings: [Mapping], locations: [Location], stacks: StackTable,
         labelSets: [[Label]], samples: [Sample], values: [Int64], comments: [String], timeNanos: Int64,
         durationNanos: Int64, sourceFormat: String, sourceTraits: SourceTraits) {
        self.sampleTypes = sampleTypes
        self.defaultSampleType = defaultSampleType
        self.periodType = periodType
        self.period = period
        self.strings = strings
        self.functions = functions
        self.mappings = mappings
        self.locations = locations
        self.stacks = stacks
        self.labelSets = labelSets
        self.samples = samples
        self.values = values
        self.comments = comments
        self.timeNanos = timeNanos
        self.durationNanos = durationNanos
        self.sourceFormat = sourceFormat
        self.sourceTraits = sourceTraits
    }

    /// The value of sample `sample` for sample type `type`.
    @inlinable
    public func value(sample: Int, type: Int) -> Int64 {
        values[sample * sampleTypes.count + type]
    }

    /// The sum of every sample's value for one sample type.
    public func total(sampleType: Int) -> Int64 {
        var sum: Int64 = 0
        let stride = sampleTypes.count
        var i = sampleType
        while i < values.count {
            sum.saturatingAdd(values[i])
            i += stride
        }
        return sum
    }

    /// The index of the sample type named `name` (`cycles`, `alloc_space`, ...), if any.
    public func sampleTypeIndex(named name: String) -> Int? {
        sampleTypes.firstIndex { $0.type == name }
    }

    /// The string value of label `key` in label set `set`, if present.
    public func labelString(_ key: String, in set: LabelSetID) -> String? {
        for label in labelSets[Int(set)] where strings[Int(label.key)] == key {
            return label.string != 0 ? strings[Int(label.string)] : String(label.number)
        }
        return nil
    }

    /// Whether this profile measures CPU time, wall-clock time or something else, for the given sample type.
    public func kind(sampleType: Int) -> ProfileKind {
        let type = sampleTypes[sampleType].type.lowercased()
        let periodName = periodType?.type.lowercased() ?? ""
        // Go's fgprof writes `time/nanoseconds` with the period type `wallclock`; others `wall` sample types.
        if type.hasPrefix("wall") || periodName.hasPrefix("wall") || type == "off-cpu" { return .wall }
        // Memory, lock, thread and fault profiles count something other than time on a CPU.
        let otherWords = ["alloc", "inuse", "space", "objects", "bytes", "thread", "goroutine", "delay", "contention",
                          "mutex", "fault"]
        if sampleTypes[sampleType].unit.lowercased() == "bytes" || otherWords.contains(where: { type.contains($0) }) {
            return .other
        }
        return .cpu
    }

    /// The display name of the function of a line.
    @inlinable
    public func functionName(_ line: Line) -> String {
        strings[Int(functions[Int(line.function)].name)]
    }

    /// The path of a location's mapping, or "" if it has none.
    public func mappingFile(of location: Location) -> String {
        guard let mapping = location.mapping else { return "" }
        return strings[Int(mappings[Int(mapping)].file)]
    }
}

extension Int64 {
    /// `self + other`, clamped to `Int64`'s range. Values are sums of periods, counts and bytes: a sum must never
    /// wrap around, or a total would turn negative and every share with it.
    @inlinable
    public func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// Adds `other` in place, clamped to `Int64`'s range.
    @inlinable
    public mutating func saturatingAdd(_ other: Int64) {
        self = addingSaturated(other)
    }

    /// `self * other`, clamped to `Int64`'s range (a block size times a count, from a file).
    @inlinable
    public func multipliedSaturated(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) != (other < 0) ? .min : .max) : product
    }

    /// A `Double` as `Int64`, clamped to its range (NaN: 0): converting an out-of-range `Double` would trap.
    @inlinable
    public init(clampingDouble value: Double) {
        if value.isNaN { self = 0 } else if value >= 9.223_372_036_854_775e18 { self = .max }
        else if value <= -9.223_372_036_854_775e18 { self = .min } else { self = Int64(value) }
    }
}
