import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(FoundationXML)
import FoundationXML
#endif
import PyrometerServe
import PyrometerServer
import PyrometerTestSupport
import Testing

/// The query API over HTTP on 127.0.0.1, on profiles pushed through the real ingest route into a fresh SQLite
/// store: what each endpoint answers, that the flame graph adds up to what was pushed, and the errors.
@Suite struct QueryRoutesTests {
    /// 45 samples; `hash` has 2/3 of them and `idle` 22%, both past the 20% threshold.
    static let shop = "main;work;hash 30\nmain;work;<script>alert(1)</script> 5\nmain;idle 10\n"
    static let week47 = "time=2026-11-18T10:00:00Z", week48 = "time=2026-11-25T10:00:00Z"

    @Test func servicesListTheirSampleTypesAndProfilesPerWeek() async throws {
        try await ServerHarness.with { server in
            let heap = try await server.post("/api/v1/profiles?service=api&label=host:canary-1&" + Self.week47,
                                             try ServerHarness.fixture("samples/go-heap.pb.gz"))
            #expect(heap.status == 200, "\(heap.text)")
            try await server.push(Self.shop, "service=shop&" + Self.week47)
            try await server.push(Self.shop, "service=shop&" + Self.week48)
            let reply = try await server.get("/api/v1/services")
            let listing = try JSONSerialization.jsonObject(with: reply.body) as? [String: [[String: Any]]]
            let services = try #require(listing?["services"], "\(reply.text)")
            #expect(services.map { $0["name"] as? String } == ["api", "shop"])
            let api = services[0], shop = services[1]
            #expect(api["profiles"] as? Int == 1, "one push of four sample types is one profile")
            let types = (api["sampleTypes"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
            #expect(Set(types) == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
            #expect(api["labels"] as? [String: [String]] == ["host": ["canary-1"]])
            let weeks = shop["weeks"] as? [[String: Any]] ?? []
            #expect(weeks.map { $0["week"] as? String } == ["2026-W47", "2026-W48"] && weeks.map { $0["profiles"] as? Int } == [1, 1])
            #expect(weeks.first?["from"] as? String == "2026-11-16T00:00:00Z" && weeks.first?["to"] as? String == "2026-11-23T00:00:00Z")
        }
    }

    @Test func theFlameGraphAddsUpToThePushedStacksWithTopTableAndFindings() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.shop, "service=shop&" + Self.week47)
            try await server.push(Self.shop, "service=shop&" + Self.week48)
            let graph = try await server.decode(FlameGraphReply.self, "/api/v1/flamegraph?service=shop&top=1")
            #expect(graph.total == 90 && graph.profiles == 2 && graph.sampleType == "samples")
            #expect(graph.stacks() == ["main;work;hash": 60, "main;work;<script>alert(1)</script>": 10, "main;idle": 20])
            #expect(graph.colors.count == graph.names.count)
            let hotspots = graph.hotspots
            #expect(hotspots.threshold == 20)
            #expect(hotspots.functions.first?.name == "hash" && hotspots.functions.first?.`self` == 60)
            // top=1 lists the first row, and every finding whatever its rank.
            #expect(hotspots.functions.map(\.name) == ["hash", "idle"] && hotspots.functions.allSatisfy(\.flagged))
        }
    }

    @Test func timeRangesWeeksAndLabelsNarrowTheGraph() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.shop, "service=shop&" + Self.week47)
            try await server.push(Self.shop, "service=shop&label=host:canary&" + Self.week48)
            try await server.push("main;fresh 7\n", "service=shop")  // now
            func total(_ query: String) async throws -> Int64 {
                try await server.decode(FlameGraphReply.self, "/api/v1/flamegraph?service=shop&" + query).total
            }
            #expect(try await total("from=2026-11-16&to=2026-11-23") == 45)
            #expect(try await total("week=2026-W48") == 45)
            #expect(try await total("week=2026-W47&week=2026-W48") == 90)
            #expect(try await total("label=host:canary") == 45)
            #expect(try await total("from=now-1h") == 7)
            #expect(try await total("from=now-1h&to=now") == 7)
            #expect(try await total("to=2026-11-24T00:00:00%2B01:00") == 45, "an offset, %-escaped")
            #expect(try await total("from=2020-01-01&to=2020-01-02") == 0, "a known service with nothing in range is empty")
        }
    }

    @Test func downloadsAreTheExportersFiles() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.shop, "service=shop&" + Self.week47)
            let folded = try await server.get("/api/v1/render?service=shop&format=folded")
            #expect(folded.status == 200 && folded.headers["content-disposition"] == "attachment; filename=\"shop-samples.folded\"")
            #expect(folded.text == Self.shop.split(separator: "\n").sorted().map { $0 + "\n" }.joined())
            let svg = try await server.get("/api/v1/render?service=shop&format=svg")
            #expect(svg.headers["content-type"] == "image/svg+xml")
            let texts = try SVGTexts(svg.body)
            #expect(texts.all.contains { $0.hasPrefix("<script>alert(1)</script>") }, "names are SVG text")
            let pprof = try await server.get("/api/v1/render?service=shop&format=pprof")
            #expect(pprof.headers["content-disposition"] == "attachment; filename=\"shop-samples.pb.gz\"")
            let decoded = try IngestRequestDecoder.native(query: [("service", "check")], body: Array(pprof.body), limits: IngestLimits())
            #expect(decoded.count == 1 && decoded[0].profile.sourceFormat == "pprof")
            #expect(decoded[0].profile.total(sampleType: 0) == 45)
            let json = try await server.get("/api/v1/render?service=shop&format=json")
            let document = try JSONSerialization.jsonObject(with: json.body) as? [String: Any]
            #expect(document?["format"] as? String == "pyrometer-profile")
        }
    }

    @Test func badQueriesGet400AndUnknownServices404() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.shop, "service=shop")
            let heap = try await server.post("/api/v1/profiles?service=api", try ServerHarness.fixture("samples/go-heap.pb.gz"))
            let cpu = try await server.post("/api/v1/profiles?service=api", try ServerHarness.fixture("samples/go-cpu.pb.gz"))
            #expect(heap.status == 200 && cpu.status == 200)
            let cases: [(String, Int, String)] = [
                ("/api/v1/flamegraph", 400, "'service' is required"),
                ("/api/v1/flamegraph?service=shop&from=yesterday", 400, "'yesterday' is not a time"),
                ("/api/v1/flamegraph?service=shop&from=now-1x", 400, "now[+-]N"),
                ("/api/v1/flamegraph?service=shop&from=2026-11-20&to=2026-11-19", 400, "is not after"),
                ("/api/v1/flamegraph?service=shop&servce=x", 400, "unknown parameter 'servce'"),
                ("/api/v1/flamegraph?service=shop&label=host", 400, "not key:value"),
                ("/api/v1/flamegraph?service=shop&week=2026-W99", 400, "not an ISO week"),
                ("/api/v1/flamegraph?service=shop&top=0", 400, "'top' must be"),
                ("/api/v1/flamegraph?service=api", 400, "several sample types (cpu, inuse_space)"),
                ("/api/v1/flamegraph?service=shop&type=cpu", 404, "service 'shop' has no 'cpu' profiles (it has: samples)"),
                ("/api/v1/flamegraph?service=nope", 404, "no profiles of service 'nope'"),
                ("/api/v1/render?service=nope&format=svg", 404, "no profiles of service 'nope'"),
                ("/api/v1/render?service=shop&format=png", 400, "format 'png' is not one of svg, folded, pprof, json"),
                ("/api/v1/render?service=shop&from=2020-01-01&to=2020-01-02", 404, "in range"),
                ("/api/v1/services?x=1", 400, "unknown parameter 'x'"),
            ]
            try await server.expectErrors(cases)
        }
    }

    @Test func theBasePathPrefixesTheUIAndTheAPI() async throws {
        try await ServerHarness.with({ $0.basePath = "/pyrometer" }) { server in
            try await server.push(Self.shop, "service=shop")
            #expect(try await server.get("/api/v1/services").status == 200)
            let root = URL(string: server.base.absoluteString.replacingOccurrences(of: "/pyrometer", with: ""))!
            #expect(try await ServerHarness(base: root, store: server.store).get("/api/v1/services").status == 404)
            let page = try await server.get("/")
            #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
            let policy = try #require(page.headers["content-security-policy"])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(page.text.contains("src=\"ui/app.js\"") && !page.text.contains("=\"/"), "every link relative")
            #expect(page.text.contains("<canvas id=\"flame\""))
            // /pyrometer is redirected to /pyrometer/, for the relative links to resolve under it. (Not followed:
            // swift-corelibs-foundation resolves `Location: /pyrometer/` to /pyrometer again.)
            let bare = try await server.get("", followingRedirects: false)
            #expect(bare.status == 302 && bare.headers["location"] == "/pyrometer/", "\(bare.headers)")
            #expect(try await server.get("/ui").text == page.text)
            for (path, type) in [("/ui/app.js", "text/javascript"), ("/ui/flame.js", "text/javascript"), ("/ui/app.css", "text/css")] {
                let asset = try await server.get(path)
                #expect(asset.status == 200 && asset.headers["content-type"]?.hasPrefix(type) == true, "\(path)")
            }
        }
    }

    @Test func maxNodesKeepsTheWidestFrames() async throws {
        try await ServerHarness.with { server in
            try await server.push(Self.shop, "service=shop")
            let graph = try await server.decode(FlameGraphReply.self, "/api/v1/flamegraph?service=shop&maxNodes=4")
            #expect(graph.nodes.name.map { $0 < 0 ? "all" : graph.names[$0] } == ["all", "main", "work", "hash"])
            #expect(graph.omittedNodes == 2 && graph.total == 45)
        }
    }

    /// Large answers are gzip'd for a client that accepts it, and only then (read with Python's http.client, which
    /// does not decompress on its own as URLSession does).
    @Test(ExternalTool.python.needed) func largeAnswersAreGzippedWhenAccepted() async throws {
        try await ServerHarness.with { server in
            try await server.push(BigProfile.folded(stacks: 2_000).text, "service=mid")
            let paths = ["/api/v1/flamegraph?service=mid", "/api/v1/render?service=mid&format=svg"]
            for path in paths {
                let plain = try await server.get(path)
                #expect(plain.status == 200)
                for (accept, gzipped) in [("gzip, deflate, br", true), ("br;q=1.0, gzip;q=0.5", true), ("*", true),
                                          ("gzip;q=0", false), ("identity", false), ("*, gzip;q=0", false)] {
                    let result = Shell.run(["python3", "-c", """
                        import gzip, http.client, sys
                        c = http.client.HTTPConnection("127.0.0.1", \(server.base.port!), timeout=60)
                        c.request("GET", sys.argv[1], headers={"Accept-Encoding": sys.argv[2]})
                        r = c.getresponse(); body = r.read()
                        coding = r.getheader("Content-Encoding") or "none"
                        data = gzip.decompress(body) if coding == "gzip" else body
                        sys.stdout.buffer.write(b"%d %s %d %d\\n" % (r.status, coding.encode(), len(body), len(data)))
                        sys.stdout.buffer.write(data)
                        """, path, accept])
                    #expect(result.status == 0, "\(result.output)")
                    let header = result.output.prefix { $0 != "\n" }.split(separator: " ")
                    #expect(header.count == 4 && header[0] == "200", "\(path) \(accept): \(header)")
                    guard header.count == 4, let sent = Int(header[2]), let decoded = Int(header[3]) else { continue }
                    #expect((header[1] == "gzip") == gzipped, "\(path) \(accept): \(header)")
                    #expect(decoded == plain.body.count, "\(path) \(accept): the decoded answer differs")
                    if gzipped { #expect(sent * 3 < decoded, "\(path): \(sent) bytes for \(decoded)") }
                }
            }
        }
    }

    /// 100k unique stacks in one profile: the endpoint answers with every one of them (the time is printed), and
    /// a small request sent while that one is read is answered first, not queued behind it.
    @Test(.disabled(if: Sanitizer.isActive, Comment(rawValue: Sanitizer.scaleTestReason)))
    func aHundredThousandStacks() async throws {
        try await ServerHarness.with { server in
            let stacks = BigProfile.folded(stacks: 100_000)
            try await server.push(stacks.text, "service=big")
            let started = Date()
            async let big = server.get("/api/v1/flamegraph?service=big")
            try await Task.sleep(nanoseconds: 300_000_000)
            let services = try await server.get("/api/v1/services")
            let servicesAnswered = Date()
            let reply = try await big
            let seconds = Date().timeIntervalSince(started)
            #expect(services.status == 200 && services.text.contains("\"big\""), "\(services.text)")
            #expect(servicesAnswered.timeIntervalSince(started) < seconds - 0.5,
                    "the services list waited for the large read: \(servicesAnswered.timeIntervalSince(started)) s of \(seconds) s")
            #expect(reply.status == 200)
            let graph = try JSONDecoder().decode(FlameGraphReply.self, from: reply.body)
            #expect(graph.total == stacks.total && graph.stacks().count == 100_000)
            print("api/v1/flamegraph of 100,000 unique stacks: \(graph.nodes.name.count) frames, "
                  + "\(reply.body.count / 1024) KiB of JSON in \(String(format: "%.2f", seconds)) s")
        }
    }
}

