import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PyrometerTestSupport
import Testing

/// `pyrometer diff`, `gate` and `flamegraph --diff` end to end.
@Suite struct DiffCLITests {
    static let diffFolded = "Tests/Fixtures/inferno/tests/data/diff-folded/"
    static let recordings = "Tests/Fixtures/diff/"

    struct InfernoCase: CustomTestStringConvertible, Sendable {
        var before: String
        var options: [String]
        var expected: String
        var testDescription: String { expected }
    }

    /// inferno's diff-folded cases: default, `-n`, `-s`, and fractional counts (truncated).
    static let infernoCases = [
        InfernoCase(before: "before.txt", options: [], expected: "default.txt"),
        InfernoCase(before: "before.txt", options: ["--normalize"], expected: "normalize.txt"),
        InfernoCase(before: "before.txt", options: ["--strip-hex"], expected: "strip_hex.txt"),
        InfernoCase(before: "before_fractionals.txt", options: [], expected: "fractionals.txt"),
    ]

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).sorted()
    }

    /// inferno writes lines in hash order: compared as sorted lists, as inferno's own test does.
    @Test(arguments: infernoCases)
    func diffFoldedMatchesInferno(_ testCase: InfernoCase) throws {
        let result = try CLI.run(["diff", Self.diffFolded + testCase.before, Self.diffFolded + "after.txt",
                                  "--to", "folded"] + testCase.options)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try String(contentsOf: CLI.repository.appendingPathComponent(
            Self.diffFolded + "results/" + testCase.expected), encoding: .utf8)
        #expect(Self.lines(result.text) == Self.lines(expected))
        // Our own order is the bytes of the stack text, every run the same.
        #expect(result.text.split(separator: "\n").map(String.init) == Self.lines(result.text))
        if testCase.before == "before_fractionals.txt" {
            #expect(result.stderr.components(separatedBy: "fractional count truncated").count == 2)
        }
    }

    @Test func aLineWithoutCountIsOneWarning() throws {
        let result = try CLI.run(["diff", Self.diffFolded + "bad_before.txt", Self.diffFolded + "after.txt",
                                  "--to", "folded"])
        #expect(result.status == 0)
        #expect(result.stderr.components(separatedBy: "warning").count == 2, "\(result.stderr)")
        #expect(result.stderr.contains("bad_before.txt:3"))
    }

    @Test func jsonReportHasTheDocumentedFields() throws {
        let result = try CLI.run(["diff", Self.recordings + "aa-01.folded", Self.recordings + "slow-01.folded",
                                  "--format", "json", "--limit", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        for key in ["baseTotal", "headTotal", "unit", "functions", "method", "normalized"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["unit"] as? String == "count")
        let functions = try #require(object["functions"] as? [[String: Any]])
        for key in ["name", "basePercent", "headPercent", "deltaPercent", "baseTotalPercent", "headTotalPercent",
                    "deltaTotalPercent", "pValue", "regressed"] {
            #expect(functions.allSatisfy { $0[key] != nil }, "a function lacks \(key)")
        }
        let hash = try #require(functions.first { $0["name"] as? String == "hash_block" })
        #expect(hash["regressed"] as? Bool == true)
        #expect(functions.filter { $0["regressed"] as? Bool == true }.count == 1)
        let base = try #require(hash["basePercent"] as? Double), head = try #require(hash["headPercent"] as? Double)
        #expect(abs((head - base) - (hash["deltaPercent"] as? Double ?? 0)) < 0.001)
    }

    @Test func failOnRegressionAndSides() throws {
        let slowed = try CLI.run(["diff", "--base", Self.recordings + "aa-01.folded", "--base",
                                  Self.recordings + "aa-02.folded", "--head", Self.recordings + "slow-01.folded",
                                  "--head", Self.recordings + "slow-03.folded", "--fail-on-regression"])
        #expect(slowed.status == 1)
        #expect(slowed.text.contains("REGRESSED  hash_block"))
        let unchanged = try CLI.run(["diff", Self.recordings + "aa-01.folded", Self.recordings + "aa-02.folded",
                                     "--fail-on-regression"])
        #expect(unchanged.status == 0)
        let usage = try CLI.run(["diff", Self.recordings + "aa-01.folded"])
        #expect(usage.status == 2)
        let mixed = try CLI.run(["diff", Self.recordings + "aa-01.folded", Self.recordings + "heap-head.pb.gz"])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("measure different things"))
    }

    /// `--between-run-variance` is the noise model's ρ: 0 tests sampling noise alone, a large one needs more
    /// profiles; out of range is a usage error.
    @Test func betweenRunVariance() throws {
        let pair = [Self.recordings + "small-aa-01.folded", Self.recordings + "small-slow-01.folded"]
        let binomial = try CLI.run(["diff"] + pair + ["--between-run-variance", "0"])
        #expect(binomial.status == 0)
        #expect(binomial.text.contains("REGRESSED  hash_block"), "\(binomial.text)")
        let noisy = try CLI.run(["diff"] + pair + ["--between-run-variance", "0.05"])
        #expect(noisy.text.contains("hash_block +7.62 pp is not significant: needs more profiles per side"))
        for bad in ["-0.1", "1", "nan"] {
            let result = try CLI.run(["diff"] + pair + ["--between-run-variance", bad])
            #expect(result.status == 2, "\(bad)")
        }
    }

    /// Allocation growth of 30% at one site (about 18% of all bytes): the gate fails at 10% and passes at 40%.
    @Test func allocationGate() throws {
        let dir = try CLI.temporaryDirectory()
        let junit = dir.appendingPathComponent("gate.xml").path
        let failing = try CLI.run(["gate", Self.recordings + "heap-base.pb.gz", Self.recordings + "heap-head.pb.gz",
                                   "--max-alloc-growth", "10%", "--junit", junit])
        #expect(failing.status == 1, "\(failing.stderr)")
        #expect(failing.text.contains("FAILED"))
        #expect(failing.text.contains("| alloc_space growth | 10.0% | +"))
        // Totals and per function, for both types; the function that grew is named.
        #expect(failing.text.contains("| `main.churn` |"))
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: junit))
        #expect(try document.nodes(forXPath: "//testcase").count == 4)
        #expect(try document.nodes(forXPath: "//testcase/failure").count == 4)
        #expect(try document.nodes(forXPath: "/testsuites/@failures").first?.stringValue == "4")

        let passing = try CLI.run(["gate", Self.recordings + "heap-base.pb.gz", Self.recordings + "heap-head.pb.gz",
                                   "--max-alloc-growth", "40", "--format", "json", "--junit", junit])
        #expect(passing.status == 0, "\(passing.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: passing.stdout) as? [String: Any])
        #expect(object["passed"] as? Bool == true)
        let checks = try #require(object["checks"] as? [[String: Any]])
        let growth = try #require(checks.first { $0["name"] as? String == "alloc_space growth" }?["measuredPercent"]
                                  as? Double)
        #expect(growth > 10 && growth < 40)
        #expect(try XMLDocument(contentsOf: URL(fileURLWithPath: junit)).nodes(forXPath: "//failure").isEmpty)
    }

    /// Exact counts of the allocation corpus (Tests/Fixtures/alloc), C++ and Swift, from DHAT and heaptrack: site_b's
    /// +30% moves the totals through main by less than 10% (C++: 9.4% of bytes, 8.8% of blocks), and fails the
    /// gate per function; nothing else is named.
    @Test(arguments: [("dhat/sites.json", "dhat/sites-b130.json", "site_b"),
                      ("heaptrack/sites.zst", "heaptrack/sites-b130.zst", "site_b"),
                      ("dhat/swift-sites.json", "dhat/swift-sites-b130.json", "swsites.siteB"),
                      ("heaptrack/swift-sites.zst", "heaptrack/swift-sites-b130.zst", "swsites.siteB")])
    func allocationGatePerFunction(_ baseFile: String, _ headFile: String, _ grown: String) throws {
        let base = "Tests/Fixtures/alloc/" + baseFile, head = "Tests/Fixtures/alloc/" + headFile
        let failing = try CLI.run(["gate", base, head, "--max-alloc-growth", "10%", "--format", "json"])
        #expect(failing.status == 1, "\(failing.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: failing.stdout) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: Any]])
        let totals = checks.filter { !(($0["name"] as? String)?.hasSuffix("per function") ?? true) }
        #expect(totals.count == 2 && totals.allSatisfy { $0["passed"] as? Bool == true })
        let perFunction = checks.filter { ($0["name"] as? String)?.hasSuffix("per function") ?? false }
        #expect(perFunction.count == 2 && perFunction.allSatisfy { $0["passed"] as? Bool == false })
        let offenders = perFunction.flatMap { ($0["offenders"] as? [String]) ?? [] }
        #expect(offenders.count == 2 && offenders.allSatisfy { $0.hasPrefix(grown) }, "\(offenders)")
        #expect(try CLI.run(["gate", base, head, "--max-alloc-growth", "40%"]).status == 0)
        let noRoot = try CLI.run(["gate", base, head, "--max-alloc-growth", "10%", "--root", "no_such_function"])
        #expect(noRoot.status == 2)
        #expect(noRoot.stderr.contains("--root no_such_function"))
    }

    /// jemalloc's heap profiles of the allocation corpus (every allocation sampled), symbolized with libdw from the
    /// binaries kept beside them: the sites' exact counts, and the gate finds site_b.
    @Test func jemallocProfilesOfTheCorpus() throws {
        let corpus = CLI.repository.appendingPathComponent("Tests/Fixtures/alloc").path
        let lookup = ["--binary-path", corpus + "/bin"]
        let folded = try CLI.run(["fold", "--event", "alloc_objects", corpus + "/jemalloc/sites.heap"] + lookup)
        #expect(folded.status == 0, "\(folded.stderr)")
        for (site, count) in [("main;site_a", 1000), ("main;site_b", 500), ("main;site_c;fresh_buffer_[i]", 200)] {
            #expect(folded.text.contains(";\(site) \(count)\n"), "\(site): \(folded.text)")
        }
        let gate = try CLI.run(["gate", corpus + "/jemalloc/sites.heap", corpus + "/jemalloc/sites-b130.heap",
                                "--max-alloc-growth", "10%", "--format", "text"] + lookup)
        #expect(gate.status == 1, "\(gate.text) \(gate.stderr)")
        #expect(gate.text.contains("grew: site_b: 500 -> 650 alloc_objects"), "\(gate.text)")
    }

    @Test func gateUsageAndInputErrorsExitTwo() throws {
        let noRule = try CLI.run(["gate", Self.recordings + "aa-01.folded", Self.recordings + "aa-02.folded"])
        #expect(noRule.status == 2)
        let notHeap = try CLI.run(["gate", Self.recordings + "aa-01.folded", Self.recordings + "aa-02.folded",
                                   "--max-alloc-growth", "10%"])
        #expect(notHeap.status == 2)
        #expect(notHeap.stderr.contains("alloc_space"))
        let missing = try CLI.run(["gate", "no/such.pb.gz", Self.recordings + "aa-02.folded", "--max-hotspot", "20"])
        #expect(missing.status == 2)
        let badPercent = try CLI.run(["gate", Self.recordings + "aa-01.folded", Self.recordings + "aa-02.folded",
                                      "--max-hotspot", "lots"])
        #expect(badPercent.status == 2)
    }

    @Test func cpuGateOnRecordings() throws {
        let sides = ["--base", Self.recordings + "aa-01.folded", "--base", Self.recordings + "aa-02.folded",
                     "--base", Self.recordings + "aa-03.folded", "--head", Self.recordings + "slow-01.folded",
                     "--head", Self.recordings + "slow-03.folded", "--head", Self.recordings + "slow-04.folded"]
        let regressed = try CLI.run(["gate"] + sides + ["--max-cpu-regression", "5%"])
        #expect(regressed.status == 1, "\(regressed.text)\(regressed.stderr)")
        #expect(regressed.text.contains("| `hash_block` |"))
        let unchanged = try CLI.run(["gate", "--base", Self.recordings + "aa-01.folded", "--base",
                                     Self.recordings + "aa-02.folded", "--base", Self.recordings + "aa-03.folded",
                                     "--head", Self.recordings + "aa-07.folded", "--head",
                                     Self.recordings + "aa-08.folded", "--head", Self.recordings + "aa-09.folded",
                                     "--max-cpu-regression", "5%", "--max-hotspot", "40%"])
        #expect(unchanged.status == 0, "\(unchanged.text)")
    }

    /// Function names must not break the Markdown table or the JUnit XML, nor inject markup.
    @Test func hostileNamesStayInert() throws {
        let dir = try CLI.temporaryDirectory()
        let hostile = "<script>alert(1)</script>|`x`|]]>&\u{1}"
        let base = dir.appendingPathComponent("base.folded"), head = dir.appendingPathComponent("head.folded")
        try "main;\(hostile) 100\nmain;other 900\n".write(to: base, atomically: true, encoding: .utf8)
        try "main;\(hostile) 600\nmain;other 400\n".write(to: head, atomically: true, encoding: .utf8)
        let junit = dir.appendingPathComponent("gate.xml").path
        let result = try CLI.run(["gate", base.path, head.path, "--max-hotspot", "20%", "--junit", junit])
        #expect(result.status == 1)
        for line in result.text.split(separator: "\n") where line.hasPrefix("| `") {
            // Outside code spans, a row has exactly its cell separators.
            let unescapedPipes = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map { $0.element.filter { $0 == "|" }.count }.reduce(0, +)
            #expect(unescapedPipes == 3, "\(line)")
            #expect(!line.contains("]]>&\u{1}"))
        }
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: junit))
        #expect(try document.nodes(forXPath: "//failure").count == 1)
        #expect(try document.nodes(forXPath: "//script").isEmpty)

        let svgPath = dir.appendingPathComponent("diff.svg").path
        let diff = try CLI.run(["diff", base.path, head.path, "--svg", svgPath])
        #expect(diff.status == 0)
        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        #expect(!svg.contains("<script>alert"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    /// Differential SVG: widths from head, each frame coloured by its own inclusive change (pale when not
    /// significant), tooltips with both.
    @Test func differentialFlamegraph() throws {
        let dir = try CLI.temporaryDirectory()
        let base = dir.appendingPathComponent("base.folded"), head = dir.appendingPathComponent("head.folded")
        // parse's own children grew (parse has no self samples): parse itself must show the growth.
        try "main;parse;lex 100\nmain;parse;tokens 100\nmain;render 800\n"
            .write(to: base, atomically: true, encoding: .utf8)
        try "main;parse;lex 300\nmain;parse;tokens 300\nmain;render 400\n"
            .write(to: head, atomically: true, encoding: .utf8)
        let svgPath = dir.appendingPathComponent("diff.svg").path
        let result = try CLI.run(["diff", base.path, head.path, "--svg", svgPath])
        #expect(result.status == 0, "\(result.stderr)")
        let frames = try Self.frames(svgPath)
        let parse = try #require(frames["parse"]), render = try #require(frames["render"])
        #expect(parse.fill.hasPrefix("rgb(255,"), "parse grew from 20% to 60%: red, not \(parse.fill)")
        #expect(render.fill.hasSuffix(",255)"), "render shrank: blue, not \(render.fill)")
        #expect(frames["main"]!.fill == "rgb(232,232,232)")  // 100% on both sides: no change, drawn pale
        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        #expect(svg.contains("pale: change under 1.0 pp and 10% or not significant at alpha 0.05 (counts test with "
                             + "between-run noise, Holm over 4 frames)"))
        #expect(parse.title.contains("base 200 samples, 20.00%; head 600 samples, 60.00%; +40.00 pp"))
        #expect(parse.width == "600")  // head's widths

        // flamegraph --diff: the same from two inputs, and from diff-folded's 3-column output.
        let twoInputs = try CLI.run(["flamegraph", "--diff", base.path, head.path])
        #expect(twoInputs.status == 0)
        let folded = try CLI.run(["diff", base.path, head.path, "--to", "folded", "-o",
                                  dir.appendingPathComponent("diff.folded").path])
        #expect(folded.status == 0)
        let threeColumns = try CLI.run(["flamegraph", "--diff", dir.appendingPathComponent("diff.folded").path])
        #expect(threeColumns.status == 0, "\(threeColumns.stderr)")
        #expect(threeColumns.stdout == twoInputs.stdout)
        let baseWidths = try CLI.run(["flamegraph", "--diff", "--widths", "base", base.path, head.path])
        #expect(baseWidths.text.contains("data-v=\"800\""))
        let notDifferential = try CLI.run(["flamegraph", "--diff", base.path])
        #expect(notDifferential.status == 2)
    }

    struct Frame {
        var title: String
        var fill: String
        var width: String
    }

    /// Frames by name (the first of each name). The document must be well-formed XML.
    static func frames(_ path: String) throws -> [String: Frame] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(XMLParser(data: data).parse())
        let svg = String(decoding: data, as: UTF8.self)
        let pattern = try NSRegularExpression(
            pattern: #"<g data-x="\d+" data-v="(\d+)" data-l="(\d+)"><title>([^<]*)</title><rect[^>]* fill="([^"]*)""#)
        var frames: [String: Frame] = [:]
        let text = svg as NSString
        for match in pattern.matches(in: svg, range: NSRange(location: 0, length: text.length)) {
            let title = text.substring(with: match.range(at: 3))
            let length = Int(text.substring(with: match.range(at: 2))) ?? 0
            let name = String(decoding: Array(title.utf16.prefix(length)), as: UTF16.self)
            if frames[name] == nil {
                frames[name] = Frame(title: title, fill: text.substring(with: match.range(at: 4)),
                                     width: text.substring(with: match.range(at: 1)))
            }
        }
        return frames
    }
}

