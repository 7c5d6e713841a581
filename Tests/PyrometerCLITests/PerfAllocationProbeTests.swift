import Foundation
import PyrometerTestSupport
import Testing

/// perf's allocation probes on the allocation corpus (Tests/Fixtures/alloc/perf, made by make-alloc-corpus.sh):
/// every glibc malloc, calloc and realloc call a sample weighed by its size. The same recording read as perf.data
/// (unwound and symbolized here), as `perf script` text with and without inline frames, and as the pprof `convert`
/// writes from it gives the same exact counts per site and the same gate verdicts.
@Suite struct PerfAllocationProbeTests {
    static let corpus = CLI.repository.appendingPathComponent("Tests/Fixtures/alloc").path
    static let lookup = ["--binary-path", corpus + "/bin"]
    static let paths = [".perf.data.zst", ".perf.txt.zst", ".noinline.perf.txt.zst"]

    /// The expected self values per function (`alloc_objects`, `alloc_space`) of README.md's tables, by the labels
    /// folded stacks show.
    static let sites: [String: [String: (objects: Int, bytes: Int)]] = [
        "sites": ["site_a": (1000, 64000), "site_b": (500, 128_000), "site_c": (200, 204_800), "main": (2, 9600)],
        "swift-sites": ["swsites.siteA(_:)": (1000, 24000), "swsites.siteB(_:)": (500, 72000)],
    ]

    /// The perf.data path needs this machine's libc and runtimes to be the recording's (it unwinds through them).
    static func arguments(_ name: String, _ path: String) throws -> [String] {
        let file = "\(corpus)/perf/\(name)\(path)"
        if path == ".perf.data.zst" {
            let probe = try CLI.run(["fold", file] + lookup)
            if let mismatch = probe.stderr.split(separator: "\n").first(where: { $0.contains("differs from the profile's") }) {
                try Test.cancel("\(name): this machine's libraries are not the recording's: \(mismatch)")
            }
        }
        return [file] + lookup
    }

