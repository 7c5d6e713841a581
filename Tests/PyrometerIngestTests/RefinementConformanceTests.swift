import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerTestSupport
import Testing

/// The refinement options give pprof's results: for each case, every node `go tool pprof -top` prints with the same
/// flags has our self and total as its flat and cum, exactly (`-unit=ns`/`-unit=b`), and every function we list is
/// one pprof lists. Profiles: `samples/go-labels.pb.gz` (string labels endpoint/request/stage, an inlined function,
/// several source files; scripts/make-samples.sh) and `samples/go-heap.pb.gz` (the numeric `bytes` label).
@Suite(.enabled(if: ExternalTool.go.shouldRun, Comment(rawValue: ExternalTool.go.skipReason)))
struct RefinementConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var profile: String
        /// pprof's flags, and the `Refinement` they mean (built from the same text, as the CLI builds it).
        var flags: [String]
        var sampleIndex = 0
        var unit = "ns"
        var inlineFunctions = true
        var testDescription: String { "\(profile.split(separator: "/").last!) \(flags.joined(separator: " "))"
            + (inlineFunctions ? "" : " -noinlines") }
    }

    static let labels = "../../samples/go-labels.pb.gz", heap = "../../samples/go-heap.pb.gz"

    static let cases: [Case] = [
        Case(profile: labels, flags: []),
        Case(profile: labels, flags: ["-focus=encodeRows"]),
        Case(profile: labels, flags: ["-ignore=flushMetrics"]),
        Case(profile: labels, flags: ["-hide=runtime"]),
        Case(profile: labels, flags: [#"-show=main\.(encodeRows|mix)"#]),
        Case(profile: labels, flags: ["-show_from=handleExport"]),
        Case(profile: labels, flags: ["-prune_from=compressBlock"]),
        Case(profile: labels, flags: ["-prune_from=encodeRows"], inlineFunctions: false),
        Case(profile: labels, flags: ["-tagfocus=endpoint=/export"]),
        Case(profile: labels, flags: ["-tagfocus=endpoint=/export", "-focus=encodeRows"]),
        Case(profile: labels, flags: ["-tagignore=endpoint=/search"]),
        Case(profile: labels, flags: ["-tagfocus=request=req-00[1-5]"]),
        Case(profile: labels, flags: ["-tagfocus=export,encode"]),
        Case(profile: labels, flags: ["-tagroot=endpoint"]),
        Case(profile: labels, flags: ["-tagleaf=stage"]),
        Case(profile: labels, flags: ["-tagroot=endpoint,stage", "-focus=^/export$"]),
        Case(profile: labels, flags: ["-tagroot=endpoint", "-lines"]),
        Case(profile: labels, flags: ["-lines"]),
        Case(profile: labels, flags: ["-lines"], inlineFunctions: false),
        Case(profile: labels, flags: ["-files"]),
        Case(profile: labels, flags: ["-filefunctions"]),
        Case(profile: labels, flags: ["-addresses"]),
        Case(profile: heap, flags: ["-tagfocus=64kb"], sampleIndex: 1, unit: "b"),
        Case(profile: heap, flags: ["-tagfocus=:16kb"], sampleIndex: 1, unit: "b"),
        Case(profile: heap, flags: ["-tagfocus=bytes=64KB:1MB"], sampleIndex: 1, unit: "b"),
        Case(profile: heap, flags: ["-tagignore=bytes=1mb"], sampleIndex: 1, unit: "b"),
        Case(profile: heap, flags: ["-tagroot=bytes"], sampleIndex: 1, unit: "b"),
        Case(profile: heap, flags: ["-lines", "-focus=main"], sampleIndex: 0, unit: ""),
    ]

    @Test(arguments: cases)
    func refinementsEqualGoToolPprof(_ testCase: Case) throws {
        let path = Fixtures.path(testCase.profile)
        let profile = try Importers.load(InputFile(path: path)).profile
        let refined = try Self.refinement(testCase.flags).apply(to: profile).profile
        var analysis = HotspotOptions()
        analysis.attribution.inlineFunctions = testCase.inlineFunctions
        var fold = FoldOptions()
        fold.sampleType = testCase.sampleIndex
        let report = HotspotAnalyzer(options: analysis).analyze(refined, fold: fold)
        let pprof = try Self.pprofTop(path, testCase)
        #expect(report.total == pprof.shown, "Σ flat of the nodes")
        let ours = Dictionary(report.functions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, row) in pprof.rows {
            guard let entry = ours[name] else {
                Issue.record("pprof lists '\(name)' (\(row.flat) / \(row.cum)), we do not")
                continue
            }
            #expect(entry.selfValue == row.flat && entry.totalValue == row.cum,
                    "\(name): ours \(entry.selfValue) / \(entry.totalValue), pprof \(row.flat) / \(row.cum)")
        }
        for entry in report.functions where entry.totalValue != 0 && pprof.rows[entry.name] == nil {
            Issue.record("we list '\(entry.name)' (\(entry.selfValue) / \(entry.totalValue)), pprof does not")
        }
        #expect(!pprof.rows.isEmpty || report.total == 0)
    }

    /// pprof's flags as our refinement (the mapping the CLI's options make, docs/refinements.md).
    static func refinement(_ flags: [String]) throws -> Refinement {
        var refinement = Refinement()
        for flag in flags {
            let parts = flag.dropFirst().split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count > 1 ? parts[1] : ""
            switch parts[0] {
            case "focus": refinement.focus = try NamePattern(value, option: "focus")
            case "ignore": refinement.ignore = try NamePattern(value, option: "ignore")
            case "hide": refinement.hide = try NamePattern(value, option: "hide")
            case "show": refinement.show = try NamePattern(value, option: "show")
            case "show_from": refinement.showFrom = try NamePattern(value, option: "show-from")
            case "prune_from": refinement.pruneFrom = try NamePattern(value, option: "prune-from")
            case "tagfocus": refinement.tagFocus.append(try TagFilter(value, option: "tag-focus"))
            case "tagignore": refinement.tagIgnore.append(try TagFilter(value, option: "tag-ignore"))
            case "tagroot": refinement.tagRoot = value.split(separator: ",").map(String.init)
            case "tagleaf": refinement.tagLeaf = value.split(separator: ",").map(String.init)
            default: refinement.granularity = try #require(Granularity(rawValue: parts[0]), "flag \(flag)")
            }
        }
        return refinement
    }

    /// `go tool pprof -top` over every node, in exact integers: Σ flat of the nodes shown, and flat/cum by name.
    static func pprofTop(_ path: String, _ testCase: Case) throws -> (shown: Int64, rows: [String: (flat: Int64, cum: Int64)]) {
        let text = try PprofConformanceTests.goToolPprof(
            ["-top", "-nodefraction=0", "-symbolize=none", "-sample_index=\(testCase.sampleIndex)"]
            + (testCase.unit.isEmpty ? [] : ["-unit=\(testCase.unit)"]) + (testCase.inlineFunctions ? [] : ["-noinlines"])
            + testCase.flags + [path])
        func integer(_ text: Substring) -> Int64? {
            Int64(text.drop { $0 == "+" }.prefix { $0.isNumber || $0 == "-" })
        }
        let shownMatch = try #require(try Regex(#"Showing nodes accounting for (\S+),"#).firstMatch(in: text))
        let shown = try #require(integer(shownMatch.output[1].substring!))
        let row = try Regex(#"^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%  (.+?)(?: \((?:partial-)?inline\))?$"#)
        var rows: [String: (flat: Int64, cum: Int64)] = [:]
        var inTable = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("      flat") { inTable = true; continue }
            guard inTable, let match = try row.wholeMatch(in: String(line)),
                  let flat = integer(match.output[1].substring!), let cum = integer(match.output[2].substring!) else {
                continue
            }
            rows[String(match.output[3].substring!)] = (flat, cum)
        }
        return (shown, rows)
    }
}
