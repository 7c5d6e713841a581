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

    public init(otherValues: [Int64], otherTotal: Int64, treeIsHead: Bool = true, normalized: Bool = true) {
        self.otherValues = otherValues
        self.otherTotal = otherTotal
        self.treeIsHead = treeIsHead
        self.normalized = normalized
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
    }

    /// Red for growth, blue for shrinkage, in proportion to the change; near-white when unchanged.
    func fill(node: Int) -> [UInt8] {
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
