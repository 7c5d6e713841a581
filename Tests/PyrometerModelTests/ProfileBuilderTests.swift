import PyrometerModel
import Testing

@Suite struct ProfileBuilderTests {
    /// A builder with one sample type and stacks given root first as names.
    static func build(_ stacks: [([String], Int64, String?)], order: [Int]? = nil) -> Profile {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "cpu", unit: "nanoseconds")], sourceFormat: "test")
        for index in order ?? Array(stacks.indices) {
            let (frames, value, comm) = stacks[index]
            let locations = frames.reversed().map { name in
                builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: builder.function(named: name))]))
            }
            let labels = comm.map { [Label(key: builder.intern("comm"), string: builder.intern($0))] } ?? []
            let stack = builder.intern(stack: locations)
            builder.add(stack: stack, labels: builder.intern(labels: labels), type: 0, value: value)
        }
        return builder.build()
    }

    static let example: [([String], Int64, String?)] = [
        (["main", "a", "b"], 3, "app"), (["main", "a"], 2, "app"), (["main", "a", "b"], 4, "app"),
        (["main", "c"], 1, nil), (["main", "a", "b"], 5, "other"),
    ]

    @Test func samplesWithTheSameStackAndLabelsAreSummed() {
        let profile = Self.build(Self.example)
        #expect(profile.samples.count == 4)
        #expect(profile.stacks.count == 3)
        #expect(profile.total(sampleType: 0) == 15)
        #expect(profile.functions.count == 4)
        let dump = profile.canonicalDump()
        #expect(dump.contains("7 {comm=app} main;a;b\n"))
        #expect(dump.contains("5 {comm=other} main;a;b\n"))
        #expect(dump.contains("1 {} main;c\n"))
    }

    @Test func canonicalDumpIgnoresInsertionOrder() {
        let forward = Self.build(Self.example).canonicalDump()
        let backward = Self.build(Self.example, order: Array(Self.example.indices.reversed())).canonicalDump()
        #expect(forward == backward)
    }

    @Test func mergeEqualsBuildingEverythingInOne() {
        let whole = Self.build(Self.example)
        var merged = ProfileBuilder(sampleTypes: [], sourceFormat: "test")
        merged.merge(Self.build(Array(Self.example.prefix(2))))
        merged.merge(Self.build(Array(Self.example.dropFirst(2))))
        #expect(merged.build().canonicalDump() == whole.canonicalDump())
    }

    @Test func addingASampleTypeWidensExistingSamples() {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "cycles", unit: "count")], sourceFormat: "test")
        let f = builder.function(named: "f")
        let stack = builder.intern(stack: [builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: f)]))])
        builder.add(stack: stack, type: 0, value: 10)
        let second = builder.addSampleType(ValueType(type: "instructions", unit: "count"))
        builder.add(stack: stack, type: second, value: 7)
        let profile = builder.build()
        #expect(profile.samples.count == 1)
        #expect(profile.value(sample: 0, type: 0) == 10)
        #expect(profile.value(sample: 0, type: 1) == 7)
    }

    @Test func stackTableKeepsManyDistinctStacks() {
        var table = StackTable()
        for i in 0 ..< 5000 { #expect(table.intern([LocationID(i), LocationID(i % 7)]) == StackID(i)) }
        for i in stride(from: 0, to: 5000, by: 97) { #expect(table.intern([LocationID(i), LocationID(i % 7)]) == StackID(i)) }
        #expect(table.count == 5000)
        #expect(Array(table[StackID(4999)]) == [4999, 4999 % 7])
    }

    /// The hash is stored by later features (the profile store), so it must never change between runs or builds.
    @Test func stableHashIsFixed() {
        #expect(StableHash.hash("") == StableHash.hash(""))
        #expect(StableHash.hash("main;a;b") != StableHash.hash("main;a:b"))
        // Known answers (recorded when the hash was introduced): a change here breaks stored stack keys.
        #expect(StableHash.hash("abc") == 0xB6BD_4E7D_F9D2_EB71)
        #expect(StableHash.hash("main;a;b") == 0x72A3_9107_728B_4492)
    }

    /// The hotspot threshold follows the kind: wall-clock when the sample or period type says "wall" (pprof's
    /// wall profiles, e.g. from Go's fgprof or Pyroscope), memory and lock profiles are "other", the rest CPU.
    @Test(arguments: [
        ("wall", "nanoseconds", nil, ProfileKind.wall), ("samples", "count", "wall", .wall),
        ("cpu", "nanoseconds", "cpu", .cpu), ("cycles", "count", nil, .cpu), ("cpu-clock", "nanoseconds", nil, .cpu),
        ("alloc_space", "bytes", "space", .other), ("inuse_objects", "count", nil, .other),
        ("contentions", "count", nil, .other), ("delay", "nanoseconds", nil, .other),
    ] as [(String, String, String?, ProfileKind)])
    func profileKindFromTypes(_ type: String, _ unit: String, _ periodType: String?, _ expected: ProfileKind) {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: type, unit: unit)], sourceFormat: "test")
        builder.periodType = periodType.map { ValueType(type: $0, unit: unit) }
        #expect(builder.build().kind(sampleType: 0) == expected)
    }
}

