import PyrometerAnalyze

extension HotspotsExporter {
    /// Hotspots per value of a label (`hotspots --by KEY`): a line naming the values and their shares of the total,
    /// then each value's report under a heading; JSON: `{by, groups: [{value, sharePercent, report: {...}}],
    /// omittedValues, omittedSharePercent}` (`value` null for the samples without the label).
    public func export(labels: LabelHotspots) -> [UInt8] {
        switch format {
        case .json:
            let value = JSONLabels(
                by: labels.key,
                groups: labels.groups.map {
                    JSONLabelGroup(value: $0.value, sharePercent: Self.rounded($0.share),
                                   report: jsonValue($0.report, selectedRows($0.report)))
                },
                omittedValues: labels.omittedValues, omittedSharePercent: Self.rounded(labels.omittedShare))
            return JSONOutput.encode(value, pretty: true)
        case .text, .markdown:
            let markdown = format == .markdown
            func name(_ group: LabelHotspots.Group) -> String {
                guard let value = group.value else { return "(no \(labels.key) label)" }
                let text = "\(labels.key)=\(value)"
                return markdown ? "`\(ReportText.markdownCode(text))`" : ReportText.printable(text)
            }
            var out = "By \(markdown ? "`\(ReportText.markdownCode(labels.key))`" : ReportText.printable(labels.key)) "
                + "(\(labels.groups.count) value\(labels.groups.count == 1 ? "" : "s"); the threshold applies within each): "
                + labels.groups.map { "\(name($0)) \(Self.percent($0.share))" }.joined(separator: ", ")
            if labels.omittedValues > 0 {
                out += "; \(labels.omittedValues) more values, \(Self.percent(labels.omittedShare)), not listed"
                    + " (--tag-focus \(labels.key)=VALUE reads one)"
            }
            out += "\n"
            for group in labels.groups {
                out += (markdown ? "\n## " : "\n== ") + name(group) + ": \(Self.percent(group.share)) of the total\n"
                let rows = selectedRows(group.report)
                out += markdown ? self.markdown(group.report, rows) : text(group.report, rows)
            }
            return Array(out.utf8)
        }
    }

    private struct JSONLabels: Encodable {
        var by: String
        var groups: [JSONLabelGroup]
        var omittedValues: Int
        var omittedSharePercent: Double
    }

    private struct JSONLabelGroup: Encodable {
        var value: String?
        var sharePercent: Double
        var report: JSONReport

        // `value` is written as null for the samples without the label, rather than left out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(value, forKey: .value)
            try container.encode(sharePercent, forKey: .sharePercent)
            try container.encode(report, forKey: .report)
        }

        enum CodingKeys: String, CodingKey { case value, sharePercent, report }
    }
}
