import PyrometerModel

/// Writes a profile as pprof's `profile.proto`, gzip-compressed as `go tool pprof`, Pyroscope and Grafana expect
/// (`compress: false` gives the raw message). Ids are positions + 1 (pprof ids must be non-zero); the string table
/// is the profile's, extended with the sample type names.
public struct PprofExporter: Sendable {
    public var compress: Bool

    public init(compress: Bool = true) {
        self.compress = compress
    }

    public func export(_ profile: Profile) -> [UInt8] {
        var strings = profile.strings
        var extra: [String: Int64] = [:]
        func index(_ string: String) -> Int64 {
            if let known = extra[string] { return known }
            let id = Int64(strings.count)
            strings.append(string)
            extra[string] = id
            return id
        }
        for (i, string) in profile.strings.enumerated() where extra[string] == nil { extra[string] = Int64(i) }

        var out = ProtoWriter()
        func valueType(_ type: ValueType) -> ProtoWriter {
            var message = ProtoWriter()
            message.field(1, index(type.type))
            message.field(2, index(type.unit))
            return message
        }
        for type in profile.sampleTypes { out.field(1, message: valueType(type)) }

        let width = profile.sampleTypes.count
        var inlineChains = InlineChains(profile)
        for (i, sample) in profile.samples.enumerated() {
            var message = ProtoWriter()
            message.packed(1, inlineChains.stack(sample.stack).map { UInt64($0) + 1 })
            message.packed(2, profile.values[i * width ..< (i + 1) * width].map { UInt64(bitPattern: $0) })
            for label in profile.labelSets[Int(sample.labels)] {
                var labelMessage = ProtoWriter()
                labelMessage.field(1, Int64(label.key))
                labelMessage.field(2, Int64(label.string))
                labelMessage.field(3, label.number)
                labelMessage.field(4, Int64(label.numberUnit))
                message.field(3, message: labelMessage)
            }
            out.field(2, message: message)
        }
        for (i, mapping) in profile.mappings.enumerated() {
            var message = ProtoWriter()
            message.field(1, UInt64(i + 1))
            message.field(2, mapping.start)
            message.field(3, mapping.limit)
            message.field(4, mapping.fileOffset)
            message.field(5, Int64(mapping.file))
            message.field(6, Int64(mapping.buildID))
            out.field(3, message: message)
        }
        for (i, location) in (profile.locations + inlineChains.added).enumerated() {
            var message = ProtoWriter()
            message.field(1, UInt64(i + 1))
            message.field(2, location.mapping.map { UInt64($0) + 1 } ?? 0)
            message.field(3, location.address)
            for line in location.lines {
                var lineMessage = ProtoWriter()
                lineMessage.field(1, UInt64(line.function) + 1)
                lineMessage.field(2, line.line)
                lineMessage.field(3, line.column)
                message.field(4, message: lineMessage)
            }
            out.field(4, message: message)
        }
        for (i, function) in profile.functions.enumerated() {
            var message = ProtoWriter()
            message.field(1, UInt64(i + 1))
            message.field(2, Int64(function.name))
            message.field(3, Int64(function.systemName))
            message.field(4, Int64(function.filename))
            message.field(5, function.startLine)
            out.field(5, message: message)
        }
        out.field(9, profile.timeNanos)
        out.field(10, profile.durationNanos)
        if let periodType = profile.periodType { out.field(11, message: valueType(periodType)) }
        out.field(12, profile.period)
        out.packed(13, (profile.comments + profile.sourceTraits.comments).map { UInt64(index($0)) })
        if !profile.sampleTypes.isEmpty {
            out.field(14, index(profile.sampleTypes[profile.defaultSampleType].type))
        }
        // The string table last: every index above is known by now.
        for string in strings { out.field(6, string: string) }
        return compress ? Gzip.compress(out.bytes) : out.bytes
    }
}

/// pprof has no inline frames of their own: an inlined function is a line of the location it runs in. The inline
/// frames perf prints on their own (`mix (inlined)` above `big`) become lines of the frame below them, in new
/// locations after the profile's.
private struct InlineChains {
    private let profile: Profile
    private let hasInlineFrames: Bool
    /// Runs of locations (inline frames, leaf first, then their owner) → the location made of them.
    private var chains: [[LocationID]: LocationID] = [:]
    private(set) var added: [Location] = []
    /// Stacks already joined, by stack id (a stack is a sample row per label set: per thread).
    private var joined: [[LocationID]?]

    init(_ profile: Profile) {
        self.profile = profile
        hasInlineFrames = profile.locations.contains(where: \.isInlineFrame)
        joined = hasInlineFrames ? [[LocationID]?](repeating: nil, count: profile.stacks.count) : []
    }

    /// The locations of stack `id`, leaf first, with inline frames joined to the frame below them.
    mutating func stack(_ id: StackID) -> [LocationID] {
        let frames = profile.stacks[id]
        guard hasInlineFrames else { return Array(frames) }
        if let known = joined[Int(id)] { return known }
        var result: [LocationID] = []
        var run: [LocationID] = []
        for frame in frames {
            run.append(frame)
            if profile.locations[Int(frame)].isInlineFrame { continue }
            result.append(run.count == 1 ? frame : chain(run))
            run.removeAll()
        }
        result += run  // inline frames with no frame below them stay as they are
        joined[Int(id)] = result
        return result
    }

    private mutating func chain(_ run: [LocationID]) -> LocationID {
        if let known = chains[run] { return known }
        let owner = profile.locations[Int(run[run.count - 1])]
        let lines = run.flatMap { profile.locations[Int($0)].lines }
        let id = LocationID(profile.locations.count + added.count)
        added.append(Location(mapping: owner.mapping, address: owner.address, lines: lines))
        chains[run] = id
        return id
    }
}
