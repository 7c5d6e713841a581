import PyrometerAnalyze
import PyrometerModel

/// Writes a `DiffReport` as an aligned text table, Markdown, or JSON (schema in docs/formats.md).
public struct DiffExporter: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case text, json, markdown
    }

    public var format: Format
    /// How many functions to list (findings are always listed); 0 lists all.
    public var limit: Int

    public init(format: Format = .text, limit: Int = 20) {
        self.format = format
        self.limit = limit
    }

    public func export(_ report: DiffReport) -> [UInt8] {
        let rows = selectedRows(report)
        switch format {
        case .json: return json(report, rows)
        case .text: return Array(text(report, rows).utf8)
        case .markdown: return Array(markdown(report, rows).utf8)
        }
    }

    private func selectedRows(_ report: DiffReport) -> [FunctionChange] {
        guard limit > 0 else { return report.functions }
        return report.functions.enumerated()
            .filter { $0.offset < limit || $0.element.regressed || $0.element.improved }
            .map(\.element)
    }

    static func finding(_ change: FunctionChange) -> String {
        change.regressed ? "REGRESSED" : change.improved ? "improved" : ""
    }

    /// The Holm-adjusted p-value, or "-" for a function whose change was below the thresholds (not tested).
    static func adjusted(_ change: FunctionChange) -> String {
        change.adjustedPValue == nil ? "-" : ReportText.pValue(change.adjustedPValue)
    }

    /// A relative change; without a base, `new` when the head has any self value, else `-` (nothing on either
    /// side: the function only has total).
    static func relative(_ value: Double?, head: Double) -> String {
        guard let value else { return head > 0 ? "new" : "-" }
        return ReportText.fixed(value * 100, places: 1, sign: true) + "%"
    }

    /// The lines above the table: totals, normalization, method and thresholds.
    static func summary(_ report: DiffReport) -> [String] {
        let unit = report.valueType.unit
        // Without a test (exact counts, or no sample counts) there is no alpha to state and nothing is "significant".
        let tested = report.method != .unavailable
        var lines = [
            "Base \(report.baseTotal) \(unit) in \(report.baseProfiles) profile\(report.baseProfiles == 1 ? "" : "s"), "
                + "head \(report.headTotal) \(unit) in \(report.headProfiles) profile\(report.headProfiles == 1 ? "" : "s") "
                + report.kind.parenthesized(sampleType: report.valueType.type),
            report.normalized
                ? "Normalized: shares of each side's total are compared (--no-normalize for absolute values)."
                : "Absolute: values are compared per profile; points are of the base total.",
            "Significance: \(report.method.description)"
                + (tested ? "; Holm-corrected, alpha \(ReportText.fixed(report.options.alpha, places: 3))." : "."),
            "A finding changes its self share by at least \(ReportText.fixed(report.options.minDeltaPoints)) points "
                + "and \(ReportText.fixed(report.options.minRelativeChange * 100, places: 0))% of itself"
                + (tested ? ", significantly: " : ": ")
                + "\(report.regressions.count) regressed, \(report.improvements.count) improved.",
        ]
        if let base = report.baseSamples, let head = report.headSamples {
            lines.insert("Samples: base \(base), head \(head).", at: 1)
        }
        return lines
    }

    /// One line per change that passed the thresholds but is not significant, saying what would settle it:
    /// `hash_block +6.08 pp is not significant: about 2.31× the samples (≈1520 per profile) would make it
    /// significant at alpha 0.050.`
    static func unsettled(_ report: DiffReport) -> [String] {
        let alpha = ReportText.fixed(report.options.alpha, places: 3)
        return report.functions.compactMap { change in
            guard let settlement = change.settlement else { return nil }
            let head = "\(ReportText.printable(change.name)) \(ReportText.fixed(change.deltaPercent, sign: true)) pp "
                + "is not significant: "
            switch settlement {
            case .moreSamples(let factor, let perProfile):
                return head + "about \(ReportText.fixed(factor, places: factor < 10 ? 2 : 0))× the samples "
                    + "(≈\(perProfile) per profile) "
                    + "would make it significant at alpha \(alpha)."
            case .moreProfiles(let perSide):
                return head + "needs more profiles per side (about \(perSide)): between-run noise alone hides it "
                    + "at any number of samples."
            }
        }
    }

    private func text(_ report: DiffReport, _ rows: [FunctionChange]) -> String {
        var table = [["BASE%", "HEAD%", "DELTA", "REL", "TOTAL Δ", "P", "P (HOLM)", "FINDING", "FUNCTION"]]
        for row in rows {
            table.append([
                ReportText.fixed(row.basePercent) + "%", ReportText.fixed(row.headPercent) + "%",
                ReportText.fixed(row.deltaPercent, sign: true) + "pp", Self.relative(row.relativeChange, head: row.headPercent),
                ReportText.fixed(row.deltaTotalPercent, sign: true) + "pp", ReportText.pValue(row.pValue),
                Self.adjusted(row), Self.finding(row), ReportText.printable(row.name),
            ])
        }
        let columns = table[0].count
        var widths = [Int](repeating: 0, count: columns)
        for line in table { for i in 0 ..< columns { widths[i] = max(widths[i], line[i].count) } }
        var out = Self.summary(report).joined(separator: "\n") + "\n"
        for line in table {
            var cells: [String] = []
            for i in 0 ..< columns - 2 {
                cells.append(String(repeating: " ", count: widths[i] - line[i].count) + line[i])
            }
            cells.append(line[columns - 2] + String(repeating: " ", count: widths[columns - 2] - line[columns - 2].count))
            cells.append(line[columns - 1])
            out += cells.joined(separator: "  ") + "\n"
        }
        if rows.count < report.functions.count {
            out += "(\(report.functions.count - rows.count) more functions; --limit 0 lists all)\n"
        }
        for line in Self.unsettled(report) { out += line + "\n" }
        return out
    }

    private func markdown(_ report: DiffReport, _ rows: [FunctionChange]) -> String {
        var out = "### Profile diff\n\n" + Self.summary(report).joined(separator: "\n") + "\n\n"
        out += Self.markdownTable(rows)
        if rows.count < report.functions.count {
            out += "\n\(report.functions.count - rows.count) more functions not shown.\n"
        }
        let unsettled = Self.unsettled(report)
        if !unsettled.isEmpty { out += "\n" + unsettled.map { "- " + $0 + "\n" }.joined() }
        return out
    }

    /// The Markdown table of function changes (also used in gate summaries).
    static func markdownTable(_ rows: [FunctionChange]) -> String {
        var out = "| Function | Base | Head | Δ self | Relative | Δ total | p | p (Holm) | Finding |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
        for row in rows {
            out += "| `\(ReportText.markdownCode(row.name))` | \(ReportText.fixed(row.basePercent))% | "
                + "\(ReportText.fixed(row.headPercent))% | \(ReportText.fixed(row.deltaPercent, sign: true)) pp | "
                + "\(relative(row.relativeChange, head: row.headPercent)) | \(ReportText.fixed(row.deltaTotalPercent, sign: true)) pp | "
                + "\(ReportText.pValue(row.pValue)) | \(adjusted(row)) | \(finding(row)) |\n"
        }
        return out
    }

    struct JSONReport: Encodable {
        var format = "pyrometer-diff"
        var version = 2  // 2: "betweenRunVariance" and "settle" replace "overdispersion"
        var sampleType: String
        var unit: String
        var kind: String
        var normalized: Bool
        var baseTotal: Int64
        var headTotal: Int64
        var baseProfiles: Int
        var headProfiles: Int
        var baseSamples: Int64?
        var headSamples: Int64?
        var method: String
        var betweenRunVariance: Double?
        var alpha: Double
        var minDeltaPercent: Double
        var minRelativeChange: Double
        var regressions: Int
        var improvements: Int
        var functions: [JSONFunction]
    }

    struct JSONFunction: Encodable {
        var name: String
        var baseSelf: Int64
        var headSelf: Int64
        var baseTotal: Int64
        var headTotal: Int64
        var basePercent: Double
        var headPercent: Double
        var deltaPercent: Double
        var relativeChange: Double?
        var baseTotalPercent: Double
        var headTotalPercent: Double
        var deltaTotalPercent: Double
        var relativeTotalChange: Double?
        var pValue: Double?
        var adjustedPValue: Double?
        var significant: Bool
        var regressed: Bool
        var improved: Bool
        var settle: JSONSettlement?
    }

    /// What would settle a change past the thresholds that is not significant: one of the two keys.
    struct JSONSettlement: Encodable {
        var samplesPerProfile: Int64?
        var samplesFactor: Double?
        var profilesPerSide: Int?
    }

    static func jsonValue(_ report: DiffReport, _ rows: [FunctionChange]) -> JSONReport {
        func rounded(_ value: Double) -> Double { (value * 10000).rounded() / 10000 }
        func roundedOptional(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? rounded($0) : nil } }
        let method: String, betweenRun: Double?
        switch report.method {
        case .welch: (method, betweenRun) = ("welch", nil)
        case .countsWithRunNoise(let rho): (method, betweenRun) = ("counts-with-run-noise", rho)
        case .unavailable: (method, betweenRun) = ("unavailable", nil)
        }
        func settle(_ settlement: Settlement?) -> JSONSettlement? {
            switch settlement {
            case .moreSamples(let factor, let perProfile)?:
                return JSONSettlement(samplesPerProfile: perProfile, samplesFactor: (factor * 100).rounded() / 100)
            case .moreProfiles(let perSide)?: return JSONSettlement(profilesPerSide: perSide)
            case nil: return nil
            }
        }
        return JSONReport(
            sampleType: report.valueType.type, unit: report.valueType.unit, kind: report.kind.rawValue,
            normalized: report.normalized, baseTotal: report.baseTotal, headTotal: report.headTotal,
            baseProfiles: report.baseProfiles, headProfiles: report.headProfiles,
            baseSamples: report.baseSamples, headSamples: report.headSamples, method: method,
            betweenRunVariance: betweenRun, alpha: report.options.alpha,
            minDeltaPercent: report.options.minDeltaPoints, minRelativeChange: report.options.minRelativeChange,
            regressions: report.regressions.count, improvements: report.improvements.count,
            functions: rows.map {
                JSONFunction(name: $0.name, baseSelf: $0.baseSelf, headSelf: $0.headSelf, baseTotal: $0.baseTotal,
                             headTotal: $0.headTotal, basePercent: rounded($0.basePercent),
                             headPercent: rounded($0.headPercent), deltaPercent: rounded($0.deltaPercent),
                             relativeChange: roundedOptional($0.relativeChange),
                             baseTotalPercent: rounded($0.baseTotalPercent),
                             headTotalPercent: rounded($0.headTotalPercent),
                             deltaTotalPercent: rounded($0.deltaTotalPercent),
                             relativeTotalChange: roundedOptional($0.relativeTotalChange),
                             pValue: $0.pValue, adjustedPValue: $0.adjustedPValue, significant: $0.significant,
                             regressed: $0.regressed, improved: $0.improved, settle: settle($0.settlement))
            })
    }

    private func json(_ report: DiffReport, _ rows: [FunctionChange]) -> [UInt8] {
        JSONOutput.encode(Self.jsonValue(report, rows), pretty: true)
    }
}
