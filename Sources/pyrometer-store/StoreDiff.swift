import ArgumentParser
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerCLI
import PyrometerRender
import PyrometerStore


struct StoreDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two periods of a service from the store (ISO weeks read from the weekly rollup).",
        discussion: """
            --base and --head are ISO weeks (2026-W46) or date ranges (2026-11-09..2026-11-15, both days \
            included). The report is `pyrometer diff`'s, with the same --format and JSON schema. Example:
              pyrometer store diff --service api --base 2026-W46 --head 2026-W47 --svg diff.svg --fail-on-regression
            """)

    @Option(help: "The service.")
    var service: String
    @Option(help: "The base period: an ISO week or FROM..TO dates.")
    var base: String
    @Option(help: "The head period: an ISO week or FROM..TO dates.")
    var head: String
    @Option(name: .customLong("type"), help: "The sample type (default: the stored profiles' default).")
    var sampleType: String?
    @Option(name: .customLong("label"), help: "Only profiles with this label key=value on both sides; repeatable.")
    var labels: [String] = []
    @Flag(name: .customLong("per-profile"), help: """
        Compare the stored profiles one by one (their spread enters the significance test) instead of the \
        periods' sums; reads sample rows, not the rollup.
        """)
    var perProfile = false
    @OptionGroup(title: "Refinements (as pprof's)") var refine: RefineOptions
    @OptionGroup var attribution: AttributionFlags
    @OptionGroup var statistics: DiffFlags
    @Option(help: "Report format: text, json or markdown.")
    var format: DiffExporter.Format = .text
    @Option(help: "Functions to list (findings are always listed); 0 lists all.")
    var limit = 20
    @Option(help: "Also write a differential flamegraph SVG here.")
    var svg: String?
    @Flag(name: .customLong("fail-on-regression"), help: "Exit with status 1 when a regression is found.")
    var failOnRegression = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreFlag

    func run() throws {
        var regressed = false
        try Console.run {
            let opened = try store.open()
            var common = ProfileQuery()
            common.service = service
            common.labels = try StoreFlag.labels(labels)
            common.sampleType = sampleType
            let baseSide = try side(base, common, opened).map(refine.apply)
            let headSide = try side(head, common, opened).map(refine.apply)
            let fold = { (_: Profile) in FoldOptions() }
            let report = try ProfileDiffer(options: statistics.options).diff(
                base: ProfileDiffer.Side(baseSide, attribution: attribution.options, fold: fold),
                head: ProfileDiffer.Side(headSide, attribution: attribution.options, fold: fold))
            if let svg {
                let image = Comparison.render(
                    base: Comparison.side(baseSide, fold: fold), head: Comparison.side(headSide, fold: fold),
                    widths: .head, normalized: report.normalized, statistics: statistics.options,
                    reverse: false, title: "\(service): \(head) against \(base)",
                    subtitle: "red: grew, blue: shrank (inclusive share, head vs base)")
                try OutputFile.writeAtomically(image, to: svg)
            }
            try output.write(DiffExporter(format: format, limit: limit).export(report))
            regressed = !report.regressions.isEmpty
        }
        if failOnRegression && regressed { throw ExitCode(1) }
    }

    /// One side: the period's profiles summed (one profile), or each of them with --per-profile.
    private func side(_ period: String, _ common: ProfileQuery, _ opened: ProfileStore) throws -> [Profile] {
        var query = common
        if let week = IsoWeek(label: period) {
            query.weeks = [week]
        } else if let range = period.range(of: "..") {
            let from = try StoreTime.parse(String(period[..<range.lowerBound]))
            let to = try StoreTime.parse(String(period[range.upperBound...]))
            guard to >= from else { throw CLIError("period '\(period)' ends before it starts") }
            query.fromNanos = from
            // The last day is included: up to the start of the next day.
            query.toNanos = (to / 86_400_000_000_000 + 1) * 86_400_000_000_000
        } else {
            throw CLIError("period '\(period)' is neither an ISO week (2026-W47) nor a date range (2026-11-09..2026-11-15)")
        }
        guard perProfile else { return [try StoredStacks.load(query, from: opened).profile] }
        return try StoredStacks.matching(query, in: opened).matched.map { stored in
            var single = ProfileQuery()
            single.ids = [stored.id]
            return try StoredStacks.load(single, from: opened).profile
        }
    }
}
