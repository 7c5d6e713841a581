import PyrometerModel

/// Reads pprof's `profile.proto` (raw; gzip is unwrapped before sniffing): sample types and the default sample type,
/// values, string and numeric labels, mappings, locations with inline lines, functions, `drop_frames`/`keep_frames`,
/// period, time, duration and comments. Locations without lines keep their mapping and address for a symbolizer.
///
/// Field numbers follow `proto/profile.proto` in github.com/google/pprof.
public struct PprofImporter: ProfileImporter {
    public static let formatName = "pprof"

    public init() {}

    /// Yes when the prefix starts with well-formed top-level `Profile` fields (known field numbers with their wire
    /// types and lengths that fit). After a few good fields a broken one still says yes, so that a damaged
    /// profile gets the parser's precise error rather than "unknown format".
    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        var reader = ProtoReader(prefix)
        var fields = 0
        while !reader.isAtEnd {
            guard let (field, wireType) = try? reader.tag(), let expected = topLevelWireTypes[field],
                  expected.contains(wireType), (try? reader.skip(wireType)) != nil else {
                return fields >= 3 || (!isComplete && fields > 0) ? .yes : .no
            }
            fields += 1
        }
        return fields > 0 ? .yes : (isComplete ? .no : .needMoreBytes)
    }

    /// Top-level `Profile` fields and the wire types they may use (repeated integers may be packed).
    private static let topLevelWireTypes: [UInt64: [ProtoReader.WireType]] = [
        1: [.lengthDelimited], 2: [.lengthDelimited], 3: [.lengthDelimited], 4: [.lengthDelimited],
        5: [.lengthDelimited], 6: [.lengthDelimited], 7: [.varint], 8: [.varint], 9: [.varint], 10: [.varint],
        11: [.lengthDelimited], 12: [.varint], 13: [.varint, .lengthDelimited], 14: [.varint],
    ]

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let contents = try InputContents(reading: input, limit: options.maxInflatedBytes)
        defer { contents.cancel() }
        // Two threads, each over the whole input: one decodes the samples and interns their stacks, the other
        // decodes and builds everything else (strings, mappings, functions, locations). Stacks are interned
        // before the locations are known, under the ids they will have when the ids are dense (see
        // `SampleInterner`); when the tables show otherwise, or `drop_frames` applies, the samples are decoded
        // again and built the exact way.
        let halves = ParallelHalves()
        Threads.both({
            halves.samples = Result { () throws(ProfileError) in
                var samples = SampleInterner(expectedBytes: contents.expectedCount)
                try RawProfile.forEachField(of: contents, where: { $0 == 2 }) { reader throws(ProfileError) in
                    try samples.add(&reader)
                }
                return samples
            }
        }, {
            halves.tables = Result { () throws(ProfileError) in
                var raw = RawProfile()
                try RawProfile.forEachField(of: contents, where: { $0 != 2 }) { reader throws(ProfileError) in
                    try raw.decodeField(&reader)
                }
                var diagnostics: [Diagnostic] = []
                let tables = try raw.buildTables(diagnostics: &diagnostics, file: input.name,
                                                 demangle: options.demangle)
                return (raw, tables, diagnostics)
            }
        })
        let (samples, tablesHalf) = try ParallelHalves.bothOrFirstError(halves.samples!, halves.tables!)
        var (raw, tables, diagnostics) = tablesHalf
        let profile: Profile
        if tables.locationIDs.isDense && tables.pruneBeneath.isEmpty
            && samples.fits(locationCount: raw.locations.count, stringCount: raw.strings.count,
                            sampleTypeCount: tables.sampleTypeCount) {
            if samples.width != nil { tables.builder.adoptSamples(from: samples.builder) }
            profile = tables.builder.build()
        } else {
            try RawProfile.forEachField(of: contents, where: { $0 == 2 }) { reader throws(ProfileError) in
                try raw.decodeField(&reader)
            }
            profile = try raw.buildSamples(into: &tables, file: input.name)
        }
        return ImportResult(profile: profile, diagnostics: diagnostics)
    }
}

/// What the two decoding threads hand back.
private final class ParallelHalves: @unchecked Sendable {
    var samples: Result<SampleInterner, ProfileError>?
    var tables: Result<(RawProfile, RawProfile.Tables, [Diagnostic]), ProfileError>?