    /// Self value per leaf function, without inline frames: what the gate's per-function rule charges.
    static func selfValues(_ arguments: [String], _ type: String) throws -> [String: Int] {
        let result = try CLI.run(["fold", "--no-inline", "--event", type] + arguments)
        try #require(result.status == 0, "\(arguments): \(result.stderr)")
        var values: [String: Int] = [:]
        for line in result.text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let value = Int(line[line.index(after: space)...]) else { continue }
            let leaf = line[..<space].split(separator: ";").last.map(String.init) ?? ""
            values[leaf, default: 0] += value
        }
        return values
    }

    @Test(arguments: ["sites", "swift-sites"], paths)
    func exactCountsPerSite(_ name: String, _ path: String) throws {
        let arguments = try Self.arguments(name, path)
        let objects = try Self.selfValues(arguments, "alloc_objects")
        let bytes = try Self.selfValues(arguments, "alloc_space")
        for (site, expected) in Self.sites[name]! {
            #expect(objects[site] == expected.objects, "\(name)\(path) \(site): \(objects.filter { $0.value >= 100 })")
            #expect(bytes[site] == expected.bytes, "\(name)\(path) \(site)")
        }
        // Nothing is charged to the allocators: the probed function and operator new / swift_allocObject are gone.
        let allocators = ["malloc", "__libc_malloc", "__GI___libc_malloc", "operator new", "operator new[]",
                          "swift_allocObject", "swift_slowAlloc"]
        #expect(objects.keys.allSatisfy { !allocators.contains($0) }, "\(objects.keys.sorted())")
        if name == "swift-sites" {
            // siteC's arrays: the standard library's buffer initializer calls swift_allocObject (README.md).
            #expect(objects.first { $0.key.hasPrefix("Swift._ContiguousArrayBuffer.init(_uninitializedCount:") }?.value == 200)
        }
    }

    /// The three readings of one recording agree on every function's self value, not only the sites'.
    @Test(arguments: ["sites", "swift-sites"])
    func everyPathGivesTheSameAnswer(_ name: String) throws {
        let data = try Self.selfValues(try Self.arguments(name, ".perf.data.zst"), "alloc_space")
        for path in Self.paths.dropFirst() {
            var text: [String: Int] = [:]
            // perf's inline view names some glibc functions by their DWARF names, `__GI___strdup` for `__strdup`
            // (docs/unwinding.md).
            for (key, value) in try Self.selfValues(try Self.arguments(name, path), "alloc_space") {
                text[key.hasPrefix("__GI_") ? String(key.dropFirst(5)) : key, default: 0] += value
            }
            // An address no symbol covers: `[module]` in perf's text, `module+0xOFFSET` from perf.data.
            var unnamed = data.filter { $0.key.contains("+0x") }
            for (key, value) in text where key.hasPrefix("[") && key.hasSuffix("]") {
                let module = String(key.dropFirst().dropLast())
                let matches = unnamed.filter { $0.key.hasPrefix(module + "+0x") }
                #expect(matches.values.reduce(0, +) == value, "\(name)\(path): \(key)")
                text[key] = nil
                for match in matches.keys { unnamed[match] = nil }
            }
            #expect(text == data.filter { !$0.key.contains("+0x") }, "\(name)\(path)")
        }
    }

    /// site_b's +30% fails the gate at 10% per function and names only site_b, while the totals stay under 10%;
    /// at 40% it passes. The counts are exact.
    @Test(arguments: ["sites", "swift-sites"], paths)
    func gateFindsThePlantedGrowth(_ name: String, _ path: String) throws {
        let base = try Self.arguments(name, path), head = try Self.arguments(name + "-b130", path)
        let failing = try CLI.run(["gate", base[0], head[0], "--max-alloc-growth", "10%", "--format", "json"] + Self.lookup)
        #expect(failing.status == 1, "\(failing.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: failing.stdout) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: Any]])
        let perFunction = checks.filter { ($0["name"] as? String)?.hasSuffix("per function") ?? false }
        #expect(perFunction.count == 2 && perFunction.allSatisfy { $0["passed"] as? Bool == false })
        let offenders = perFunction.flatMap { ($0["offenders"] as? [String]) ?? [] }
        let grown = name == "sites" ? "site_b" : "swsites.siteB"
        #expect(offenders.count == 2 && offenders.allSatisfy { $0.hasPrefix(grown) }, "\(offenders)")
        let totals = checks.filter { !(($0["name"] as? String)?.hasSuffix("per function") ?? true) }
        #expect(totals.allSatisfy { ($0["detail"] as? String)?.contains("(exact counts)") ?? false }, "\(totals)")
        let passing = try CLI.run(["gate", base[0], head[0], "--max-alloc-growth", "40%"] + Self.lookup)
        #expect(passing.status == 0, "\(passing.stderr)")
    }

    /// pprof written by `convert` keeps the exact counts and the trait that says so; a lossy recording converted
    /// stays lossy.
    @Test func pprofKeepsExactnessAndLosses() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var converted: [String: String] = [:]
        for name in ["sites", "sites-b130", "sites-lossy"] {
            let output = directory.appendingPathComponent(name + ".pb.gz").path
            let result = try CLI.run(["convert", "--to", "pprof", "-o", output] + (try Self.arguments(name, ".perf.data.zst")))
            try #require(result.status == 0, "\(result.stderr)")
            converted[name] = output
        }
        #expect(try Self.selfValues([converted["sites"]!], "alloc_objects")["site_b"] == 500)
        let gate = try CLI.run(["gate", converted["sites"]!, converted["sites-b130"]!, "--max-alloc-growth", "10%",
                                "--format", "text"])
        #expect(gate.status == 1)
        #expect(gate.text.contains("(exact counts)"), "\(gate.text)")
        let lossy = try CLI.run(["gate", converted["sites"]!, converted["sites-lossy"]!, "--max-alloc-growth", "10%"])
        #expect(lossy.status == 2)
        #expect(lossy.stderr.contains("lost events"), "\(lossy.stderr)")
    }

    /// perf lost events (LOST records in perf.data; `--show-lost-events` lines in text): a warning, and a gate that
    /// refuses to decide, whichever side is incomplete.
    @Test(arguments: [".perf.data.zst", ".perf.txt.zst"])
    func lostEventsRefuseTheGate(_ path: String) throws {
        let lossy = try Self.arguments("sites-lossy", path)
        let folded = try CLI.run(["fold"] + lossy)
        #expect(folded.status == 0)
        #expect(folded.stderr.contains("perf lost"), "\(folded.stderr)")
        let complete = try Self.arguments("sites", path)
        for (base, head) in [(complete[0], lossy[0]), (lossy[0], complete[0])] {
            let gate = try CLI.run(["gate", base, head, "--max-alloc-growth", "40%"] + Self.lookup)
            #expect(gate.status == 2, "\(gate.text)")
            #expect(gate.stderr.contains("lower bounds"), "\(gate.stderr)")
        }
    }

    /// Without the programs' binaries the sites are one `[sites]` frame per build, under different names: no
    /// per-function verdict is sound, so the gate refuses and says what to give it (it once failed a 40% gate on
    /// `[sites-b130]` "new").
    @Test func unsymbolizedAllocationsRefuseTheGate() throws {
        let base = "\(Self.corpus)/perf/sites.perf.data.zst", head = "\(Self.corpus)/perf/sites-b130.perf.data.zst"
        let gate = try CLI.run(["gate", base, head, "--max-alloc-growth", "40%"])
        #expect(gate.status == 2, "\(gate.text)")
        #expect(gate.stderr.contains("code without symbols") && gate.stderr.contains("--binary-path"), "\(gate.stderr)")
        let symbolized = try CLI.run(["gate", base, head, "--max-alloc-growth", "40%"] + Self.lookup)
        #expect(symbolized.status == 0, "\(symbolized.text) \(symbolized.stderr)")
    }

    /// `record --alloc --tool perf` here, now: probes added and removed, nothing lost, the corpus's exact counts,
    /// and the gate's verdicts on the two builds.
    @Test(ExternalTool.uprobes.needed, ExternalTool.gxx.needed)
    func recordWithPerfProbes() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var profiles: [String] = []
        for percent in [100, 130] {
            let binary = try AllocationRecordingTests.build(directory, percent: percent)
            let output = directory.appendingPathComponent("sites-\(percent).pb.gz").path
            let recorded = try CLI.run(["record", "--alloc", "--tool", "perf", "-o", output, "--", binary])
            try #require(recorded.status == 0, "\(recorded.stderr)")
            #expect(recorded.stderr.contains("(perf) -> \(output)"), "\(recorded.stderr)")
            profiles.append(output)
        }
        let probes = try CLI.run(["perf", "probe", "-l"], tool: true)
        #expect(!probes.text.contains("pyrometer_alloc") && !probes.stderr.contains("pyrometer_alloc"))
        let objects = try Self.selfValues([profiles[0]], "alloc_objects")
        #expect(objects["site_a"] == 1000 && objects["site_b"] == 500 && objects["site_c"] == 200, "\(objects)")
        #expect(try Self.selfValues([profiles[1]], "alloc_objects")["site_b"] == 650)
        #expect(try CLI.run(["gate", profiles[0], profiles[1], "--max-alloc-growth", "10%"]).status == 1)
        #expect(try CLI.run(["gate", profiles[0], profiles[1], "--max-alloc-growth", "40%"]).status == 0)
    }
}
