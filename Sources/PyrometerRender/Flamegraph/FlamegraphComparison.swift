import PyrometerAnalyze
import PyrometerModel

/// What a differential flamegraph compares each frame of its tree with.
public struct FlamegraphComparison: Sendable {
    /// For every node of the tree: the other profile's inclusive value on the same path (`FlameTree.inclusiveValues`).
    public var otherValues: [Int64]
    /// The other profile's total.
    public var otherTotal: Int64
    /// Whether the tree (the widths) is the head profile; if false it is the base and the other is the head.
    public var treeIsHead: Bool
    /// Compare shares of each side's total (true) or absolute values, as a share of the base total.
    public var normalized: Bool

    /// How to test each frame's change; nil draws every frame by the size of its change alone (and says nothing
    /// about significance).
    public var significance: FrameSignificance?

    public init(otherValues: [Int64], otherTotal: Int64, treeIsHead: Bool = true, normalized: Bool = true,
                significance: FrameSignificance? = nil) {
        self.otherValues = otherValues
        self.otherTotal = otherTotal
        self.treeIsHead = treeIsHead
        self.normalized = normalized
        self.significance = significance
    }
}

extension FlamegraphComparison {
    /// A comparison of `tree` (drawn from the merged `drawn` profiles) with the `other` side's profiles whose frames
    /// are tested as `diff` tests functions (`statistics`: noise model, thresholds, alpha), with each profile's
    /// sample count (nil when unknown: significance is then not assessed).
    public init(tree: FlameTree, drawn: [FoldedStacks], drawnSamples: [Int64?], other: [FoldedStacks],
                otherSamples: [Int64?], treeIsHead: Bool, normalized: Bool, statistics: DiffOptions,
                reverse: Bool = false) {
        var merged = other.first ?? FoldedStacks(valueType: tree.valueType)
        for folded in other.dropFirst() { merged.merge(folded) }
        let (base, head) = treeIsHead ? (other, drawn) : (drawn, other)
        let (baseSamples, headSamples) = treeIsHead ? (otherSamples, drawnSamples) : (drawnSamples, otherSamples)
        let test = ChangeTest(baseTotals: base.map(\.total), baseSamples: baseSamples, headTotals: head.map(\.total),
                              headSamples: headSamples, normalize: normalized, options: statistics)
        // Per-profile values of every frame only for Welch's test; the counts test uses each side's sum.
        let perProfile = test.method == .welch
        let significance = FrameSignificance(
            test: test, options: statistics,
            drawnProfiles: perProfile ? drawn.map { tree.inclusiveValues(of: $0, reverse: reverse) } : [],
            otherProfiles: perProfile ? other.map { tree.inclusiveValues(of: $0, reverse: reverse) } : [])
        self.init(otherValues: tree.inclusiveValues(of: merged, reverse: reverse), otherTotal: merged.total,
                  treeIsHead: treeIsHead, normalized: normalized, significance: significance)
    }
}

/// What a differential flamegraph needs to test every frame's inclusive change as `diff` tests a function's self
/// change (the same `ChangeTest`, thresholds and alpha), so that frames whose change could be noise are drawn pale.
public struct FrameSignificance: Sendable {
    /// Built from both sides' per-profile totals and sample counts.
    public var test: ChangeTest
    /// The thresholds and alpha (a frame must pass the thresholds to be tested, as a function must in `diff`).
    public var options: DiffOptions
    /// Per profile of the side the tree was drawn from, then of the other side: each node's inclusive value
    /// (`FlameTree.inclusiveValues`), in the order of the test's totals. Only needed for Welch's test (two or more
    /// profiles per side); with one profile per side the tree's and `otherValues` are used.
    public var drawnProfiles: [[Int64]]
    public var otherProfiles: [[Int64]]

    public init(test: ChangeTest, options: DiffOptions, drawnProfiles: [[Int64]] = [], otherProfiles: [[Int64]] = []) {
        self.test = test
        self.options = options
        self.drawnProfiles = drawnProfiles
        self.otherProfiles = otherProfiles
    }
}

/// Per-node colours and tooltips of a differential flamegraph.
struct ComparisonColors {
    let normalized: Bool
    let baseTotal: Int64, headTotal: Int64
    /// Per node: its base and head values, and head minus base in percentage points (of each side's total when
    /// normalized, of the base total otherwise).
    let base: [Int64], head: [Int64]
    let deltas: [Double]
    /// Change (percentage points) at which a frame gets the full colour: the largest change in the graph, but at
    /// least 1 point, so that the small noise of an unchanged profile stays pale instead of being stretched to
    /// full red and blue (as FlameGraph's scaling by the largest delta does).
    let saturation: Double

