import Foundation
import Testing

/// `api/v1/diff`, `api/v1/diff/render` and `api/v1/trend` over HTTP, on folded stacks pushed through the ingest
/// route into a fresh SQLite store: a function that doubles its share between two ranges (or two label sets) is
/// REGRESSED and drawn red, one whose share stays put is neither, and bad queries get a 400 that says why.
@Suite struct DiffRoutesTests {
    /// 1,000 samples each. `hash` grows from 30% to 60%; `steady` stays at 30%; `other` shrinks from 40% to 10%.
    static let base = "main;work;hash 300\nmain;steady 300\nmain;<script>alert(1)</script> 400\n"
    static let head = "main;work;hash 600\nmain;steady 300\nmain;<script>alert(1)</script> 100\n"
    static let week47 = "time=2026-11-18T10:00:00Z", week48 = "time=2026-11-25T10:00:00Z"

    static func object(_ reply: ServerHarness.Fetched) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(reply.text)")
    }

    /// The report's rows by function name.
    static func functions(_ diff: [String: Any]) -> [String: [String: Any]] {
        let rows = (diff["report"] as? [String: Any])?["functions"] as? [[String: Any]] ?? []
        return Dictionary(rows.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aFunctionThatDoublesBetweenTwoWeeksIsRegressedAndDrawnRed() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.base, "service=shop&" + Self.week47)
            try await server.push(Self.head, "service=shop&" + Self.week48)
            let reply = try await server.get("/api/v1/diff?service=shop&from=2026-11-16&to=2026-11-23&head.week=2026-W48")
            #expect(reply.status == 200, "\(reply.text)")
            let diff = try Self.object(reply)
            #expect((diff["base"] as? [String: Any])?["total"] as? Int == 1000)
            #expect((diff["head"] as? [String: Any])?["summary"] as? String == "shop 2026-W48")
            let rows = Self.functions(diff)
            #expect(rows["hash"]?["regressed"] as? Bool == true, "\(rows["hash"] ?? [:])")
            #expect(rows["steady"]?["regressed"] as? Bool == false && rows["steady"]?["improved"] as? Bool == false)
            #expect(rows["<script>alert(1)</script>"]?["improved"] as? Bool == true)
            // The differential flame graph: per frame its head (total) and base values, fill and significance.
            let names = diff["names"] as? [String] ?? []
            let nodes = try #require(diff["nodes"] as? [String: [Int]])
            func frame(_ name: String) -> (total: Int, base: Int, fill: Int, significant: Int)? {
                guard let index = nodes["name"]?.firstIndex(where: { $0 >= 0 && names[$0] == name }) else { return nil }
                return (nodes["total"]![index], nodes["base"]![index], nodes["fill"]![index], nodes["significant"]![index])
            }
            let hash = try #require(frame("hash")), steady = try #require(frame("steady"))
            #expect(hash.total == 600 && hash.base == 300 && hash.significant == 1)
            #expect(hash.fill >> 16 == 255 && hash.fill & 255 < 200, "hash grew: red, not \(String(hash.fill, radix: 16))")
            #expect(steady.total == 300 && steady.base == 300 && steady.significant == 0)
            #expect(steady.fill == 0xE8E8E8, "an unchanged frame is pale")
        }
    }

    @Test func canaryAgainstBaselineByLabelInOneRange() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.base, "service=shop&label=version:stable&" + Self.week47)
            try await server.push(Self.head, "service=shop&label=version:canary&" + Self.week47)
            let diff = try Self.object(try await server.get(
                "/api/v1/diff?service=shop&week=2026-W47&label=version:stable&head.label=version:canary"))
            #expect((diff["head"] as? [String: Any])?["summary"] as? String == "shop 2026-W47 version=canary",
                    "the head keeps the base's week")
            #expect(Self.functions(diff)["hash"]?["regressed"] as? Bool == true)
            #expect(Self.functions(diff)["steady"]?["regressed"] as? Bool == false)
        }
    }

    @Test func downloadsAreTheDiffCommandsFiles() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.base, "service=shop&" + Self.week47)
            try await server.push(Self.head, "service=shop&" + Self.week48)
            let query = "service=shop&week=2026-W47&head.week=2026-W48"
            let svg = try await server.get("/api/v1/diff/render?" + query + "&format=svg")
            #expect(svg.status == 200 && svg.headers["content-type"] == "image/svg+xml")
            #expect(svg.headers["content-disposition"] == "attachment; filename=\"shop-diff.svg\"")
            let texts = try SVGTexts(svg.body)
            #expect(texts.all.contains { $0.hasPrefix("<script>alert(1)</script>") }, "names are SVG text")
            #expect(texts.all.contains { $0.contains("Differential Flame Graph") })
            let json = try Self.object(try await server.get("/api/v1/diff/render?" + query + "&format=json"))
            #expect(json["format"] as? String == "pyrometer-diff" && json["regressions"] as? Int == 1)
            let markdown = try await server.get("/api/v1/diff/render?" + query + "&format=markdown")
            #expect(markdown.text.contains("| `hash` |") && markdown.text.contains("REGRESSED"))
        }
    }

    @Test func theTrendHasAPointPerWeek() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.base, "service=shop&" + Self.week47)
            try await server.push(Self.head, "service=shop&" + Self.week48)
            try await server.push(Self.head, "service=shop&" + Self.week48)
            let trend = try Self.object(try await server.get("/api/v1/trend?service=shop&function=hash"))
            let points = trend["points"] as? [[String: Any]] ?? []
            #expect(points.map { $0["week"] as? String } == ["2026-W47", "2026-W48"])
            #expect(points.map { $0["value"] as? Int } == [300, 1200] && points.map { $0["total"] as? Int } == [1000, 2000])
            #expect(points.map { $0["share"] as? Double } == [0.3, 0.6])
            #expect(points.first?["from"] as? String == "2026-11-16T00:00:00Z" && trend["sampleType"] as? String == "samples")
            let hostile = try Self.object(try await server.get("/api/v1/trend?service=shop&function=%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
            #expect((hostile["points"] as? [[String: Any]])?.compactMap { $0["value"] as? Int } == [400, 200])
        }
    }

    @Test func badDiffAndTrendQueriesGet400And404() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.base, "service=shop&" + Self.week47)
            let cases: [(String, Int, String)] = [
                ("/api/v1/diff?service=shop&week=2026-W47", 400, "the head side is missing"),
                ("/api/v1/diff?head.week=2026-W47", 400, "'service' is required"),
                ("/api/v1/diff?service=shop&week=2026-W47&head.week=2026-W47", 400, "the same profiles"),
                ("/api/v1/diff?service=shop&head.from=yesterday", 400, "head: 'yesterday' is not a time"),
                ("/api/v1/diff?service=shop&head.label=version", 400, "head: label 'version' is not key:value"),
                ("/api/v1/diff?service=shop&head.week=2026-W48&head.to=x&hed.from=1", 400, "unknown parameter 'hed.from'"),
                ("/api/v1/diff?service=shop&week=2026-W47&head.week=2026-W48", 404, "the head has no profiles in range"),
                ("/api/v1/diff?service=shop&week=2026-W46&head.week=2026-W47", 404, "the base has no profiles in range"),
                ("/api/v1/diff?service=nope&head.week=2026-W47", 404, "no profiles of service 'nope'"),
                ("/api/v1/diff/render?service=shop&week=2026-W46&head.week=2026-W47&format=png", 400,
                 "format 'png' is not one of svg, json, markdown, text"),
                ("/api/v1/trend?service=shop", 400, "'function' is required"),
                ("/api/v1/trend?function=hash", 400, "'service' is required"),
                ("/api/v1/trend?service=shop&function=a;b", 400, "cannot contain ';'"),
                ("/api/v1/trend?service=shop&function=hash&from=now-1d", 400, "unknown parameter 'from'"),
                ("/api/v1/trend?service=nope&function=hash", 404, "no profiles of service 'nope'"),
                ("/api/v1/trend?service=shop&type=cpu&function=hash", 404, "has no 'cpu' profiles"),
            ]
            try await server.expectErrors(cases)
        }
    }
}
