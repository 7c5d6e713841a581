#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A function's share of a service's profiles, week by week (`pyrometer store trend`), as a text table, JSON, or a
/// small SVG line chart.
public struct TrendExporter: Sendable {
    public struct Point: Sendable {
        public var week: String
        public var value: Int64
        public var total: Int64
        public init(week: String, value: Int64, total: Int64) {
            self.week = week
            self.value = value
            self.total = total
        }
        public var share: Double { total == 0 ? 0 : Double(value) / Double(total) }
    }

    public var service: String
    public var function: String
    public var sampleType: String
    public var points: [Point]

    public init(service: String, function: String, sampleType: String, points: [Point]) {
        self.service = service
        self.function = function
        self.sampleType = sampleType
        self.points = points
    }

    public func text() -> [UInt8] {
        var out = "\(ReportText.printable(function)): share of \(ReportText.printable(service))'s "
            + "\(ReportText.printable(sampleType)) per week (stacks through the function / all)\n"
        out += "week        share%        value          total\n"
        for point in points {
            let share = ReportText.fixed(point.share * 100)
            out += point.week + String(repeating: " ", count: max(1, 12 - point.week.count))
                + String(repeating: " ", count: max(0, 6 - share.count)) + share
                + String(repeating: " ", count: max(1, 15 - String(point.value).count)) + String(point.value)
                + String(repeating: " ", count: max(1, 15 - String(point.total).count)) + String(point.total) + "\n"
        }
        if points.isEmpty { out += "(no stored profiles)\n" }
        return Array(out.utf8)
    }

    public func json() throws -> [UInt8] {
        struct Week: Encodable { var week: String, value: Int64, total: Int64, share: Double }
        struct Document: Encodable { var service: String, function: String, sample_type: String, weeks: [Week] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let document = Document(service: service, function: function, sample_type: sampleType, weeks: points.map {
            Week(week: $0.week, value: $0.value, total: $0.total, share: $0.share)
        })
        return Array(try encoder.encode(document)) + [10]
    }

    /// A line chart of the share per week; every text from the profile goes through XML escaping.
    public func svg() -> [UInt8] {
        let width = 640.0, height = 300.0, left = 56.0, right = 40.0, top = 40.0, bottom = 48.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        // Four gridlines a round step apart (1, 2, 2.5 or 5 times a power of ten, in percent) above the highest share.
        let highestPercent = max((points.map(\.share).max() ?? 0) * 100, 0.01)
        var step = 0.01, stage = 0
        while step * 4 < highestPercent {
            step *= [2, 1.25, 2, 2][stage % 4]  // 1 → 2 → 2.5 → 5 → 10
            stage += 1
        }
        let axisTop = step * 4 / 100
        let tickPlaces = step >= 1 ? 0 : (step >= 0.1 ? 1 : 2)
        func x(_ index: Int) -> Double {
            points.count <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1)
        }
        func y(_ share: Double) -> Double { top + plotHeight * (1 - share / axisTop) }
        func number(_ value: Double) -> String { ReportText.fixed(value, places: 1) }

        var out = """
            <?xml version="1.0" encoding="UTF-8" standalone="no"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Verdana, sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="#fff"/>
            <text x="\(number(width / 2))" y="20" text-anchor="middle" font-size="14">\
            \(ReportText.xml(function)): share of \(ReportText.xml(service)) \(ReportText.xml(sampleType))</text>

            """
        for tick in 0 ... 4 {
            let share = axisTop * Double(tick) / 4
            out += "<line x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(y(share)))\" "
                + "y2=\"\(number(y(share)))\" stroke=\"#ddd\"/>"
                + "<text x=\"\(number(left - 6))\" y=\"\(number(y(share) + 4))\" text-anchor=\"end\">"
                + "\(ReportText.fixed(share * 100, places: tickPlaces))%</text>\n"
        }
        let labelEvery = max(1, points.count / 8)
        for (index, point) in points.enumerated() where index % labelEvery == 0 || index == points.count - 1 {
            out += "<text x=\"\(number(x(index)))\" y=\"\(number(height - bottom + 18))\" text-anchor=\"middle\">"
                + "\(point.week)</text>\n"
        }
        if points.count > 1 {
            let path = points.enumerated().map { "\(number(x($0.offset))),\(number(y($0.element.share)))" }
            out += "<polyline fill=\"none\" stroke=\"#d9480f\" stroke-width=\"2\" points=\"\(path.joined(separator: " "))\"/>\n"
        }
        for (index, point) in points.enumerated() {
            out += "<circle cx=\"\(number(x(index)))\" cy=\"\(number(y(point.share)))\" r=\"3.5\" fill=\"#d9480f\">"
                + "<title>\(point.week): \(ReportText.fixed(point.share * 100))% (\(point.value) of \(point.total))</title>"
                + "</circle>\n"
        }
        if points.isEmpty {
            out += "<text x=\"\(number(width / 2))\" y=\"\(number(height / 2))\" text-anchor=\"middle\">no stored profiles</text>\n"
        }
        out += "</svg>\n"
        return Array(out.utf8)
    }
}