    init(_ comparison: FlamegraphComparison, tree: FlameTree) {
        let drawn = tree.nodes.map(\.total)
        let other = tree.nodes.indices.map { $0 < comparison.otherValues.count ? comparison.otherValues[$0] : 0 }
        (base, head) = comparison.treeIsHead ? (other, drawn) : (drawn, other)
        (baseTotal, headTotal) = comparison.treeIsHead ? (comparison.otherTotal, tree.total)
            : (tree.total, comparison.otherTotal)
        normalized = comparison.normalized
        let (base, head, baseTotal, headTotal) = (base, head, baseTotal, headTotal)
        deltas = tree.nodes.indices.map { node in
            if comparison.normalized {
                let b = baseTotal > 0 ? Double(base[node]) / Double(baseTotal) : 0
                let h = headTotal > 0 ? Double(head[node]) / Double(headTotal) : 0
                return (h - b) * 100
            }
            return baseTotal > 0 ? Double(head[node] - base[node]) / Double(baseTotal) * 100 : (head[node] > 0 ? 100 : 0)
        }
        saturation = max(deltas.map(abs).max() ?? 0, 1)
        (significant, legend) = Self.assess(comparison, base: base, head: head, deltas: deltas)
    }

    /// Per node whether its change is significant (nil: not assessed), and the legend's words for it.
    let significant: [Bool]?
    let legend: String?

    /// Holm over the frames whose inclusive change passes the thresholds, each tested as `diff` tests a function's
    /// self change. Inclusive, because the colour shows the inclusive change (a parent whose children grew is red).
    private static func assess(_ comparison: FlamegraphComparison, base: [Int64], head: [Int64],
                               deltas: [Double]) -> ([Bool]?, String?) {
        guard let significance = comparison.significance else { return (nil, nil) }
        let test = significance.test, options = significance.options
        guard test.method != .unavailable else {
            return (nil, "significance not assessed (no sample counts): colours show the size of the change only")
        }
        var family: [Int] = [], pValues: [Double] = []
        for node in deltas.indices {
            let relative = base[node] > 0 ? Double(head[node] - base[node]) / Double(base[node]) : .infinity
            guard abs(deltas[node]) >= options.minDeltaPoints, abs(relative) >= options.minRelativeChange else {
                continue
            }
            let p: Double?
            if test.method == .welch {
                let (baseProfiles, headProfiles) = comparison.treeIsHead
                    ? (significance.otherProfiles, significance.drawnProfiles)
                    : (significance.drawnProfiles, significance.otherProfiles)
                p = test.pValue(base: baseProfiles.map { node < $0.count ? $0[node] : 0 },
                                head: headProfiles.map { node < $0.count ? $0[node] : 0 })
            } else {
                p = test.pValue(baseSum: base[node], headSum: head[node])
            }
            guard let p else { continue }
            family.append(node)
            pValues.append(p)
        }
        var significant = [Bool](repeating: false, count: deltas.count)
        for (node, adjusted) in zip(family, Statistics.holmAdjusted(pValues)) where adjusted < options.alpha {
            significant[node] = true
        }
        let alpha = ReportText.fixed(options.alpha, places: 2)
        let thresholds = "\(ReportText.fixed(options.minDeltaPoints, places: 1)) pp and "
            + "\(ReportText.fixed(options.minRelativeChange * 100, places: 0))%"
        return (significant, "pale: change under \(thresholds) or not significant at alpha \(alpha) "
                + "(\(test.method.shortDescription), Holm over \(family.count) frames)")
    }

    /// The fill of a frame whose change is not significant, whatever its size: a light grey, paler than any red or
    /// blue of a significant change of 1 point or more.
    static let paleFill = Array("rgb(232,232,232)".utf8)

    /// Red for growth, blue for shrinkage, in proportion to the change; near-white when unchanged; pale grey when
    /// the change is not significant.
    func fill(node: Int) -> [UInt8] {
        if let significant, !significant[node] { return Self.paleFill }
        let delta = deltas[node]
        let strength = min(1, abs(delta) / saturation)
        let faded = Int((245 - 200 * strength).rounded())
        let (r, g, b) = delta > 0 ? (255, faded, faded) : delta < 0 ? (faded, faded, 255) : (245, 245, 245)
        return Array("rgb(\(r),\(g),\(b))".utf8)
    }

    /// `base 1,000 samples, 10.00%; head 1,234 samples, 12.34%; +2.34 pp` (the part inside the parentheses).
    func writeTooltip(node: Int, countName: [UInt8], to out: inout SVGBuffer) {
        out.raw("base ")
        out.grouped(base[node])
        out.raw(countName)
        out.fixed2(baseTotal > 0 ? Double(base[node]) / Double(baseTotal) * 100 : 0)
        out.raw("%; head ")
        out.grouped(head[node])
        out.raw(countName)
        out.fixed2(headTotal > 0 ? Double(head[node]) / Double(headTotal) * 100 : 0)
        out.raw("%; ")
        let delta = deltas[node]
        if delta >= 0.005 { out.raw("+") }
        if delta < 0 && delta > -0.005 {
            out.raw("0.00")
        } else {
            out.fixed2(delta)
        }
        out.raw(normalized ? " pp" : " pp of base")
    }
}
