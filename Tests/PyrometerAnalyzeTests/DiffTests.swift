import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

/// The diff on real recordings (Tests/Fixtures/diff, made by scripts/make-diff-fixtures.sh): 12 runs of one
/// unchanged program on a machine with a noisy neighbour, and 6 runs with hash_block doing 30% more work.
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

    /// Every pair of unchanged runs (66): nothing regressed or improved.
    @Test func aaPairsFlagNothing() throws {
        var pairs = 0
        for (i, a) in Self.unchanged.enumerated() {
            for b in Self.unchanged[(i + 1)...] {
                let report = try Self.diff([a], [b])
                #expect(report.method == .overdispersedCounts(overdispersion: DiffOptions.calibratedOverdispersion))
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

    /// The built-in overdispersion is no smaller than the dispersion of the A/A pairs: the mean of z² (binomial
    /// z of every function over 1% in every pair), which is 1 for pure sampling noise.
    @Test func calibratedOverdispersionCoversTheAAPairs() throws {
        var squares: [Double] = [], largest = 0.0
        let profiles = try Self.unchanged.map { try HotspotAnalyzer().analyze(Self.profile($0), fold: FoldOptions()) }
        for (i, a) in profiles.enumerated() {
            for b in profiles[(i + 1)...] {
                let n1 = Double(a.total), n2 = Double(b.total)
                for entry in a.functions {
                    let other = b.functions.first { $0.name == entry.name }?.selfValue ?? 0
                    let pooled = (Double(entry.selfValue) + Double(other)) / (n1 + n2)
                    guard pooled >= 0.01 else { continue }
                    let z = (Double(other) / n2 - Double(entry.selfValue) / n1)
                        / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
                    squares.append(z * z)
                    largest = max(largest, abs(z))
                }
            }
        }
        let dispersion = squares.reduce(0, +) / Double(squares.count)
        #expect(dispersion > 1.2, "the fixtures should show more than binomial noise (measured \(dispersion))")
        #expect(DiffOptions.calibratedOverdispersion >= dispersion)
        // The largest A/A z, shrunk by the inflation, is below the 5% two-sided critical value.
        #expect(largest / DiffOptions.calibratedOverdispersion.squareRoot() < 1.96)
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