@Suite struct StringInternerTests {
    /// Appended strings are indexed by the next `intern`: found there, duplicates keep the first id, and the table
    /// grows past its initial size while indexing.
    @Test func appendedStringsAreFoundByLaterInterns() {
        var interner = StringInterner()
        let words = (0 ..< 3000).map { "word\($0)" }
        for word in words { _ = interner.append(word) }
        _ = interner.append("word7")  // a duplicate gets a second id
        #expect(interner.intern("word7") == 7)
        for (id, word) in words.enumerated() { #expect(interner.intern(word) == Int32(id)) }
        #expect(interner.intern("new") == 3001)
        #expect(interner.intern("new") == 3001)
        #expect(interner.count == 3002)
    }
}

/// The hash tables against `Dictionary` on the same seeded sequence of operations: appends and interns mixed (with
/// duplicates among the appended), sets, lookups, growth and `removeAll`.
@Suite struct HashTableTests {
    /// A linear congruential generator (Knuth's MMIX constants): every run replays the same operations.
    struct Sequence {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
    }

    @Test func internersGiveTheFirstIdOfEachValueAsADictionaryWould() {
        var random = Sequence(state: 7)
        var interner = Interner<Location>()
        var strings = StringInterner()
        var firstID: [Int: Int32] = [:]  // value → the first id it got
        for step in 0 ..< 20_000 {
            let value = random.next(3_000)
            let location = Location(mapping: nil, address: UInt64(value), lines: [Line(function: Int32(value % 7))])
            if random.next(4) == 0 {
                // Appended: a duplicate gets a new id, and lookups keep finding the first.
                let id = interner.append(location)
                #expect(strings.append("v\(value)") == id)
                if firstID[value] == nil { firstID[value] = id }
            } else {
                let id = interner.intern(location)
                #expect(strings.intern("v\(value)") == id, "step \(step)")
                #expect(id == firstID[value] ?? Int32(interner.count - 1), "step \(step)")
                if firstID[value] == nil { firstID[value] = id }
            }
        }
        #expect(interner.count == strings.count)
        #expect(firstID.count > 2_500)
    }

    @Test func integerIndexAgreesWithADictionary() {
        var random = Sequence(state: 11)
        var index = IntegerIndex(capacity: 4)
        var reference: [UInt64: Int32] = [:]
        for step in 0 ..< 50_000 {
            // Keys spread over the whole range, and clustered ones that share low bits.
            let key = random.next(2) == 0 ? UInt64(random.next(5_000)) << 40 : UInt64(random.next(5_000))
            switch random.next(20) {
            case 0 where step % 7 == 0:
                index.removeAll()
                reference.removeAll()
            case 1:
                index.reserveCapacity(index.count + random.next(2_000))
            case 2 ..< 12:
                let value = Int32(random.next(1 << 20))
                index.set(key, value)
                reference[key] = value
            default:
                #expect(index[key] == reference[key], "step \(step)")
            }
            #expect(index.count == reference.count)
        }
        for (key, value) in reference { #expect(index[key] == value) }
    }
}

@Suite struct DecimalBytesTests {
    @Test func decimalsAreWrittenAsStringWritesThem() {
        var random = HashTableTests.Sequence(state: 3)
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        for _ in 0 ..< 1_000 { values.append(Int64(random.next(Int.max)) &* (random.next(2) == 0 ? -1 : 1)) }
        for value in values {
            var bytes: [UInt8] = [UInt8(ascii: "x")]
            bytes.appendDecimal(value)
            #expect(bytes == Array(("x" + String(value)).utf8))
        }
        var unsigned: [UInt8] = []
        unsigned.appendDecimal(UInt64.max)
        #expect(unsigned == Array(String(UInt64.max).utf8))
    }
}

/// Which profiles are wall-clock time without a flag.
@Suite struct ProfileKindTests {
    static func profile(_ types: [ValueType], period: ValueType?) -> Profile {
        var builder = ProfileBuilder(sampleTypes: types, sourceFormat: "test")
        builder.periodType = period
        return builder.build()
    }

    @Test func wallClockProfilesAreRecognized() {
        // Go's fgprof: `samples/count` and `time/nanoseconds`, period type `wallclock`.
        let fgprof = Self.profile([.init(type: "samples", unit: "count"), .init(type: "time", unit: "nanoseconds")],
                                  period: .init(type: "wallclock", unit: "nanoseconds"))
        #expect(fgprof.kind(sampleType: 1) == .wall)
        let perf = Self.profile([.init(type: "wall", unit: "nanoseconds"), .init(type: "cpu", unit: "nanoseconds"),
                                 .init(type: "off-cpu", unit: "nanoseconds")], period: nil)
        #expect(perf.kind(sampleType: 0) == .wall && perf.kind(sampleType: 1) == .cpu && perf.kind(sampleType: 2) == .wall)
        let cpu = Self.profile([.init(type: "samples", unit: "count"), .init(type: "cpu", unit: "nanoseconds")],
                               period: .init(type: "cpu", unit: "nanoseconds"))
        #expect(cpu.kind(sampleType: 1) == .cpu)
    }
}
