import Foundation
import PyrometerRender
import Testing

@Suite struct TrendExporterTests {
    static let hostile = "<script>alert('x')</script>&\"\u{1}"

    static func exporter(_ shares: [(String, Int64, Int64)]) -> TrendExporter {
        TrendExporter(service: "api</text><script>", function: hostile, sampleType: "cpu",
                      points: shares.map { TrendExporter.Point(week: $0.0, value: $0.1, total: $0.2) })
    }

    /// Names from profiles are text in the chart, never markup; one point per week, higher shares drawn higher.
    @Test func chartIsWellFormedAndEscapesNames() throws {
        let svg = Self.exporter([("2026-W45", 10, 100), ("2026-W46", 25, 100), ("2026-W47", 40, 100)]).svg()
        let parsed = ParsedSVG(svg)
        #expect(parsed.error == nil, "\(parsed.error ?? "")")
        #expect(parsed.all("script").isEmpty)
        #expect(!String(decoding: svg, as: UTF8.self).contains("<script>"))
        let title = try #require(parsed.all("text").first)
        #expect(title.text.contains(Self.hostile.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")))
        let circles = parsed.all("circle")
        #expect(circles.count == 3)
        let heights = circles.compactMap { Double($0.attributes["cy"] ?? "") }
        #expect(heights.count == 3 && heights[0] > heights[1] && heights[1] > heights[2])
        // The axis reaches the highest share: 40% on gridlines 10% apart.
        #expect(parsed.all("text").contains { $0.text == "40%" } && parsed.all("text").contains { $0.text == "10%" })
    }

    @Test func emptyTrendAndTextAndJSON() throws {
        let empty = ParsedSVG(Self.exporter([]).svg())
        #expect(empty.error == nil)
        #expect(empty.all("text").contains { $0.text == "no stored profiles" })
        let exporter = Self.exporter([("2026-W46", 1, 4)])
        #expect(String(decoding: exporter.text(), as: UTF8.self).contains("2026-W46     25.00"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try exporter.json())) as? [String: Any])
        #expect(json["function"] as? String == Self.hostile)
        #expect((json["weeks"] as? [[String: Any]])?.first?["share"] as? Double == 0.25)
    }
}