    /// Both results, or the error that lies first in the input (each half stopped at its own).
    static func bothOrFirstError<A, B>(_ a: Result<A, ProfileError>, _ b: Result<B, ProfileError>)
        throws(ProfileError) -> (samples: A, tables: B) {
        switch (a, b) {
        case let (.success(x), .success(y)): return (x, y)
        case let (.failure(error), .success): throw error
        case let (.success, .failure(error)): throw error
        case let (.failure(x), .failure(y)): throw (y.byteOffset ?? .max) < (x.byteOffset ?? .max) ? y : x
        }
    }
}

// MARK: - The decoded message

/// `profile.proto` as decoded, before ids and string indexes are resolved (the string table may come last).
struct RawProfile {
    struct ValueType { var type: Int64 = 0, unit: Int64 = 0 }
    struct Label { var key: Int64 = 0, string: Int64 = 0, number: Int64 = 0, numberUnit: Int64 = 0 }
    struct Mapping {
        var id: UInt64 = 0, start: UInt64 = 0, limit: UInt64 = 0, offset: UInt64 = 0
        var filename: Int64 = 0, buildID: Int64 = 0
    }
    struct Line { var function: UInt64 = 0, line: Int64 = 0, column: Int64 = 0 }
    struct Location { var id: UInt64 = 0, mapping: UInt64 = 0, address: UInt64 = 0, lines: [Line] = [] }
    struct Function { var id: UInt64 = 0, name: Int64 = 0, systemName: Int64 = 0, filename: Int64 = 0, startLine: Int64 = 0 }

    var sampleTypes: [ValueType] = []
    /// Samples, flat (no arrays per sample): sample i owns `sampleLocations[ends[i - 1].locations ..<
    /// ends[i].locations]` (leaf first), and likewise its values and labels.
    var sampleLocations: [UInt64] = []
    var sampleValues: [UInt64] = []
    var sampleLabels: [Label] = []
    var sampleEnds: [(locations: Int, values: Int, labels: Int)] = []
    var mappings: [Mapping] = []
    var locations: [Location] = []
    var functions: [Function] = []
    var strings: [String] = []
    var dropFrames: Int64 = 0
    var keepFrames: Int64 = 0
    var timeNanos: Int64 = 0
    var durationNanos: Int64 = 0
    var periodType: ValueType?
    var period: Int64 = 0
    var comments: [UInt64] = []
    var defaultSampleType: Int64 = 0

    /// Calls `body` with a reader over each top-level field (its key included) whose number passes `wanted`, as the
    /// bytes arrive (a gzip input may still be inflating); the others are skipped.
    static func forEachField(of contents: InputContents, where wanted: (UInt64) -> Bool,
                             _ body: (inout ProtoReader) throws(ProfileError) -> Void) throws(ProfileError) {
        var position = 0
        while true {
            // A field's key and length (or its varint or fixed value) take at most 20 bytes.
            let head = try contents.bytes(atLeast: position + 20)
            guard position < head.count else { return }
            var probe = ProtoReader(UnsafeRawBufferPointer(rebasing: head[position...]), base: position)
            let (field, wire) = try probe.tag()
            var end: Int
            if wire == .lengthDelimited {
                let length = try probe.varint()
                guard length <= UInt64(Int.max - position - probe.position) else {
                    throw probe.error("length \(length) past the end")
                }
                end = position + probe.position + Int(length)
            } else {
                try probe.skip(wire)
                end = position + probe.position
            }
            if wanted(field) {
                let bytes = try contents.bytes(atLeast: end)
                guard end <= bytes.count else {
                    throw ProfileError(.malformed, """
                        invalid profile.proto: the field at byte \(position) needs \(end - position) bytes, the \
                        input ends after \(bytes.count - position)
                        """, byteOffset: bytes.count)
                }
                var reader = ProtoReader(UnsafeRawBufferPointer(rebasing: bytes[position ..< end]), base: position)
                try body(&reader)
            }
            position = end
        }
    }

