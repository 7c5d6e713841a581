import PyrometerAnalyze
import PyrometerModel
import PyrometerRender
import PyrometerStore

/// The diff of two ranges, as `pyrometer diff` computes it for two profiles: the significance-tested table
/// (`ProfileDiffer`, default statistics) and the differential flame graph (the head's tree, each frame compared
/// with the base and tested as `diff --svg` tests it). Each side is its range merged into one profile, as the flame
/// graph reads a range, so the test is the counts test with the calibrated between-run noise (docs/diff.md).
struct RangeDiff {
    var base: RangeProfile
    var head: RangeProfile
    var report: DiffReport
    var tree: FlameTree
    var comparison: FlamegraphComparison

    /// Loads both sides (the head in the base's sample type) and compares them. A side with nothing in range is
    /// a 404 naming that side; profiles the differ refuses are a 400.
    static func load(_ request: DiffRequest, from store: ProfileStore) throws -> RangeDiff {
        guard let base = try RangeProfile.load(request.base, from: store) else {
            throw QueryError.notFound("the base has no profiles in range (\(request.base.summary))")
        }
        var headRequest = request.head
        headRequest.query.sampleType = base.sampleType.type
        guard let head = try RangeProfile.load(headRequest, from: store) else {
            throw QueryError.notFound("the head has no profiles in range (\(headRequest.summary))")
        }
        let options = DiffOptions()
        let report: DiffReport
        do {
            report = try ProfileDiffer(options: options).diff(
                base: ProfileDiffer.Side([base.profile], fold: { _ in FoldOptions() }),
                head: ProfileDiffer.Side([head.profile], fold: { _ in FoldOptions() }))
        } catch {
            throw QueryError.badRequest(error.description)
        }
        // Drawn as the flame graph draws a range: frames by their full names, widths from the head.
        let baseFolded = Self.folded(base.profile), headFolded = Self.folded(head.profile)
        let tree = FlameTree(headFolded)
        let comparison = FlamegraphComparison(
            tree: tree, drawn: [headFolded], drawnSamples: [Self.samples(head.profile)], other: [baseFolded],
            otherSamples: [Self.samples(base.profile)], treeIsHead: true, normalized: report.normalized,
            statistics: options)
        return RangeDiff(base: base, head: head, report: report, tree: tree, comparison: comparison)
    }

    private static func folded(_ profile: Profile) -> FoldedStacks {
        var options = FoldOptions()
        options.fullNames = true
        return Folder(options: options).fold(profile)
    }

    private static func samples(_ profile: Profile) -> Int64? {
        SampleCounts.count(in: profile, sampleType: profile.defaultSampleType)
    }

    /// `pyrometer diff --svg`'s differential flame graph of the two ranges.
    func svg(_ request: DiffRequest) -> [UInt8] {
        var options = FlamegraphOptions()
        options.title = "Differential Flame Graph: \(request.base.query.service ?? "") \(base.sampleType.type)"
        options.subtitle = "red: grew, blue: shrank (inclusive share, head vs base); head "
            + request.head.summary + " vs base " + request.base.summary
        options.countName = FlamegraphOptions.countName(forUnit: base.sampleType.unit)
        return FlamegraphRenderer(options: options).render(tree, comparison: comparison)
    }
}
