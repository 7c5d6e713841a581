import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

@Suite struct PprofImporterTests {
    struct TopCase: CustomTestStringConvertible, Sendable {
        var profile: String
        var top: String
        var testDescription: String { profile }
    }

    static let topCases = [
        TopCase(profile: "pprof/internal/proftest/testdata/large.cpu",
                top: "pprof/derived/internal/proftest/testdata/large.cpu.top.txt"),
        TopCase(profile: "pprof/internal/report/testdata/sample.cpu",
                top: "pprof/derived/internal/report/testdata/sample.cpu.top.txt"),
    ]

    /// A pprof `-top` value (`205.17s`, `0.04s`, `1.5MB`, `0`) in the profile's base unit, with the rounding of the
    /// printed figure as tolerance.
    static func topValue(_ text: String) -> (value: Double, tolerance: Double)? {
        if text == "0" { return (0, 0) }
        let scales: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9),
                                          ("mins", 60e9), ("hrs", 3600e9), ("kB", 1024), ("MB", 1_048_576),
                                          ("GB", 1_073_741_824), ("B", 1)]
        for (suffix, scale) in scales where text.hasSuffix(suffix) {
            let number = String(text.dropLast(suffix.count))
            guard let value = Double(number) else { continue }
            let decimals = number.split(separator: ".").dropFirst().first?.count ?? 0
            return (value * scale, 0.5 * pow(10, -Double(decimals)) * scale)
        }
        return Double(text).map { ($0, 0.5) }
    }

    /// Per-function self and total (the report's flat and cum) with inlined functions counted as functions
    /// (`--inline-functions`) must equal pprof's `-top` for every row it prints.
    @Test(arguments: topCases)
    func functionTotalsMatchPprofTop(_ testCase: TopCase) throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path(testCase.profile))).profile
        #expect(profile.sourceFormat == "pprof")
        var options = HotspotOptions()
        options.attribution.inlineFunctions = true
        let report = HotspotAnalyzer(options: options).analyze(profile, fold: FoldOptions())
        let byName = Dictionary(report.functions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let row = try Regex(#"^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s+(.+?)(?: \(inline\))?$"#)
        var rows = 0
        for line in try Fixtures.text(testCase.top).split(separator: "\n") {
            guard let match = try row.wholeMatch(in: String(line)),
                  let flatText = match.output[1].substring, let cumText = match.output[2].substring,
                  let name = match.output[3].substring, flatText != "flat",
                  let flat = Self.topValue(String(flatText)), let cum = Self.topValue(String(cumText)) else { continue }
            rows += 1
            let entry = try #require(byName[String(name)], "pprof lists \(name), we do not")
            #expect(abs(Double(entry.selfValue) - flat.value) <= flat.tolerance, "\(name) flat")
            #expect(abs(Double(entry.totalValue) - cum.value) <= cum.tolerance, "\(name) cum")
        }
        #expect(rows >= 5)
        let total = try #require(try Regex(#"of (\S+) total"#).firstMatch(in: Fixtures.text(testCase.top)))
        let expectedTotal = try #require(Self.topValue(String(total.output[1].substring!)))
        #expect(abs(Double(report.total) - expectedTotal.value) <= expectedTotal.tolerance)
    }

    @Test func sampleTypesPeriodAndTimeAreRead() throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path("pprof/internal/report/testdata/sample.cpu"))).profile
        #expect(profile.sampleTypes.map(\.description) == ["samples/count", "cpu/nanoseconds"])
        #expect(profile.defaultSampleType == 1)  // pprof's rule: the last one when default_sample_type is unset
        #expect(profile.periodType?.description == "cpu/nanoseconds")
        #expect(profile.period == 10_000_000)
        #expect(profile.durationNanos > 1_900_000_000 && profile.durationNanos < 2_100_000_000)
        #expect(profile.kind(sampleType: 1) == .cpu)
        #expect(profile.total(sampleType: 0) == 176)  // 1.76 s at 10 ms a sample
    }

    @Test func gzipBombsAreRefused() throws {
        var options = ImportOptions()
        options.maxInflatedBytes = 64 << 10
        let error = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(path: Fixtures.path("pprof/internal/proftest/testdata/large.cpu")),
                               options: options)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.description.contains("large.cpu") == true)
    }

    @Test func truncatedAndCorruptInputsAreErrors() throws {
        let whole = try Array(Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pprof/internal/report/testdata/sample.cpu"))))
        let truncatedGzip = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "cut.pb.gz", bytes: Array(whole.prefix(whole.count / 2))))
        }
        #expect(truncatedGzip?.message.contains("gzip") == true)
        // The raw protobuf cut short: a field's length runs past the end.
        let raw = try Fixtures.gunzip("pprof/internal/report/testdata/sample.cpu")
        let truncatedProto = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "cut.pb", bytes: Array(raw.prefix(raw.count - 7))))
        }
        #expect(truncatedProto?.byteOffset != nil)
        #expect(truncatedProto?.description.hasPrefix("cut.pb: byte ") == true)
    }

    /// A hand-made profile.proto: `locationIDs` numbers the locations (pprof only asks for unique non-zero ids),
    /// samples name them by those ids.
    static func handMadeProfile(locationIDs: [UInt64], samples: [(locations: [UInt64], values: [UInt64])],
                                dropFrames: String? = nil) -> [UInt8] {
        func varint(_ value: UInt64) -> [UInt8] {
            var value = value, bytes: [UInt8] = []
            while value >= 0x80 { bytes.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
            return bytes + [UInt8(value)]
        }
        func field(_ number: UInt64, _ value: UInt64) -> [UInt8] { varint(number << 3) + varint(value) }
        func field(_ number: UInt64, _ message: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(message.count)) + message }
        var strings = ["", "samples", "count", "cpu", "nanoseconds", "main", "work", "leaf", "work|leaf"]
        if let dropFrames { strings.append(dropFrames) }
        var bytes: [UInt8] = []
        bytes += field(1, field(1, 1) + field(2, 2))  // samples/count
        bytes += field(1, field(1, 3) + field(2, 4))  // cpu/nanoseconds
        for sample in samples {
            bytes += field(2, field(1, sample.locations.flatMap(varint)) + field(2, sample.values.flatMap(varint))
                              + field(3, field(1, 1) + field(2, 5)))  // label samples=main
        }
        for (index, id) in locationIDs.enumerated() {
            bytes += field(4, field(1, id) + field(4, field(1, UInt64(index + 1))))  // one line: function index+1
        }
        for index in locationIDs.indices { bytes += field(5, field(1, UInt64(index + 1)) + field(2, UInt64(5 + index))) }
        for string in strings { bytes += field(6, Array(string.utf8)) }
        if dropFrames != nil { bytes += field(7, UInt64(strings.count - 1)) }
        return bytes
    }

    /// Samples are interned on their own thread assuming location ids 1...n (what Go writes); other numberings,
    /// `drop_frames` and broken samples take the exact path, with the same profile or the same errors.
    @Test func locationNumberingDoesNotChangeTheProfile() throws {
        let stacks: [(locations: [Int], values: [UInt64])] = [([2, 1, 0], [1, 10]), ([1, 0], [2, 20]), ([2, 1, 0], [3, 30])]
        func profile(_ ids: [UInt64], dropFrames: String? = nil) throws -> Profile {
            let bytes = Self.handMadeProfile(locationIDs: ids, samples: stacks.map { ($0.locations.map { ids[$0] }, $0.values) },
                                             dropFrames: dropFrames)
            return try Importers.load(InputFile(name: "hand.pb", bytes: bytes)).profile
        }
        func lines(_ profile: Profile) -> [String] {
            Folder().fold(profile).sortedLines().map { String(decoding: $0.stack, as: UTF8.self) + " \($0.value)" }
        }
        let folded = try lines(profile([1, 2, 3]))
        #expect(folded == ["main;work 20", "main;work;leaf 40"])
        for ids: [UInt64] in [[3, 2, 1], [10, 20, 30], [1, 2, 1 << 40]] {
            #expect(try lines(profile(ids)) == folded, "ids \(ids)")
        }
        // drop_frames cuts the leaf.
        #expect(try lines(profile([1, 2, 3], dropFrames: "leaf")) == ["main;work 60"])

        let unknown = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "bad.pb", bytes: Self.handMadeProfile(
                locationIDs: [1, 2], samples: [([1], [1, 1]), ([7, 1], [1, 1])])))
        }
        #expect(unknown?.message.contains("unknown location 7") == true)
        let width = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "bad.pb", bytes: Self.handMadeProfile(
                locationIDs: [1], samples: [([1], [1, 1]), ([1], [1])])))
        }
        #expect(width?.message.contains("a sample has 1 values for 2 sample types") == true)
    }

    @Test func rawAndGzipProtoGiveTheSameProfile() throws {
        let raw = try Fixtures.gunzip("pprof/internal/report/testdata/sample.cpu")
        let fromRaw = try Importers.load(InputFile(name: "sample.pb", bytes: raw)).profile
        let fromGzip = try Importers.load(InputFile(path: Fixtures.path("pprof/internal/report/testdata/sample.cpu"))).profile
        #expect(fromRaw.canonicalDump() == fromGzip.canonicalDump())
    }

    /// samples/go-*.pb.gz are real runtime/pprof profiles of samples/src/goapp, whose costs are known by
    /// construction.
    @Test func realGoProfilesReadForEverySampleType() throws {
        let cpu = try Importers.load(InputFile(path: Fixtures.path("../../samples/go-cpu.pb.gz"))).profile
        #expect(cpu.sampleTypes.map(\.description) == ["samples/count", "cpu/nanoseconds"])
        #expect(cpu.kind(sampleType: cpu.defaultSampleType) == .cpu)
        let cpuReport = HotspotAnalyzer().analyze(cpu, fold: FoldOptions())
        let hashLoop = try #require(cpuReport.functions.first { $0.name == "main.hashLoop" })
        #expect(hashLoop.totalShare > 0.8)

        let heap = try Importers.load(InputFile(path: Fixtures.path("../../samples/go-heap.pb.gz"))).profile
        #expect(heap.sampleTypes.map(\.type) == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
        #expect(heap.sampleTypes.map(\.unit) == ["count", "bytes", "count", "bytes"])
        #expect(heap.sampleTypes[heap.defaultSampleType].type == "inuse_space")
        #expect(heap.periodType?.description == "space/bytes")
        func share(_ type: String, _ function: String) throws -> Double {
            var options = FoldOptions()
            let index: Int = try #require(heap.sampleTypeIndex(named: type))
            options.sampleType = index
            let report = HotspotAnalyzer().analyze(heap, fold: options)
            #expect(report.kind == .other)
            return report.functions.first { $0.name == function }?.selfShare ?? 0
        }
        for type in ["alloc_space", "inuse_objects", "inuse_space"] {
            #expect(try share(type, "main.buildIndex") > 0.4, "\(type)")
        }
        #expect(try share("alloc_space", "main.churn") > 0.2)
        #expect(try share("alloc_objects", "main.churn") > 0.5)
        #expect(try share("inuse_space", "main.churn") < 0.05)
    }
}
