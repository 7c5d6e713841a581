// FoundationEssentials has the JSON encoder without Foundation's ICU data, which costs ~10 ms at every start.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerAnalyze
import PyrometerModel

/// Writes a `HotspotReport` as an aligned text table, Markdown, or JSON.
///
/// JSON is an object `{total, unit, sampleType, kind, threshold, attribution, functions: [{name, self, selfPercent,
/// total, totalPercent, flagged, hotPath, inlined: [{name, self, selfPercent}], native: [...]}], inlinedFindings:
/// [{name, self, selfPercent, hosts: [{name, self, selfPercent}]}]}`; percentages are in percent (0–100), rounded to
/// 4 decimals. Text and Markdown list a finding's largest inlined callees or native functions under it, and the
/// inlined findings after the table.
public struct HotspotsExporter: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case text, json, markdown
    }

    public var format: Format
    /// How many functions to list (findings are always listed); 0 lists all.
    public var limit: Int

    public init(format: Format = .text, limit: Int = 30) {
        self.format = format
        self.limit = limit
    }

    public func export(_ report: HotspotReport) -> [UInt8] {
        let rows = selectedRows(report)
        switch format {
        case .json: return json(report, rows)
        case .text: return Array(text(report, rows).utf8)
        case .markdown: return Array(markdown(report, rows).utf8)
        }
    }

    /// A wall-clock report per thread: a line naming the threads counted, then each thread's report under a
    /// heading; JSON: `{threads: [{command, tid, sharePercent, report: {...as above}}]}`.
    public func export(threads: [ThreadHotspots]) -> [UInt8] {
        switch format {
        case .json:
            let value = JSONThreads(threads: threads.map {
                JSONThread(command: $0.command, tid: $0.thread, sharePercent: Self.rounded($0.share),
                           report: jsonValue($0.report, selectedRows($0.report)))
            })
            return JSONOutput.encode(value, pretty: true)
        case .text, .markdown:
            let markdown = format == .markdown
            func name(_ thread: ThreadHotspots) -> String {
                let text = "\(thread.command) \(thread.thread)"
                return markdown ? "`\(ReportText.markdownCode(text))`" : ReportText.printable(text)
            }
            var out = "Per thread (\(threads.count) threads; --thread TID or NAME reads one alone): "
                + threads.map { "\(name($0)) \(Self.percent($0.share))" }.joined(separator: ", ") + "\n"
            for thread in threads {
                out += (markdown ? "\n## Thread " : "\n== Thread ") + name(thread)
                    + ": \(Self.percent(thread.share)) of the total\n"
                let rows = selectedRows(thread.report)
                out += markdown ? self.markdown(thread.report, rows) : text(thread.report, rows)
            }
            return Array(out.utf8)
        }
    }

    private struct JSONThreads: Encodable { var threads: [JSONThread] }

    private struct JSONThread: Encodable {
        var command: String
        var tid: String
        var sharePercent: Double
        var report: JSONReport
    }

    static func rounded(_ share: Double) -> Double { (share * 100 * 10000).rounded() / 10000 }

    func selectedRows(_ report: HotspotReport) -> [HotspotEntry] {
        guard limit > 0 else { return report.functions }
        return report.functions.enumerated().filter { $0.offset < limit || $0.element.flagged || $0.element.hotPath }
            .map(\.element)
    }

    static func percent(_ share: Double) -> String {
        let scaled = (share * 10000).rounded()
        let hundredths = scaled.isFinite ? Int(min(max(scaled, -1e15), 1e15)) : 0
        let whole = hundredths / 100, fraction = hundredths % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    private static func finding(_ entry: HotspotEntry) -> String {
        entry.flagged ? "FLAGGED" : entry.hotPath ? "hot path" : ""
    }

    private func summary(_ report: HotspotReport) -> String {
        let flagged = report.flagged.count, hot = report.hotPaths.count, inlined = report.inlinedFindings.count
        return "Total \(report.total) \(report.valueType.unit) \(report.kind.parenthesized(sampleType: report.valueType.type)); "
            + "threshold \(Self.percent(report.threshold)): \(flagged) flagged, \(hot) hot path\(hot == 1 ? "" : "s")"
            + (inlined > 0 ? ", \(inlined) inlined" : "")
    }

    /// How many inlined callees or native functions a finding lists in text and Markdown.
    static let breakdownLines = 2

    /// The lines under a finding: `inlined mix 63.20%`, `native PyNumber_And 4.10%`, `(3 more inlined)`; names in
    /// code spans for Markdown.
    private static func breakdown(_ row: HotspotEntry, markdown: Bool) -> [String] {
        var lines: [String] = []
        for (kind, list) in [("inlined", row.inlined), ("native", row.native)] where !list.isEmpty {
            for item in list.prefix(breakdownLines) {
                let name = markdown ? "`\(ReportText.markdownCode(item.name))`" : ReportText.printable(item.name)
                lines.append("\(kind) \(name) \(percent(item.selfShare))")
            }
            if list.count > breakdownLines { lines.append("(\(list.count - breakdownLines) more \(kind))") }
        }
        if let wall = row.wallTime {
            var line = "on-CPU \(percent(wall.onCPUShare)), off-CPU \(percent(wall.offCPUShare))"
            if !wall.offCPU.isEmpty {
                line += ": " + wall.offCPU.map { "\(ReportText.printable($0.reason.label)) \(percent($0.share))" }
                    .joined(separator: ", ")
            }
            lines.append(line)
        }
        return lines
    }

    /// `in big 45.00%, small 29.10%`.
    private static func hosts(_ finding: InlinedHotspot, markdown: Bool) -> String {
        "in " + finding.hosts.prefix(5).map {
            (markdown ? "`\(ReportText.markdownCode($0.name))`" : ReportText.printable($0.name)) + " " + percent($0.selfShare)
        }.joined(separator: ", ") + (finding.hosts.count > 5 ? ", ..." : "")
    }

    func text(_ report: HotspotReport, _ rows: [HotspotEntry]) -> String {
        var table: [[String]] = [["SELF", "SELF%", "TOTAL", "TOTAL%", "FINDING", "FUNCTION"]]
        for row in rows {
            table.append([String(row.selfValue), Self.percent(row.selfShare), String(row.totalValue),
                          Self.percent(row.totalShare), Self.finding(row), ReportText.printable(row.name)])
        }
        var widths = [Int](repeating: 0, count: 5)
        for line in table { for i in 0 ..< 5 { widths[i] = max(widths[i], line[i].count) } }
        var out = summary(report) + "\n"
        let indent = String(repeating: " ", count: widths.reduce(0, +) + 2 * 5 + 2)
        for (index, line) in table.enumerated() {
            var cells: [String] = []
            for i in 0 ..< 4 { cells.append(String(repeating: " ", count: widths[i] - line[i].count) + line[i]) }
            cells.append(line[4] + String(repeating: " ", count: widths[4] - line[4].count))
            cells.append(line[5])
            out += cells.joined(separator: "  ") + "\n"
            if index > 0, case let row = rows[index - 1], row.flagged || row.hotPath {
                for detail in Self.breakdown(row, markdown: false) { out += indent + detail + "\n" }
            }
        }
        if rows.count < report.functionCount {
            out += "(\(report.functionCount - rows.count) more functions; --limit 0 lists all)\n"
        }
        for finding in report.inlinedFindings {
            out += "INLINED  \(Self.percent(finding.selfShare))  \(ReportText.printable(finding.name)) "
                + "(inlined: its self time is its hosts'; \(Self.hosts(finding, markdown: false)))\n"
        }
        return out
    }

    func markdown(_ report: HotspotReport, _ rows: [HotspotEntry]) -> String {
        var out = "### Hotspots\n\n" + summary(report) + "\n\n"
        out += "| Self | Self % | Total | Total % | Finding | Function |\n|---:|---:|---:|---:|---|---|\n"
        for row in rows {
            var function = "`\(ReportText.markdownCode(row.name))`"
            if row.flagged || row.hotPath {
                for detail in Self.breakdown(row, markdown: true) { function += "<br>" + detail }
            }
            out += "| \(row.selfValue) | \(Self.percent(row.selfShare)) | \(row.totalValue) | "
                + "\(Self.percent(row.totalShare)) | \(Self.finding(row)) | \(function) |\n"
        }
        if !report.inlinedFindings.isEmpty {
            out += "\nInlined functions at the threshold (their self time belongs to the functions they were inlined into):\n\n"
            for finding in report.inlinedFindings {
                out += "- `\(ReportText.markdownCode(finding.name))` \(Self.percent(finding.selfShare)), "
                    + Self.hosts(finding, markdown: true) + "\n"
            }
        }
        return out
    }

    struct JSONReport: Encodable {
        var total: Int64
        var unit: String
        var sampleType: String
        var kind: String
        var threshold: Double
        var attribution: JSONAttribution
        var functions: [JSONFunction]
        var inlinedFindings: [JSONInlinedFinding]
    }

    struct JSONAttribution: Encodable {
        var inlineFunctions: Bool
        var native: Bool
    }

    struct JSONFunction: Encodable {
        var name: String
        var `self`: Int64
        var selfPercent: Double
        var total: Int64
        var totalPercent: Double
        var flagged: Bool
        var hotPath: Bool
        var inlined: [JSONCharged]
        var native: [JSONCharged]
        /// Wall-clock reports of recordings with off-CPU time: the self value's parts.
        var onCPUPercent: Double?
        var offCPU: [JSONOffCPU]?
    }

    struct JSONOffCPU: Encodable {
        var reason: String
        var `self`: Int64
        var selfPercent: Double
    }

    struct JSONCharged: Encodable {
        var name: String
        var `self`: Int64
        var selfPercent: Double
    }

    struct JSONInlinedFinding: Encodable {
        var name: String
        var `self`: Int64
        var selfPercent: Double
        var hosts: [JSONCharged]
    }

    private func json(_ report: HotspotReport, _ rows: [HotspotEntry]) -> [UInt8] {
        JSONOutput.encode(jsonValue(report, rows), pretty: true)
    }

    func jsonValue(_ report: HotspotReport, _ rows: [HotspotEntry]) -> JSONReport {
        let rounded = Self.rounded
        func charged(_ list: [ChargedFunction]) -> [JSONCharged] {
            list.map { JSONCharged(name: $0.name, self: $0.selfValue, selfPercent: rounded($0.selfShare)) }
        }
        let value = JSONReport(
            total: report.total, unit: report.valueType.unit, sampleType: report.valueType.type,
            kind: report.kind.rawValue, threshold: rounded(report.threshold),
            attribution: JSONAttribution(inlineFunctions: report.attribution.inlineFunctions,
                                         native: report.attribution.native),
            functions: rows.map {
                JSONFunction(name: $0.name, self: $0.selfValue, selfPercent: rounded($0.selfShare),
                             total: $0.totalValue, totalPercent: rounded($0.totalShare), flagged: $0.flagged,
                             hotPath: $0.hotPath, inlined: charged($0.inlined), native: charged($0.native),
                             onCPUPercent: $0.wallTime.map { rounded($0.onCPUShare) },
                             offCPU: $0.wallTime.map { $0.offCPU.map {
                                 JSONOffCPU(reason: $0.reason.label, self: $0.value, selfPercent: rounded($0.share))
                             } })
            },
            inlinedFindings: report.inlinedFindings.map {
                JSONInlinedFinding(name: $0.name, self: $0.selfValue, selfPercent: rounded($0.selfShare),
                                   hosts: charged($0.hosts))
            })
        return value
    }
}