extension ServerHarness {
    struct Fetched {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// GETs `path` (with its query) under the base path.
    func get(_ path: String, followingRedirects: Bool = true) async throws -> Fetched {
        let session = followingRedirects ? URLSession.shared
            : URLSession(configuration: .ephemeral, delegate: RedirectRefusal(), delegateQueue: nil)
        let (data, response) = try await session.data(from: URL(string: base.absoluteString + path)!)
        let http = response as? HTTPURLResponse
        let headers = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) {
            $0[String(describing: $1.key).lowercased()] = String(describing: $1.value)
        }
        return Fetched(status: http?.statusCode ?? 0, headers: headers, body: data)
    }

    /// Each path's reply is `status` with a JSON error body whose message contains `message`.
    func expectErrors(_ cases: [(path: String, status: Int, message: String)]) async throws {
        for (path, status, message) in cases {
            let reply = try await get(path)
            let body = try JSONSerialization.jsonObject(with: reply.body) as? [String: String]
            #expect(reply.status == status && reply.headers["content-type"] == "application/json", "\(path): \(reply.text)")
            #expect(body?["code"] == (status == 400 ? "invalid_argument" : "not_found"), "\(path): \(reply.text)")
            #expect(body?["message"]?.contains(message) == true, "\(path): \(reply.text)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        let reply = try await get(path)
        #expect(reply.status == 200, "\(path): \(reply.text)")
        return try JSONDecoder().decode(type, from: reply.body)
    }

    /// Pushes folded stacks through `POST /api/v1/profiles?QUERY`.
    func push(_ folded: String, _ query: String) async throws {
        let reply = try await post("/api/v1/profiles?" + query, Data(folded.utf8))
        #expect(reply.status == 200, "push \(query): \(reply.text)")
    }
}

final class RedirectRefusal: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

struct FlameGraphReply: Decodable {
    struct Nodes: Decodable {
        var name: [Int], depth: [Int], selfValues: [Int64], total: [Int64]
        enum CodingKeys: String, CodingKey { case name, depth, selfValues = "self", total }
    }
    struct Hotspots: Decodable {
        struct Function: Decodable { var name: String, `self`: Int64, total: Int64, flagged: Bool, hotPath: Bool }
        var threshold: Double
        var functions: [Function]
    }
    var service: String, sampleType: String, profiles: Int, total: Int64
    var names: [String] = [], colors: [Int] = []
    var nodes = Nodes(name: [], depth: [], selfValues: [], total: [])
    var omittedNodes = 0
    var hotspots = Hotspots(threshold: 0, functions: [])

