import ArgumentParser
import PyrometerAnalyze
import PyrometerModel
import PyrometerRender

/// Options of the diff's statistics, shared by `diff` and `gate`.
public struct DiffFlags: ParsableArguments {

    public init() {}
    @Flag(inversion: .prefixedNo, help: """
        Compare shares of each side's total (pprof's -normalize). Default: on for CPU and wall-clock profiles, off \
        (absolute values) for allocations and other counts.
        """)
    var normalize: Bool?
    @Option(help: "Smallest change of a function's self share, relative to itself, that is a finding, in percent.")
    var threshold = 10.0
    @Option(name: .customLong("min-delta"),
            help: "Smallest change of a function's self share that is a finding, in percentage points.")
    var minDelta = 1.0
    @Option(help: "Family-wise error rate of the significance tests (Holm-corrected).")
    var alpha = 0.05
    @Option(help: """
        Variance inflation over binomial sampling noise for single-profile sides (default: calibrated on A/A \
        pairs, see docs/diff.md).
        """)
    var overdispersion: Double?

    public func validate() throws {
        guard threshold >= 0 && threshold.isFinite else { throw ValidationError("--threshold must be 0 or more") }
        guard minDelta >= 0 && minDelta.isFinite else { throw ValidationError("--min-delta must be 0 or more") }
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1") }
        if let overdispersion, !(overdispersion >= 1 && overdispersion.isFinite) {
            throw ValidationError("--overdispersion must be 1 or more")
        }
    }

    public var options: DiffOptions {
        var options = DiffOptions()
        options.normalize = normalize
        options.minRelativeChange = threshold / 100
        options.minDeltaPoints = minDelta
        options.alpha = alpha
        if let overdispersion { options.overdispersion = overdispersion }
        return options
    }
}

public struct Diff: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two profiles (or two sets): what grew, by how much, and whether it is more than noise.",
        discussion: """
            Per function: base and head shares, the change in percentage points and relative, with a p-value. \
            A regression passes --threshold and --min-delta and is significant. Examples:
              pyrometer diff last-week.pb.gz this-week.pb.gz --svg diff.svg
              pyrometer diff --base w46/ --head w47/ --format markdown
              pyrometer diff before.folded after.folded --to folded    (inferno diff-folded's output)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case report, folded
    }

    @OptionGroup var sides: SidesOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var attribution: AttributionFlags
    @OptionGroup var statistics: DiffFlags
    @OptionGroup var output: OutputOptions

    @Option(help: "Report format: text, json or markdown.")
    var format: DiffExporter.Format = .text
    @Option(help: "Functions to list (findings are always listed); 0 lists all.")
    var limit = 20
    @Option(help: "What to write: the report, or 'folded' for the 3-column `stack base head` lines of diff-folded.")
    var to: Output = .report
    @Flag(name: .customLong("strip-hex"), help: "With --to folded: replace hex addresses (0x45ef2173) with 0x... .")
    var stripHex = false
    @Option(help: "Also write a differential flamegraph SVG here.")
    var svg: String?
    @Option(help: "Widths of the differential flamegraph from the 'head' or the 'base' profile.")
    var widths: FlamegraphSide = .head
    @Flag(name: .customLong("fail-on-regression"), help: "Exit with status 1 when a regression is found.")
    var failOnRegression = false

    public func validate() throws {
        if limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    public func run() throws {
        var regressed = false
        try Console.run {
            let (base, head) = try sides.load()
            let options = statistics.options
            if to == .folded {
                let baseFolded = try Comparison.merged(base, fold: fold.options(for:))
                let headFolded = try Comparison.merged(head, fold: fold.options(for:))
                // As inferno's diff-folded, counts are compared as they are unless normalization is asked for.
                let lines = DifferentialFolded(base: baseFolded, head: headFolded,
                                               normalize: statistics.normalize ?? false, stripHex: stripHex)
                try output.write(lines.text)
                return
            }
            let report = try ProfileDiffer(options: options).diff(
                base: ProfileDiffer.Side(base, attribution: attribution.options, fold: fold.options(for:)),
                head: ProfileDiffer.Side(head, attribution: attribution.options, fold: fold.options(for:)))
            if let svg {
                let image = Comparison.render(
                    base: try Comparison.merged(base, fold: fold.drawingOptions(for:)),
                    head: try Comparison.merged(head, fold: fold.drawingOptions(for:)),
                    widths: widths, normalized: report.normalized, reverse: false, title: "Differential Flame Graph",
                    subtitle: "red: grew, blue: shrank (inclusive share, head vs base)")
                try OutputFile.writeAtomically(image, to: svg)
            }
            try output.write(DiffExporter(format: format, limit: limit).export(report))
            regressed = !report.regressions.isEmpty
        }
        if failOnRegression && regressed { throw ExitCode(1) }
    }
}

public enum FlamegraphSide: String, ExpressibleByArgument, CaseIterable {
    case head, base
}

extension DiffExporter.Format: ExpressibleByArgument {}

/// Folding and drawing of the two sides, shared by `diff`, `flamegraph --diff` and `store diff`.
public enum Comparison {
    /// The side's profiles folded (each with the options `fold` gives it, e.g. its own sample type resolved by
    /// name) and merged.
    public static func merged(_ profiles: [Profile], fold: (Profile) throws -> FoldOptions) rethrows -> FoldedStacks {
        var merged: FoldedStacks?
        for profile in profiles {
            let folded = Folder(options: try fold(profile)).fold(profile)
            if merged == nil { merged = folded } else { merged!.merge(folded) }
        }
        return merged ?? FoldedStacks(valueType: .samples)
    }

    public static func render(base: FoldedStacks, head: FoldedStacks, widths: FlamegraphSide, normalized: Bool,
                       reverse: Bool, title: String, subtitle: String?,
                       configure: (inout FlamegraphOptions) -> Void = { _ in }) -> [UInt8] {
        let (drawn, other) = widths == .head ? (head, base) : (base, head)
        let tree = FlameTree(drawn, reverse: reverse)
        var options = FlamegraphOptions()
        options.title = title
        options.subtitle = subtitle
        options.countName = FlamegraphOptions.countName(forUnit: drawn.valueType.unit)
        configure(&options)
        let comparison = FlamegraphComparison(otherValues: tree.inclusiveValues(of: other, reverse: reverse),
                                              otherTotal: other.total, treeIsHead: widths == .head,
                                              normalized: normalized)
        return FlamegraphRenderer(options: options).render(tree, comparison: comparison)
    }
}
