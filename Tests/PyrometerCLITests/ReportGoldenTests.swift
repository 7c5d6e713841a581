import Foundation
import PyrometerTestSupport
import Testing

/// Every report format of `hotspots`, `diff` and `gate` (text, Markdown, JSON, JUnit) against a golden file under
/// `Tests/Fixtures/golden/`, byte for byte: layout, rounding, ordering and escaping are all part of the contract
/// users' scripts and CI parsers rely on. After an intended change: `PYROMETER_BLESS=1 swift test --filter
/// ReportGoldenTests`, then review `git diff Tests/Fixtures/golden`.
@Suite struct ReportGoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var golden: String
        var arguments: [String]
        /// 0 pass, 1 a gate rule violated (or `--fail-on-hotspot`), 2 bad input.
        var status: Int32 = 0
        var testDescription: String { golden }
    }

    static let diff = "Tests/Fixtures/diff/"
    static let real = "Tests/Fixtures/real/"
    /// Folded stacks of one run of a program with a slow phase, and an ordinary run (Tests/Fixtures/diff/README.md).
    static let base = diff + "aa-01.folded", head = diff + "slow-01.folded"
    static let heapBase = diff + "heap-base.pb.gz", heapHead = diff + "heap-head.pb.gz"
    /// Valgrind DHAT of the allocation corpus, and its variant whose site_b allocates 30% more (alloc/README.md).
    static let dhatBase = "Tests/Fixtures/alloc/dhat/sites.json", dhatHead = "Tests/Fixtures/alloc/dhat/sites-b130.json"

    static let cases: [Case] = [
        // hotspots: folded counts, inline owners (gcc -O2 perf text), an interpreter's application frames.
        Case(golden: "hotspots/folded.txt", arguments: ["hotspots", head, "--limit", "10"]),
        Case(golden: "hotspots/folded.md", arguments: ["hotspots", head, "--limit", "10", "--format", "markdown"]),
        Case(golden: "hotspots/folded.json", arguments: ["hotspots", head, "--limit", "5", "--format", "json"]),
        Case(golden: "hotspots/inlined.txt",
             arguments: ["hotspots", real + "c-gcc-inline-fp/perf.txt.gz", "--limit", "8"]),
        Case(golden: "hotspots/inlined.json",
             arguments: ["hotspots", real + "c-gcc-inline-fp/perf.txt.gz", "--limit", "4", "--format", "json"]),
        Case(golden: "hotspots/python.txt", arguments: ["hotspots", real + "python312-perf/perf.txt.gz", "--limit", "6"]),
        Case(golden: "hotspots/python.md",
             arguments: ["hotspots", real + "python312-perf/perf.txt.gz", "--limit", "6", "--format", "markdown"]),
        Case(golden: "hotspots/fail-on-hotspot.txt",
             arguments: ["hotspots", head, "--limit", "3", "--fail-on-hotspot"], status: 1),
        // diff: CPU shares of two runs, and a Go heap profile pair (several sample types).
        Case(golden: "diff/cpu.txt", arguments: ["diff", base, head, "--limit", "10"]),
        Case(golden: "diff/cpu.md", arguments: ["diff", base, head, "--limit", "10", "--format", "markdown"]),
        Case(golden: "diff/cpu.json", arguments: ["diff", base, head, "--limit", "4", "--format", "json"]),
        Case(golden: "diff/heap.txt", arguments: ["diff", heapBase, heapHead, "--limit", "8"]),
        // Small profiles (≈550 samples): changes past the thresholds that are not significant say what would settle
        // them, in samples or (with the small-profile session's noise) in profiles per side.
        Case(golden: "diff/small.txt", arguments: ["diff", diff + "small-aa-01.folded", diff + "small-slow-01.folded",
                                                   "--limit", "5"]),
        Case(golden: "diff/small-noisy.md", arguments: ["diff", diff + "small-aa-01.folded",
                                                        diff + "small-slow-01.folded", "--limit", "5",
                                                        "--between-run-variance", "0.004", "--format", "markdown"]),
        Case(golden: "diff/small.json", arguments: ["diff", diff + "small-aa-01.folded", diff + "small-slow-01.folded",
                                                    "--limit", "3", "--format", "json"]),
        Case(golden: "diff/heap.md", arguments: ["diff", heapBase, heapHead, "--limit", "8", "--format", "markdown"]),
        // gate: a failing CPU gate in every format, a passing one, and the allocation gate.
        Case(golden: "gate/cpu.txt", arguments: ["gate", base, head, "--max-cpu-regression", "5%",
                                                "--max-hotspot", "20%", "--format", "text"], status: 1),
        Case(golden: "gate/cpu.md", arguments: ["gate", base, head, "--max-cpu-regression", "5%",
                                               "--max-hotspot", "20%"], status: 1),
        Case(golden: "gate/cpu.json", arguments: ["gate", base, head, "--max-cpu-regression", "5%",
                                                 "--max-hotspot", "20%", "--format", "json"], status: 1),
        Case(golden: "gate/pass.md", arguments: ["gate", base, diff + "aa-02.folded", "--max-cpu-regression", "50%",
                                                "--max-hotspot", "40%"]),
        Case(golden: "gate/alloc.txt", arguments: ["gate", heapBase, heapHead, "--max-alloc-growth", "10%",
                                                  "--format", "text"], status: 1),
        Case(golden: "gate/alloc.md", arguments: ["gate", heapBase, heapHead, "--max-alloc-growth", "10%"], status: 1),
        // DHAT: a +30% site that moves the totals by less than 10%; found per function, start-up noise left out.
        Case(golden: "hotspots/dhat.txt", arguments: ["hotspots", dhatBase]),
        Case(golden: "diff/dhat.txt", arguments: ["diff", dhatBase, dhatHead]),
        Case(golden: "gate/dhat.txt", arguments: ["gate", dhatBase, dhatHead, "--max-alloc-growth", "10%",
                                                 "--format", "text"], status: 1),
        Case(golden: "gate/dhat.md", arguments: ["gate", dhatBase, dhatHead, "--max-alloc-growth", "10%"], status: 1),
        Case(golden: "gate/dhat.json", arguments: ["gate", dhatBase, dhatHead, "--max-alloc-growth", "10%",
                                                  "--format", "json"], status: 1),
        Case(golden: "gate/dhat-40.txt", arguments: ["gate", dhatBase, dhatHead, "--max-alloc-growth", "40%",
                                                    "--format", "text"]),
        Case(golden: "gate/dhat-root.txt", arguments: ["gate", dhatBase, dhatHead, "--max-alloc-growth", "10%",
                                                      "--root", "site_c", "--format", "text"]),
    ]

    @Test(arguments: cases)
    func reportMatchesItsGoldenFile(_ test: Case) throws {
        let result = try CLI.run(test.arguments)
        #expect(result.status == test.status, "\(test.arguments): \(result.stderr)")
        Golden.expect(result.text, matches: test.golden)
    }

    /// The JUnit XML CI systems parse, for a failing and a passing gate.
    @Test(arguments: [
        Case(golden: "gate/cpu.junit.xml", arguments: ["gate", base, head, "--max-cpu-regression", "5%",
                                                      "--max-hotspot", "20%"], status: 1),
        Case(golden: "gate/pass.junit.xml", arguments: ["gate", base, diff + "aa-02.folded",
                                                       "--max-cpu-regression", "50%", "--max-hotspot", "40%"]),
        Case(golden: "gate/alloc.junit.xml", arguments: ["gate", heapBase, heapHead, "--max-alloc-growth", "10%"],
             status: 1),
        Case(golden: "gate/dhat.junit.xml", arguments: ["gate", dhatBase, dhatHead, "--max-alloc-growth", "10%"],
             status: 1),
    ])
    func junitMatchesItsGoldenFile(_ test: Case) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let junit = directory.appendingPathComponent("gate.xml")
        let result = try CLI.run(test.arguments + ["--junit", junit.path])
        #expect(result.status == test.status, "\(test.arguments): \(result.stderr)")
        Golden.expect(try String(contentsOf: junit, encoding: .utf8), matches: test.golden)
    }
}