    enum CodingKeys: String, CodingKey { case service, sampleType, profiles, total, names, colors, nodes, omittedNodes, hotspots }

    init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        (service, sampleType) = (try values.decode(String.self, forKey: .service), try values.decode(String.self, forKey: .sampleType))
        (profiles, total) = (try values.decode(Int.self, forKey: .profiles), try values.decode(Int64.self, forKey: .total))
        names = try values.decodeIfPresent([String].self, forKey: .names) ?? []
        colors = try values.decodeIfPresent([Int].self, forKey: .colors) ?? []
        nodes = try values.decodeIfPresent(Nodes.self, forKey: .nodes) ?? nodes
        omittedNodes = try values.decodeIfPresent(Int.self, forKey: .omittedNodes) ?? 0
        hotspots = try values.decodeIfPresent(Hotspots.self, forKey: .hotspots) ?? hotspots
    }

    /// The folded stacks the preorder arrays describe (each frame's own value under its path), after checking
    /// that every frame's total is its own value plus its children's.
    func stacks() -> [String: Int64] {
        var result: [String: Int64] = [:]
        var path: [(name: String, total: Int64, children: Int64)] = []
        func close(to depth: Int) {
            while path.count > depth {
                let done = path.removeLast()
                #expect(done.total >= done.children, "\(done.name): total \(done.total) < its children's \(done.children)")
                if !path.isEmpty { path[path.count - 1].children += done.total }
            }
        }
        for index in nodes.name.indices {
            close(to: nodes.depth[index])
            let name = nodes.name[index] < 0 ? "all" : names[nodes.name[index]]
            let ownValue = nodes.selfValues[index]
            path.append((name, nodes.total[index], ownValue))
            if ownValue > 0 { result[path.dropFirst().map(\.name).joined(separator: ";"), default: 0] += ownValue }
        }
        close(to: 0)
        return result
    }
}

/// Every text node of an SVG, which must parse as XML.
struct SVGTexts {
    private final class Collector: NSObject, XMLParserDelegate {
        var texts: [String] = [], current = ""
        // The parser hands text over in pieces (an entity such as &lt; is a piece of its own).
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) { current = "" }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            texts.append(current)
            current = ""
        }
    }
    var all: [String]

    init(_ data: Data) throws {
        let parser = XMLParser(data: data), collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "the SVG is not well-formed XML: \(String(describing: parser.parserError))")
        all = collector.texts
    }
}

/// A profile of many unique stacks, nine frames deep, sharing prefixes as services' stacks do.
enum BigProfile {
    static func folded(stacks: Int) -> (text: String, total: Int64) {
        var text = "", total: Int64 = 0
        for i in 0 ..< stacks {
            text += "main;runtime.main;app.serve;svc_\(i % 7);handler_\(i % 97);mw_\(i % 3);step_\(i % 1009);"
                + "work_\(i % 5003);leaf_\(i) \(1 + i % 13)\n"
            total += Int64(1 + i % 13)
        }
        return (text, total)
    }
}
