import PyrometerModel

/// Decodes `Sample` messages straight into interned stacks, on a thread of its own while another decodes the
/// tables, before the locations and strings are known: under the ids they will get when pprof's ids are dense
/// (location id n is our location n - 1; string index i is our string i, as the table is taken in order). Every
/// writer we know of numbers locations 1...n; `fits(_:)` checks it once the tables are built.
///
/// Decoding into a builder rather than into flat arrays of raw ids skips writing and reading back 8 bytes per
/// frame, which made interning memory-bound on a large profile.
struct SampleInterner {
    private(set) var builder: ProfileBuilder
    /// Values per sample, from the first sample; nil before it.
    private(set) var width: Int?
    private(set) var largestLocationID: UInt64 = 0
    private(set) var largestStringIndex: Int64 = 0
    /// A sample broke an assumption (an id out of range, another value count): the samples must be decoded the
    /// exact way instead.
    private(set) var failed = false

    private var stack: [LocationID] = []
    private var values: [Int64] = []
    private var labels: [Label] = []

    init(expectedBytes: Int) {
        builder = ProfileBuilder(sampleTypes: [], sourceFormat: "")
        // A sample takes a few bytes per frame; a rough size keeps the tables from rehashing many times.
        builder.reserveStacks(frames: expectedBytes / 2, stacks: expectedBytes / 64)
    }

    /// Decodes one top-level field, a `Sample` (field 2), from `reader`.
    mutating func add(_ reader: inout ProtoReader) throws(ProfileError) {
        _ = try reader.tag()
        var sample = try reader.lengthDelimited()
        guard !failed else { return }
        stack.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        while !sample.isAtEnd {
            let (field, wire) = try sample.tag()
            switch (field, wire) {
            case (1, .lengthDelimited):
                var packed = try sample.lengthDelimited()
                while !packed.isAtEnd { try appendLocation(packed.varint()) }
            case (1, .varint): try appendLocation(sample.varint())
            case (2, .lengthDelimited):
                var packed = try sample.lengthDelimited()
                while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.varint())) }
            case (2, .varint): values.append(try sample.int64())
            case (3, .lengthDelimited):
                let label = try RawProfile.label(sample.lengthDelimited())
                let largest = max(label.key, label.string, label.numberUnit)
                guard min(label.key, label.string, label.numberUnit) >= 0 && largest <= Int64(Int32.max) else {
                    failed = true
                    return
                }
                largestStringIndex = max(largestStringIndex, largest)
                labels.append(label.string != 0
                    ? Label(key: StringID(label.key), string: StringID(label.string))
                    : Label(key: StringID(label.key), number: label.number, numberUnit: StringID(label.numberUnit)))
            case (1, _), (2, _):
                throw sample.error("expected integers, found wire type \(wire.rawValue)")
            default: try sample.skip(wire)
            }
            if failed { return }
        }
        if width == nil {
            width = values.count
            for _ in values { _ = builder.addSampleType(ValueType(type: "", unit: "")) }
        }
        guard values.count == width else {
            failed = true
            return
        }
        builder.add(stack: builder.intern(stack: stack), labels: builder.intern(labels: labels), values: values)
    }

    private mutating func appendLocation(_ id: UInt64) {
        guard id >= 1 && id <= UInt64(Int32.max) else {
            failed = true
            return
        }
        largestLocationID = max(largestLocationID, id)
        stack.append(LocationID(id - 1))
    }

    /// Whether the assumed ids hold for tables with `locationCount` locations numbered 1...n, `stringCount`
    /// strings and `sampleTypeCount` sample types.
    func fits(locationCount: Int, stringCount: Int, sampleTypeCount: Int) -> Bool {
        !failed && largestLocationID <= UInt64(locationCount) && largestStringIndex < Int64(max(stringCount, 1))
            && (width ?? sampleTypeCount) == sampleTypeCount
    }
}
