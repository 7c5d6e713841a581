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
    @Option(name: .customLong("between-run-variance"), help: """
        With one profile on a side: how much a function's share p varies between identical runs beyond sampling \
        noise, as ρ in ρ·p(1-p) (default \(DiffOptions.calibratedBetweenRunVariance), calibrated on A/A pairs, see \
        docs/diff.md: a 30% function moves by about ±1.1 points between runs). E.g. --between-run-variance 0.004 \
        for a shared CI machine six times noisier, 0 for sampling noise alone.
        """)
    var betweenRunVariance: Double?

    public func validate() throws {
        guard threshold >= 0 && threshold.isFinite else { throw ValidationError("--threshold must be 0 or more") }
        guard minDelta >= 0 && minDelta.isFinite else { throw ValidationError("--min-delta must be 0 or more") }
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1") }
        if let betweenRunVariance, !(betweenRunVariance >= 0 && betweenRunVariance < 1) {
            throw ValidationError("--between-run-variance must be at least 0 and less than 1")
        }
    }

    public var options: DiffOptions {
        var options = DiffOptions()
        options.normalize = normalize
        options.minRelativeChange = threshold / 100
        options.minDeltaPoints = minDelta
        options.alpha = alpha
        if let betweenRunVariance { options.betweenRunVariance = betweenRunVariance }
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
    @Option(help: "Also write a differential flamegraph SVG here (frames whose change is not significant are pale).")
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
                    base: try Comparison.side(base, fold: fold.drawingOptions(for:)),
                    head: try Comparison.side(head, fold: fold.drawingOptions(for:)),
                    widths: widths, normalized: report.normalized, statistics: options, reverse: false,
                    title: "Differential Flame Graph",
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
    /// One side of a differential flamegraph: each profile folded, and its sample count (nil when unknown).
    public struct Side {
        public var profiles: [FoldedStacks]
        public var samples: [Int64?]
        public var merged: FoldedStacks

        public init(profiles: [FoldedStacks], samples: [Int64?]) {
            self.profiles = profiles
            self.samples = samples
            var merged = profiles.first ?? FoldedStacks(valueType: .samples)
            for folded in profiles.dropFirst() { merged.merge(folded) }
            self.merged = merged
        }
    }

    /// The side's profiles folded (each with the options `fold` gives it, e.g. its own sample type resolved by
    /// name), with their sample counts for the significance of each frame's change.
    public static func side(_ profiles: [Profile], fold: (Profile) throws -> FoldOptions) rethrows -> Side {
        var folded: [FoldedStacks] = [], samples: [Int64?] = []
        for profile in profiles {
            let options = try fold(profile)
            folded.append(Folder(options: options).fold(profile))
            samples.append(SampleCounts.count(in: profile, sampleType: options.sampleType ?? profile.defaultSampleType))
        }
        return Side(profiles: folded, samples: samples)
    }

    /// One sample type of a profile (a column of a 3-column folded file) as a side.
    public static func side(_ profile: Profile, _ options: FoldOptions) -> Side {
        Side(profiles: [Folder(options: options).fold(profile)],
             samples: [SampleCounts.count(in: profile, sampleType: options.sampleType ?? profile.defaultSampleType)])
    }

    /// The side's profiles folded and merged.
    public static func merged(_ profiles: [Profile], fold: (Profile) throws -> FoldOptions) rethrows -> FoldedStacks {
        try side(profiles, fold: fold).merged
    }

    /// A differential flamegraph whose frames are tested as `diff` tests functions (`statistics`: the noise model,
    /// thresholds and alpha): frames whose change is not significant are pale, and the subtitle says so.
    public static func render(base: Side, head: Side, widths: FlamegraphSide, normalized: Bool, statistics: DiffOptions,
                              reverse: Bool, title: String, subtitle: String?,
                              configure: (inout FlamegraphOptions) -> Void = { _ in }) -> [UInt8] {
        let (drawn, other) = widths == .head ? (head, base) : (base, head)
        let tree = FlameTree(drawn.merged, reverse: reverse)
        let comparison = FlamegraphComparison(
            tree: tree, drawn: drawn.profiles, drawnSamples: drawn.samples, other: other.profiles,
            otherSamples: other.samples, treeIsHead: widths == .head, normalized: normalized, statistics: statistics,
            reverse: reverse)
        return draw(tree, comparison: comparison, title: title, subtitle: subtitle, configure: configure)
    }

    private static func draw(_ tree: FlameTree, comparison: FlamegraphComparison, title: String, subtitle: String?,
                             configure: (inout FlamegraphOptions) -> Void) -> [UInt8] {
        var options = FlamegraphOptions()
        options.title = title
        options.subtitle = subtitle
        options.countName = FlamegraphOptions.countName(forUnit: tree.valueType.unit)
        configure(&options)
        return FlamegraphRenderer(options: options).render(tree, comparison: comparison)
    }
}