    mutating func decodeField(_ reader: inout ProtoReader) throws(ProfileError) {
        let (field, wire) = try reader.tag()
        switch (field, wire) {
        case (1, .lengthDelimited): sampleTypes.append(try Self.valueType(reader.lengthDelimited()))
        case (2, .lengthDelimited): try decodeSample(reader.lengthDelimited())
        case (3, .lengthDelimited): mappings.append(try Self.mapping(reader.lengthDelimited()))
        case (4, .lengthDelimited): locations.append(try Self.location(reader.lengthDelimited()))
        case (5, .lengthDelimited): functions.append(try Self.function(reader.lengthDelimited()))
        case (6, .lengthDelimited): strings.append(try reader.string())
        case (7, .varint): dropFrames = try reader.int64()
        case (8, .varint): keepFrames = try reader.int64()
        case (9, .varint): timeNanos = try reader.int64()
        case (10, .varint): durationNanos = try reader.int64()
        case (11, .lengthDelimited): periodType = try Self.valueType(reader.lengthDelimited())
        case (12, .varint): period = try reader.int64()
        case (13, _): try reader.appendIntegers(wire, to: &comments)
        case (14, .varint): defaultSampleType = try reader.int64()
        default: try reader.skip(wire)
        }
    }

    private static func valueType(_ message: ProtoReader) throws(ProfileError) -> ValueType {
        var reader = message, result = ValueType()
        while !reader.isAtEnd {
            let (field, wire) = try reader.tag()
            switch (field, wire) {
            case (1, .varint): result.type = try reader.int64()
            case (2, .varint): result.unit = try reader.int64()
            default: try reader.skip(wire)
            }
        }
        return result
    }

    private mutating func decodeSample(_ message: ProtoReader) throws(ProfileError) {
        var reader = message
        while !reader.isAtEnd {
            let (field, wire) = try reader.tag()
            switch field {
            case 1: try reader.appendIntegers(wire, to: &sampleLocations)
            case 2: try reader.appendIntegers(wire, to: &sampleValues)
            case 3 where wire == .lengthDelimited:
                sampleLabels.append(try Self.label(reader.lengthDelimited()))
            default: try reader.skip(wire)
            }
        }
        sampleEnds.append((sampleLocations.count, sampleValues.count, sampleLabels.count))
    }

    /// A sample's `Label` message.
    static func label(_ message: ProtoReader) throws(ProfileError) -> Label {
        var reader = message, result = Label()
        while !reader.isAtEnd {
            let (field, wire) = try reader.tag()
            switch (field, wire) {
            case (1, .varint): result.key = try reader.int64()
            case (2, .varint): result.string = try reader.int64()
            case (3, .varint): result.number = try reader.int64()
            case (4, .varint): result.numberUnit = try reader.int64()
            default: try reader.skip(wire)
            }
        }
        return result
    }

    private static func mapping(_ message: ProtoReader) throws(ProfileError) -> Mapping {
        var reader = message, result = Mapping()
        while !reader.isAtEnd {
            let (field, wire) = try reader.tag()
            switch (field, wire) {
            case (1, .varint): result.id = try reader.varint()
            case (2, .varint): result.start = try reader.varint()
            case (3, .varint): result.limit = try reader.varint()
            case (4, .varint): result.offset = try reader.varint()
            case (5, .varint): result.filename = try reader.int64()
            case (6, .varint): result.buildID = try reader.int64()
            default: try reader.skip(wire)  // has_functions, has_filenames, ...: derived from the data
            }
        }
        return result
    }

    private static func location(_ message: ProtoReader) throws(ProfileError) -> Location {
        var reader = message, result = Location()
        while !reader.isAtEnd {
            let (field, wire) = try reader.tag()
            switch (field, wire) {
            case (1, .varint): result.id = try reader.varint()
            case (2, .varint): result.mapping = try reader.varint()
            case (3, .varint): result.address = try reader.varint()
            case (4, .lengthDelimited):
                var lineReader = try reader.lengthDelimited(), line = Line()
                while !lineReader.isAtEnd {
                    let (lineField, lineWire) = try lineReader.tag()
                    switch (lineField, lineWire) {
                    case (1, .varint): line.function = try lineReader.varint()
                    case (2, .varint): line.line = try lineReader.int64()
                    case (3, .varint): line.column = try lineReader.int64()
                    default: try lineReader.skip(lineWire)
                    }
                }
                result.lines.append(line)
            default: try reader.skip(wire)  // is_folded
            }
        }
        return result
    }

    private static func function(_ message: ProtoReader) throws(ProfileError) -> Function {
        var reader = message, result = Function()
        while !reader.isAtEnd {
            let (field, wire) = try reader.tag()
            switch (field, wire) {
            case (1, .varint): result.id = try reader.varint()
            case (2, .varint): result.name = try reader.int64()
            case (3, .varint): result.systemName = try reader.int64()
            case (4, .varint): result.filename = try reader.int64()
            case (5, .varint): result.startLine = try reader.int64()
            default: try reader.skip(wire)
            }
        }
        return result
    }
}
