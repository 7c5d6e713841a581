import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerRender
import Testing

/// Differential flamegraphs of the diff's real recordings (Tests/Fixtures/diff, docs/diff.md § Calibration): frames
/// whose change is not significant are pale grey, whatever the size of their change; the planted regression is red.
@Suite struct DifferentialSignificanceTests {
    static let pale = "rgb(232,232,232)"

    /// One side: each profile folded, with its sample count.
    static func profile(_ name: String) throws -> Profile {
        let path = packageRoot().appendingPathComponent("Tests/Fixtures/diff").appendingPathComponent(name).path
        return try Importers.load(InputFile(path: path)).profile
    }

    static func side(_ names: [String]) throws -> (folded: [FoldedStacks], samples: [Int64?]) {
        var folded: [FoldedStacks] = [], samples: [Int64?] = []
        for name in names {
            let profile = try profile(name)
            folded.append(Folder(options: FoldOptions()).fold(profile))
            samples.append(SampleCounts.count(in: profile, sampleType: profile.defaultSampleType))
        }
        return (folded, samples)
    }

    static func names(_ prefix: String) -> [String] { (1 ... 12).map { prefix + String(format: "%02d.folded", $0) } }

    /// The statistics of a recording session: the default for the calibration machine's `aa-` runs; for the small
    /// profiles' session, its own ρ (the margin times the moment estimate of its A/A runs, as DiffNoiseTests).
    static func statistics(_ prefix: String) throws -> DiffOptions {
        var options = DiffOptions()
        guard prefix.hasPrefix("small") else { return options }
        let runs = try (names("small-aa-") + names("big-aa-")).map { name in
            let profile = try profile(name)
            return (HotspotAnalyzer().analyze(profile, fold: FoldOptions()),
                    try #require(SampleCounts.count(in: profile, sampleType: 0)))
        }
        options.betweenRunVariance = DiffOptions.calibrationMargin * ChangeTest.estimateBetweenRunVariance(runs)
        return options
    }

    /// The head's differential flamegraph against the base, as `pyrometer diff --svg` draws it, parsed.
    static func render(base: [String], head: [String], countsKnown: Bool = true,
                       statistics: DiffOptions = DiffOptions()) throws -> ParsedSVG {
        let b = try side(base), h = try side(head)
        var merged = h.folded[0]
        for folded in h.folded.dropFirst() { merged.merge(folded) }
        let tree = FlameTree(merged)
        let unknown = { (count: Int) in [Int64?](repeating: nil, count: count) }
        let comparison = FlamegraphComparison(
            tree: tree, drawn: h.folded, drawnSamples: countsKnown ? h.samples : unknown(h.samples.count),
            other: b.folded, otherSamples: countsKnown ? b.samples : unknown(b.samples.count), treeIsHead: true,
            normalized: true, statistics: statistics)
        var options = FlamegraphOptions()
        options.subtitle = "red: grew, blue: shrank"
        let svg = ParsedSVG(FlamegraphRenderer(options: options).render(tree, comparison: comparison))
        #expect(svg.error == nil)
        return svg
    }

    static func fill(_ svg: ParsedSVG, _ name: String) -> String? {
        svg.frames.first { $0.frameName == name }?.rect["fill"]
    }

    /// The change in points from a frame's tooltip: `name (base …; head …; +1.23 pp)`.
    static func delta(_ frame: ParsedSVG.Element) -> Double? {
        guard let title = frame.child("title")?.text, let last = title.range(of: "; ", options: .backwards),
              let unit = title.range(of: " pp", range: last.upperBound ..< title.endIndex) else { return nil }
        return Double(title[last.upperBound ..< unit.lowerBound])
    }

    static func subtitle(_ svg: ParsedSVG) -> String {
        svg.elements.first { $0.attributes["id"] == "subtitle" }?.text ?? ""
    }

    /// Consecutive A/A pairs of both sizes (one profile per side): every frame is pale, though their changes are not
    /// all small (some frames move by points in the small profiles).
    @Test(arguments: ["aa-", "small-aa-"])
    func aaPairsArePale(prefix: String) throws {
        var moved = 0
        let statistics = try Self.statistics(prefix)
        for i in 1 ..< 12 {
            let svg = try Self.render(base: [prefix + String(format: "%02d.folded", i)],
                                      head: [prefix + String(format: "%02d.folded", i + 1)], statistics: statistics)
            #expect(!svg.frames.isEmpty)
            let coloured = svg.frames.filter { $0.rect["fill"] != Self.pale }.map(\.frameName)
            #expect(coloured.isEmpty, "pair \(i): \(coloured)")
            moved += svg.frames.filter { abs(Self.delta($0) ?? 0) >= 1 }.count
            #expect(Self.subtitle(svg).hasPrefix("red: grew, blue: shrank; pale: change under 1.0 pp and 10% or "
                                                 + "not significant at alpha 0.05 (counts test with between-run noise"))
        }
        #expect(moved > 0, "some frames moved by a point or more, and are pale all the same")
    }

    /// The planted regression (hash_block doing 30% more work, one large profile per side) is red, and so are its
    /// callers, whose inclusive share grew with it.
    @Test func plantedRegressionIsRed() throws {
        let svg = try Self.render(base: ["aa-01.folded"], head: ["slow-01.folded"])
        let hash = try #require(Self.fill(svg, "hash_block"))
        #expect(hash.hasPrefix("rgb(255,") && hash != "rgb(255,245,245)", Comment(rawValue: hash))
        #expect(Self.subtitle(svg).contains("Holm over"))
    }

    /// The frames agree with the diff: in the small planted pairs, hash_block is red exactly when `diff` reports it
    /// as regressed (the same test; its self and inclusive values are the same in this program).
    @Test func smallPlantedPairsAgreeWithTheDiff() throws {
        let statistics = try Self.statistics("small-aa-")
        var red = 0
        for (base, head) in zip(Self.names("small-aa-"), Self.names("small-slow-")) {
            let report = try ProfileDiffer(options: statistics).diff(
                base: ProfileDiffer.Side([Self.profile(base)], fold: { _ in FoldOptions() }),
                head: ProfileDiffer.Side([Self.profile(head)], fold: { _ in FoldOptions() }))
            let regressed = report.regressions.contains { $0.name == "hash_block" }
            let fill = try #require(Self.fill(try Self.render(base: [base], head: [head], statistics: statistics),
                                              "hash_block"))
            #expect(fill.hasPrefix("rgb(255,") == regressed, "\(base) vs \(head): \(fill), regressed \(regressed)")
            if regressed { red += 1 }
        }
        #expect(red > 0)
    }

    /// With several profiles per side, Welch's test: the planted regression is red, the A/A sets are pale.
    @Test func setsUseWelch() throws {
        let aa = (1 ... 12).map { String(format: "aa-%02d.folded", $0) }
        let slow = (1 ... 6).map { String(format: "slow-%02d.folded", $0) }
        let planted = try Self.render(base: Array(aa[..<6]), head: slow)
        #expect(Self.fill(planted, "hash_block")?.hasPrefix("rgb(255,") == true)
        #expect(Self.subtitle(planted).contains("Welch's t-test"))
        let unchanged = try Self.render(base: Array(aa[..<6]), head: Array(aa[6...]))
        #expect(unchanged.frames.allSatisfy { $0.rect["fill"] == Self.pale })
    }

    /// Without sample counts significance cannot be assessed: colours show the change alone, and the subtitle says so.
    @Test func withoutSampleCountsColoursStay() throws {
        let svg = try Self.render(base: ["aa-01.folded"], head: ["aa-02.folded"], countsKnown: false)
        #expect(svg.frames.allSatisfy { $0.rect["fill"] != Self.pale })
        #expect(Self.subtitle(svg).contains("significance not assessed"))
    }
}