@Suite struct SymbolizeCLITests {
    @Test func symbolizeOptionsAreValidated() throws {
        let relative = try CLI.run(["fold", "--debug-dir", "relative/dir", "samples/hotspot.perf.txt"])
        #expect(relative.status == 2)
        #expect(relative.stderr.contains("absolute"))
        let mode = try CLI.run(["fold", "--symbolize", "sometimes", "samples/hotspot.perf.txt"])
        #expect(mode.status == 2)
    }

    /// pprof in, pprof out; perf script in, folded out. Nothing to resolve in these samples: same content.
    @Test func symbolizeKeepsTheFormatFamily() throws {
        let pprof = try CLI.run(["symbolize", "samples/go-cpu.pb.gz"])
        #expect(pprof.status == 0, "\(pprof.stderr)")
        #expect(pprof.stdout.starts(with: [0x1F, 0x8B]))  // gzip profile.proto
        let fromSymbolized = try CLI.run(["hotspots", "-"], stdin: pprof.stdout)
        #expect(fromSymbolized.text == (try CLI.run(["hotspots", "samples/go-cpu.pb.gz"])).text)
        let folded = try CLI.run(["symbolize", "samples/hotspot.perf.txt"])
        #expect(folded.status == 0)
        #expect(folded.text == (try CLI.run(["fold", "samples/hotspot.perf.txt"])).text)
    }
}
