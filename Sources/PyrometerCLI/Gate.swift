import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import PyrometerAnalyze
import PyrometerRender

public struct GateCommand: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Fail a CI job when profiles regress: exit 0 pass, 1 a rule violated, 2 bad input or usage.",
        discussion: """
            Limits are percentages (a trailing % is allowed). Examples:
              pyrometer gate main-heap.pb.gz pr-heap.pb.gz --max-alloc-growth 10%
              pyrometer gate main-dhat.json pr-dhat.json --max-alloc-growth 10% --root run_tests
              pyrometer gate --base main/ --head pr/ --max-cpu-regression 5% --max-hotspot 20% --junit gate.xml
            See docs/ci-gate.md for GitHub Actions and GitLab CI.
            """)

    @OptionGroup var sides: SidesOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var attribution: AttributionFlags
    @OptionGroup var statistics: DiffFlags
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("max-alloc-growth"),
            help: "Largest allowed growth of alloc_space and alloc_objects (absolute), in total and of any function, e.g. 10%.")
    var maxAllocGrowth: Percentage?
    @Option(name: .customLong("max-cpu-regression"),
            help: "Largest allowed significant growth of a function's CPU share, relative to itself, e.g. 5%.")
    var maxCPURegression: Percentage?
    @Option(name: .customLong("max-wall-regression"),
            help: "Largest allowed relative growth of a function's share of wall-clock time (sched_switch recordings, wall profiles), e.g. 10%.")
    var maxWallRegression: Percentage?
    @Option(name: .customLong("max-hotspot"), help: "Largest allowed self share of one function in head, e.g. 20%.")
    var maxHotspot: Percentage?
    @Option(name: .customLong("root"),
            help: "Allocation rules count only stacks through this function (default: main, when present), so start-up allocations do not decide the gate.")
    var allocationRoot: String?

    @Option(help: "Summary format: markdown, json or text.")
    var format: GateExporter.Format = .markdown
    @Option(help: "Also write JUnit XML here (one test case per rule).")
    var junit: String?
    @Flag(name: .customLong("github-summary"),
          help: "Also append the Markdown summary to $GITHUB_STEP_SUMMARY (when it is set).")
    var githubSummary = false

    public func validate() throws {
        if maxAllocGrowth == nil && maxCPURegression == nil && maxHotspot == nil && maxWallRegression == nil {
            throw ValidationError("""
                give at least one rule: --max-alloc-growth, --max-cpu-regression, --max-wall-regression or --max-hotspot
                """)
        }
    }

    public func run() throws {
        var passed = true
        try Console.run {
            let (base, head) = try sides.load()
            let rules = GateRules(maxAllocGrowth: maxAllocGrowth?.fraction, maxCPURegression: maxCPURegression?.fraction,
                                  maxHotspot: maxHotspot?.fraction, allocationRoot: allocationRoot,
                                  maxWallRegression: maxWallRegression?.fraction)
            let report = try Gate(rules: rules, diffOptions: statistics.options, attribution: attribution.options)
                .evaluate(base: base, head: head, fold: { try fold.options(for: $0) })
            let exporter = GateExporter(format: format, reproduce: sides.commandLine)
            if let junit { try OutputFile.writeAtomically(exporter.junit(report), to: junit) }
            if githubSummary, let path = getenv("GITHUB_STEP_SUMMARY").map({ String(cString: $0) }), !path.isEmpty {
                var markdown = exporter
                markdown.format = .markdown
                try OutputFile.append(markdown.export(report), to: path)
            }
            try output.write(exporter.export(report))
            passed = report.passed
        }
        if !passed { throw ExitCode(1) }
    }
}

/// A percentage argument: `10`, `10%` or `12.5%`.
public struct Percentage: ExpressibleByArgument {
    var fraction: Double

    public init?(argument: String) {
        let number = argument.hasSuffix("%") ? String(argument.dropLast()) : argument
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        fraction = value / 100
    }
}

extension GateExporter.Format: ExpressibleByArgument {}
