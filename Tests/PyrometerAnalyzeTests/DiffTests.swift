import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

/// The diff on real recordings (Tests/Fixtures/diff, made by scripts/make-diff-fixtures.sh): 12 runs of one
/// unchanged program on a machine with a noisy neighbour, and 6 runs with hash_block doing 30% more work (the
/// calibration machine; the small profiles of another session are in DiffNoiseTests).
@Suite struct DiffTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/diff")

    static func profile(_ name: String) throws -> Profile {
        try Importers.load(InputFile(path: directory.appendingPathComponent(name).path)).profile
    }

    static let unchanged = (1 ... 12).map { String(format: "aa-%02d.folded", $0) }
    static let slowed = (1 ... 6).map { String(format: "slow-%02d.folded", $0) }

    static func side(_ names: [String]) throws -> ProfileDiffer.Side {
        try ProfileDiffer.Side(names.map(profile), fold: { _ in FoldOptions() })
    }

    static func diff(_ base: [String], _ head: [String], options: DiffOptions = DiffOptions()) throws -> DiffReport {
        try ProfileDiffer(options: options).diff(base: side(base), head: side(head))
    }

    /// The diff of the same folded recordings with every count multiplied by `factor`: the same shares from
    /// `factor` times the samples.
    static func diff(_ base: [String], _ head: [String], scaledBy factor: Int64,
                     options: DiffOptions) throws -> DiffReport {
        func scaled(_ name: String) throws -> Profile {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            var out = ""
            for line in text.split(separator: "\n") {
                guard let space = line.lastIndex(of: " "), let count = Int64(line[line.index(after: space)...]) else {
                    continue
                }
                out += line[..<space] + " \(count * factor)\n"
            }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-\(factor)x-\(name)")
            try out.write(to: url, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: url) }
            return try Importers.load(InputFile(path: url.path)).profile
        }
        let side = { (names: [String]) in try ProfileDiffer.Side(names.map(scaled), fold: { _ in FoldOptions() }) }
        return try ProfileDiffer(options: options).diff(base: side(base), head: side(head))
    }

    /// Every pair of unchanged runs (66): nothing regressed or improved.
    @Test func aaPairsFlagNothing() throws {
        var pairs = 0
        for (i, a) in Self.unchanged.enumerated() {
            for b in Self.unchanged[(i + 1)...] {
                let report = try Self.diff([a], [b])
                #expect(report.method == .countsWithRunNoise(betweenRun: DiffOptions.calibratedBetweenRunVariance))
                #expect(report.regressions.isEmpty && report.improvements.isEmpty,
                        "\(a) vs \(b): \(report.regressions.map(\.name)) \(report.improvements.map(\.name))")
                pairs += 1
            }
        }
        #expect(pairs == 66)
    }

    /// The same with six runs per side: Welch's test on per-profile shares.
    @Test func aaSetsFlagNothing() throws {
        let report = try Self.diff(Array(Self.unchanged[..<6]), Array(Self.unchanged[6...]))
        #expect(report.method == .welch)
        #expect(report.regressions.isEmpty && report.improvements.isEmpty)
    }

    /// A single pair: the planted regression is found in at least 5 of the 6 pairs (one pair's noise hides part
    /// of it; measured power, docs/diff.md), and no other function is ever reported as regressed.
    @Test func plantedRegressionInSinglePairs() throws {
        var found = 0
        for (base, head) in zip(Self.unchanged, Self.slowed) {
            let report = try Self.diff([base], [head])
            #expect(report.regressions.allSatisfy { $0.name == "hash_block" }, "\(base) vs \(head)")
            if report.regressions.map(\.name) == ["hash_block"] { found += 1 }
            let hash = try #require(report.functions.first { $0.name == "hash_block" })
            #expect(hash.deltaPercent > 3 && hash.relativeChange! > 0.10)
        }
        #expect(found >= 5, "found in \(found) of 6 pairs")
    }

    @Test func plantedRegressionInSets() throws {
        let report = try Self.diff(Array(Self.unchanged[..<6]), Self.slowed)
        #expect(report.method == .welch)
        #expect(report.regressions.map(\.name) == ["hash_block"])
        let hash = report.regressions[0]
        // hash_block does 30% more work: its share grows by about a quarter (the total grew too).
        #expect(hash.relativeChange! > 0.2 && hash.relativeChange! < 0.35)
        #expect(hash.adjustedPValue! < 0.01)
        #expect(report.functions.first?.name == "hash_block")  // sorted by impact
    }

    /// The built-in between-run variance is the calibration margin times the moment estimate of the A/A pairs
    /// (rounded to one significant digit), and that estimate shows more than binomial noise.
    @Test func calibratedRunNoiseCoversTheAAPairs() throws {
        let runs = try Self.unchanged.map { name in
            let profile = try Self.profile(name)
            return (HotspotAnalyzer().analyze(profile, fold: FoldOptions()),
                    try #require(SampleCounts.count(in: profile, sampleType: 0)))
        }
        let estimate = ChangeTest.estimateBetweenRunVariance(runs)
        #expect(estimate > 0.0001, "the fixtures should show more than binomial noise (measured \(estimate))")
        let calibrated = DiffOptions.calibrationMargin * estimate
        #expect(abs(DiffOptions.calibratedBetweenRunVariance - calibrated) <= 0.05 * calibrated,
                "margin × estimate = \(calibrated)")
    }

    @Test func normalizationAndAbsoluteComparison() throws {
        // Head doubled every stack: normalized, nothing changed; absolute, everything doubled.
        func folded(_ lines: [(String, Int64)]) -> Profile {
            var builder = ProfileBuilder(sampleTypes: [ValueType(type: "alloc_objects", unit: "count")],
                                         defaultSampleType: 0, sourceFormat: "pprof")
            for (stack, value) in lines {
                let locations = stack.split(separator: ";").reversed().map { name in
                    builder.intern(Location(mapping: nil, address: 0, lines: [
                        Line(function: builder.intern(Function(name: builder.intern(String(name))))),
                    ]))
                }
                builder.add(stack: builder.intern(stack: locations), type: 0, value: value)
            }
            return builder.build()
        }
        let base = folded([("main;a", 100), ("main;b", 300)])
        let head = folded([("main;a", 200), ("main;b", 600)])
        let side = { (p: Profile) in ProfileDiffer.Side([p], fold: { _ in FoldOptions() }) }
        var options = DiffOptions()
        options.normalize = true
        let normalized = try ProfileDiffer(options: options).diff(base: side(base), head: side(head))
        #expect(normalized.functions.allSatisfy { $0.deltaPercent == 0 })
        let absolute = try ProfileDiffer().diff(base: side(base), head: side(head))  // counts: absolute by default
        #expect(!absolute.normalized)
        let a = try #require(absolute.functions.first { $0.name == "a" })
        #expect(a.relativeChange == 1)
        #expect(abs(a.deltaPercent - 25) < 1e-9)  // +100 of the base total 400
        #expect(absolute.method == .unavailable)  // pprof counts without a samples type or period
        #expect(a.regressed)  // past the thresholds; significance cannot be assessed
    }

    @Test func differentSampleTypesAreRefused() throws {
        let cpu = try Self.profile("aa-01.folded")
        let heap = try Self.profile("heap-base.pb.gz")
        #expect(throws: DiffError.self) {
            try ProfileDiffer().diff(base: ProfileDiffer.Side([cpu], fold: { _ in FoldOptions() }),
                                     head: ProfileDiffer.Side([heap], fold: { _ in FoldOptions() }))
        }
    }
}
