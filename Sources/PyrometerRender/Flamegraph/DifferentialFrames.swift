import PyrometerAnalyze

/// Per node of a differential flamegraph, what the SVG draws it with (its base and head values, whether its change
/// is significant, its fill), for a client that draws the graph itself (`pyrometer serve`'s page): the same numbers
/// and colours as `FlamegraphRenderer.render(_:comparison:)`, without the SVG.
public struct DifferentialFrames: Sendable {
    public let base: [Int64], head: [Int64]
    /// Per node whether its inclusive change is significant; nil when significance was not assessed.
    public let significant: [Bool]?
    /// Per node the fill as `0xRRGGBB`: red grew, blue shrank, pale grey not significant.
    public let fills: [Int]
    /// The legend's words on pale frames (nil when significance was not assessed).
    public let legend: String?

    public init(_ comparison: FlamegraphComparison, tree: FlameTree) {
        let colors = ComparisonColors(comparison, tree: tree)
        (base, head, significant, legend) = (colors.base, colors.head, colors.significant, colors.legend)
        fills = tree.nodes.indices.map { Self.rgb(colors.fill(node: $0)) }
    }

    /// `rgb(r,g,b)` as `0xRRGGBB`: the fill is computed once, in `ComparisonColors`, for the SVG and for this.
    static func rgb(_ css: [UInt8]) -> Int {
        let digits = css.split { !(UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }
        return digits.prefix(3).reduce(0) { $0 << 8 | (Int(String(decoding: $1, as: UTF8.self)) ?? 0) }
    }
}
