import PyrometerAnalyze
import PyrometerModel

/// Writes a `GateReport`: Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`, JSON, plain text, and
/// JUnit XML so that CI systems show each rule as a test case.
public struct GateExporter: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case markdown, json, text
    }

    public var format: Format
    /// The command that reproduces the comparison (shown in the Markdown summary).
    public var reproduce: String
    /// Regressions listed in the summary.
    public var limit: Int

    public init(format: Format = .markdown, reproduce: String, limit: Int = 10) {
        self.format = format
        self.reproduce = reproduce
        self.limit = limit
    }

    public func export(_ report: GateReport) -> [UInt8] {
        switch format {
        case .markdown: return Array(markdown(report).utf8)
        case .text: return Array(text(report).utf8)
        case .json: return json(report)
        }
    }

    private static func percent(_ fraction: Double?, sign: Bool = false) -> String {
        guard let fraction else { return "n/a" }
        if fraction.isInfinite { return fraction > 0 ? "new" : "-inf" }
        return ReportText.fixed(fraction * 100, places: 1, sign: sign) + "%"
    }

    /// How a check's measurement reads: growths with a sign, shares without.
    private static func measured(_ check: GateCheck) -> String {
        check.rule == .hotspot ? percent(check.measured) : percent(check.measured, sign: true)
    }

    private static func verdict(_ report: GateReport) -> String {
        let failed = report.checks.filter { !$0.passed }.count
        return report.passed ? "passed (\(report.checks.count) rule\(report.checks.count == 1 ? "" : "s"))"
            : "FAILED (\(failed) of \(report.checks.count) rule\(report.checks.count == 1 ? "" : "s") violated)"
    }

    private func markdown(_ report: GateReport) -> String {
        var out = "## Pyrometer gate: \(report.passed ? "✅" : "❌") \(Self.verdict(report))\n\n"
        out += "| Rule | Limit | Measured | Result | Detail |\n|---|---:|---:|---|---|\n"
        for check in report.checks {
            out += "| \(check.name) | \(Self.percent(check.limit)) | \(Self.measured(check)) | "
                + "\(check.passed ? "pass" : "**violated**") | `\(ReportText.markdownCode(check.detail))` |\n"
        }
        for (title, diff) in [("CPU", report.cpuDiff), ("Wall-time", report.wallDiff)] {
            guard let diff else { continue }
            let regressions = diff.regressions
            out += "\n### \(title) regressions\n\n"
            if regressions.isEmpty {
                out += "None: no function's share grew significantly past the limits.\n"
            } else {
                out += DiffExporter.markdownTable(Array(regressions.prefix(limit)))
                if regressions.count > limit { out += "\n\(regressions.count - limit) more regressions.\n" }
            }
            out += "\n" + DiffExporter.summary(diff).map { "> " + $0 }.joined(separator: "\n") + "\n"
        }
        for growth in report.allocations {
            guard let check = report.checks.first(where: { $0.rule == .allocationPerFunction(growth.type) }) else {
                continue
            }
            out += "\n### \(growth.type) per function\(growth.root.map { " (stacks through `\(ReportText.markdownCode($0))`)" } ?? "")\n\n"
            out += "| Function | Base | Head | Growth | Over the limit |\n|---|---:|---:|---:|---|\n"
            let over = Set(growth.functions(over: check.limit).map(\.name))
            for function in growth.functions.prefix(limit) {
                out += "| `\(ReportText.markdownCode(function.name))` | \(Int64(clampingDouble: function.base.rounded())) | "
                    + "\(Int64(clampingDouble: function.head.rounded())) | \(Self.percent(function.growth, sign: true)) | "
                    + "\(over.contains(function.name) ? "**yes**" : "") |\n"
            }
            if growth.functions.count > limit { out += "\n\(growth.functions.count - limit) more functions changed less.\n" }
        }
        if !report.hotspots.isEmpty {
            out += "\n### Hotspots over the limit\n\n| Function | Self share |\n|---|---:|\n"
            for entry in report.hotspots.prefix(limit) {
                out += "| `\(ReportText.markdownCode(entry.name))` | \(Self.percent(entry.selfShare)) |\n"
            }
        }
        out += "\n<details><summary>Reproduce</summary>\n\n```sh\n"
        out += Self.fenced("pyrometer diff \(reproduce) --svg diff.svg --format markdown") + "\n```\n\n</details>\n"
        return out
    }

    /// Text inside a fenced code block: a line of backticks could close the fence early.
    private static func fenced(_ text: String) -> String {
        ReportText.printable(text).split(separator: "`", omittingEmptySubsequences: false).joined(separator: "'")
    }

    private func text(_ report: GateReport) -> String {
        var out = "Gate \(Self.verdict(report))\n"
        for check in report.checks {
            out += "  \(check.passed ? "pass    " : "VIOLATED") \(check.name): \(Self.measured(check)) "
                + "(limit \(Self.percent(check.limit))); \(ReportText.printable(check.detail))\n"
        }
        for check in report.checks {
            for offender in check.offenders.prefix(limit) { out += "  grew: \(ReportText.printable(offender))\n" }
        }
        for regression in (report.cpuDiff?.regressions.prefix(limit) ?? []) + (report.wallDiff?.regressions.prefix(limit) ?? []) {
            out += "  regression: \(ReportText.printable(regression.name)) \(ReportText.fixed(regression.basePercent))% → "
                + "\(ReportText.fixed(regression.headPercent))% (\(DiffExporter.relative(regression.relativeChange, head: regression.headPercent)), "
                + "p \(ReportText.pValue(regression.adjustedPValue)))\n"
        }
        return out
    }

    private struct JSONGate: Encodable {
        var format = "pyrometer-gate"
        var version = 1
        var passed: Bool
        var checks: [JSONCheck]
        var cpuDiff: DiffExporter.JSONReport?
        var wallDiff: DiffExporter.JSONReport?
        var hotspots: [JSONHotspot]
        var allocations: [JSONAllocation]
    }

    private struct JSONCheck: Encodable {
        var name: String
        var limitPercent: Double
        var measuredPercent: Double?
        var passed: Bool
        var detail: String
        var offenders: [String]
    }

    private struct JSONAllocation: Encodable {
        var type: String
        var root: String?
        var basePerProfile: Double
        var headPerProfile: Double
        var growthPercent: Double?
        /// Every profile counted every allocation (false: some values are estimates from samples).
        var exact: Bool
        /// The largest changes, `limit` of them.
        var functions: [JSONFunctionGrowth]
    }

    private struct JSONFunctionGrowth: Encodable {
        var name: String
        var base: Double
        var head: Double
        /// Null for a function new in head.
        var growthPercent: Double?
    }

    private struct JSONHotspot: Encodable {
        var name: String
        var selfPercent: Double
    }

    private func json(_ report: GateReport) -> [UInt8] {
        func percent(_ fraction: Double?) -> Double? {
            fraction.flatMap { $0.isFinite ? ($0 * 100 * 10000).rounded() / 10000 : nil }
        }
        let value = JSONGate(
            passed: report.passed,
            checks: report.checks.map {
                JSONCheck(name: $0.name, limitPercent: percent($0.limit) ?? 0, measuredPercent: percent($0.measured),
                          passed: $0.passed, detail: $0.detail, offenders: $0.offenders)
            },
            cpuDiff: report.cpuDiff.map { DiffExporter.jsonValue($0, $0.regressions) },
            wallDiff: report.wallDiff.map { DiffExporter.jsonValue($0, $0.regressions) },
            hotspots: report.hotspots.map { JSONHotspot(name: $0.name, selfPercent: percent($0.selfShare) ?? 0) },
            allocations: report.allocations.map { growth in
                JSONAllocation(type: growth.type, root: growth.root, basePerProfile: growth.baseTotal,
                               headPerProfile: growth.headTotal, growthPercent: percent(growth.growth),
                               exact: growth.exact,
                               functions: growth.functions.prefix(limit).map {
                                   JSONFunctionGrowth(name: $0.name, base: $0.base, head: $0.head,
                                                      growthPercent: percent($0.growth))
                               })
            })
        return JSONOutput.encode(value, pretty: true)
    }

    /// JUnit XML: one test case per rule, a failure for each violated one.
    public func junit(_ report: GateReport) -> [UInt8] {
        let failures = report.checks.filter { !$0.passed }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"pyrometer gate\" tests=\"\(report.checks.count)\" failures=\"\(failures)\">\n"
        out += "  <testsuite name=\"pyrometer gate\" tests=\"\(report.checks.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        for check in report.checks {
            let name = "\(check.name) ≤ \(Self.percent(check.limit))"
            out += "    <testcase classname=\"pyrometer.gate\" name=\"\(ReportText.xml(name))\""
            if check.passed {
                out += "/>\n"
                continue
            }
            let message = "\(check.name): \(Self.measured(check)) over the limit of \(Self.percent(check.limit))"
            out += ">\n      <failure message=\"\(ReportText.xml(message))\" type=\"gate\">"
            var body = ([check.detail] + check.offenders.prefix(limit)).joined(separator: "\n")
            if let diff = check.rule == .cpuRegression ? report.cpuDiff : check.rule == .wallRegression ? report.wallDiff : nil {
                for regression in diff.regressions.prefix(limit) {
                    body += "\n\(regression.name): \(ReportText.fixed(regression.basePercent))% -> "
                        + "\(ReportText.fixed(regression.headPercent))% (\(DiffExporter.relative(regression.relativeChange, head: regression.headPercent)))"
                }
            }
            out += ReportText.xml(body) + "</failure>\n    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return Array(out.utf8)
    }
}
