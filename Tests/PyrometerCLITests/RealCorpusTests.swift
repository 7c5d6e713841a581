import Foundation
import PyrometerTestSupport
import Testing

/// The real-recording corpus (`Tests/Fixtures/real`, made by `scripts/make-real-corpus.sh` from programs whose costs
/// are known by construction): every case must flag exactly its designed functions, named as their authors know
/// them, from every input path: the recording itself (perf.data, symbolized with the case's debug files and JIT
/// maps), perf's text with and without inline frames and without demangling, pprof made from either, and folded
/// stacks with `_[i]` frames.
@Suite struct RealCorpusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// What `hotspots` must flag (self share at or above 20%), by full name.
        var flagged: Set<String>
        /// Inlined functions whose summed self share over their hosts reaches 20%, where the path knows inline frames
        /// (perf.data; perf's text of a DWARF recording).
        var inlined: Set<String> = []
        /// Inlined functions whose summed share lies near the threshold (the design sets the owners' shares, not the
        /// helpers'): a finding or not, from run to run.
        var inlinedNearThreshold: Set<String> = []
        /// Whether perf's text has inline frames (DWARF call graphs).
        var dwarf = false
        /// perf.data needs a library this repository does not hold (Python's libpython3.12, 30 MB): that path is
        /// checked by `DwarfUnwindingCorpusTests.pythonUnwindsAsPerfDoes` where the library is installed.
        var needsSystemLibrary = false
        /// perf could not name the stripped binary's frames: its texts flag the binary as a whole.
        var strippedTextFlags: Set<String>? = nil
        /// The findings by the labels folded text names functions with, where those are not their names.
        var foldedLabels: Findings? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "c-gcc-inline-fp", flagged: ["encode_frames", "checksum_blocks"], inlined: ["mix64"]),
        Case(name: "c-clang-inline-dwarf", flagged: ["encode_frames", "checksum_blocks"], inlined: ["mix64"],
             dwarf: true),
        Case(name: "cpp-templates", flagged: ["accumulate<float>", "accumulate<double>"], dwarf: true),
        // Legacy mangling tells the two instantiations apart only by a hash, which perf and demanglers drop: one
        // function, as perf prints it (v0 mangling names them, below). Their inlined `step`s tell them apart.
        Case(name: "rust-generics", flagged: ["corpus::accumulate"], inlined: ["<f64 as corpus::Sample>::step"],
             inlinedNearThreshold: ["<u64 as corpus::Sample>::step"], dwarf: true),
        Case(name: "rust-generics-v0", flagged: ["corpus::accumulate::<f64>", "corpus::accumulate::<u64>"],
             inlined: ["<f64 as corpus::Sample>::step"], inlinedNearThreshold: ["<u64 as corpus::Sample>::step"]),
        Case(name: "swift-generics", flagged: [
            "generic specialization <Swift.Double> of corpus.accumulate<A where A: corpus.Mixable>(Swift.UnsafeBufferPointer<A>) -> A",
            "generic specialization <Swift.Int> of corpus.accumulate<A where A: corpus.Mixable>(Swift.UnsafeBufferPointer<A>) -> A",
        ], inlined: ["(extension in corpus):Swift.Double.step(Swift.Double) -> Swift.Double",
                     "(extension in corpus):Swift.Int.step(Swift.Int) -> Swift.Int"], dwarf: true,
             foldedLabels: Findings(flagged: ["specialized <Swift.Double> corpus.accumulate<A>(_:)",
                                              "specialized <Swift.Int> corpus.accumulate<A>(_:)"],
                                    inlined: ["(extension in corpus):Swift.Double.step(_:)",
                                              "(extension in corpus):Swift.Int.step(_:)"])),
        Case(name: "python312-perf", flagged: ["py::parse_records:/opt/corpus/python312-perf/records.py",
                                               "py::score_records:/opt/corpus/python312-perf/records.py"],
             dwarf: true, needsSystemLibrary: true),
        Case(name: "java17-perfmap", flagged: ["long RecordScorer.parseRecords(byte[], int[])",
                                               "long RecordScorer.scoreRecords(int[])"],
             foldedLabels: Findings(flagged: ["long RecordScorer.parseRecords", "long RecordScorer.scoreRecords"],
                                    inlined: [])),
        // V8 names a function once per tier that compiled it (`JS:^f`, `JS:*f`): one function.
        Case(name: "node20-perfmap", flagged: ["JS:parseRecords /opt/corpus/node20-perfmap/records.js:21:22",
                                               "JS:scoreRecords /opt/corpus/node20-perfmap/records.js:27:22"]),
        Case(name: "c-two-threads", flagged: ["worker_a_hash", "worker_b_sort"]),
        Case(name: "c-stripped-buildid", flagged: ["encode_frames", "checksum_blocks"], inlined: ["mix64"],
             strippedTextFlags: ["[inline_helper]"]),
    ]

    struct Findings: Equatable, CustomStringConvertible {
        var flagged: Set<String>
        var inlined: Set<String>
        var description: String { "flagged \(flagged.sorted()), inlined \(inlined.sorted())" }
    }

    static func directory(_ name: String) -> String { "Tests/Fixtures/real/\(name)" }

    /// Where reading a case's perf.data finds its program (`bin/`, by the name perf.data gives it, checked by
    /// build-id), its JIT map (`perf-PID.map` in the case folder) and, for the stripped case, its debug file: laid
    /// out here as a build-id debug directory (`.build-id/xx/rest.debug`), as `--debug-dir` reads it.
    static func lookup(_ name: String) throws -> [String] {
        let root = CLI.repository.appendingPathComponent(directory(name)).path
        var arguments = ["--binary-path", root + "/bin", "--binary-path", root]
        let debug = root + "/debug"
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: debug) else { return arguments }
        let layout = URL(fileURLWithPath: temporary(name))
        for file in files where file.hasSuffix(".debug") {
            let id = String(file.dropLast(".debug".count))
            let directory = layout.appendingPathComponent(".build-id/" + id.prefix(2))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let link = directory.appendingPathComponent(id.dropFirst(2) + ".debug").path
            try? FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: debug + "/" + file)
        }
        arguments += ["--debug-dir", layout.path]
        return arguments
    }

    /// `hotspots --format json` of `arguments`: the flagged functions and inlined findings.
    static func findings(_ arguments: [String]) throws -> Findings {
        let result = try CLI.run(["hotspots", "--format", "json", "--limit", "0"] + arguments)
        try #require(result.status == 0, "hotspots \(arguments): \(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let functions = try #require(report["functions"] as? [[String: Any]])
        let inlined = try #require(report["inlinedFindings"] as? [[String: Any]])
        return Findings(flagged: Set(functions.filter { $0["flagged"] as? Bool == true }.compactMap { $0["name"] as? String }),
                        inlined: Set(inlined.compactMap { $0["name"] as? String }))
    }

    /// A temporary file for a converted input.
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-corpus-\(getpid())-\(name)").path
    }

    @Test(arguments: cases)
    func everyPathFlagsTheDesignedFunctions(_ testCase: Case) throws {
        let dir = Self.directory(testCase.name)
        let textFlags = testCase.strippedTextFlags ?? testCase.flagged
        // perf's texts: with inline frames (DWARF), without, and with names left mangled.
        for text in ["perf.txt.gz", "noinline.perf.txt.gz", "nodemangle.perf.txt.gz"] {
            let found = try Self.findings(["\(dir)/\(text)"])
            #expect(found.flagged == textFlags, "\(testCase.name) \(text): \(found)")
            if testCase.dwarf && text != "noinline.perf.txt.gz" && testCase.strippedTextFlags == nil {
                #expect(found.inlined.isSubset(of: testCase.inlined.union(testCase.inlinedNearThreshold)),
                        "\(testCase.name) \(text): \(found)")
            } else {
                #expect(found.inlined.isEmpty, "\(testCase.name) \(text): \(found)")
            }
        }
        // pprof made from perf's text: the inline frames become lines of their owners' locations.
        let fromText = Self.temporary("\(testCase.name)-text.pb.gz")
        defer { try? FileManager.default.removeItem(atPath: fromText) }
        let converted = try CLI.run(["convert", "--to", "pprof", "\(dir)/perf.txt.gz", "-o", fromText])
        try #require(converted.status == 0, "\(converted.stderr)")
        let viaPprof = try Self.findings([fromText])
        #expect(viaPprof == (try Self.findings(["\(dir)/perf.txt.gz"])), "\(testCase.name) pprof of perf.txt")

        if let stripped = testCase.strippedTextFlags {
            // perf given the debug file names the frames.
            let symbolized = try Self.findings(["\(dir)/symbolized.perf.txt.gz"])
            #expect(symbolized.flagged == testCase.flagged && symbolized.flagged != stripped, "\(symbolized)")
        }
        guard !testCase.needsSystemLibrary else { return }

        // The recording itself, symbolized with libdw: inline chains expanded.
        let recording = ["\(dir)/perf.data.gz"] + (try Self.lookup(testCase.name))
        defer { try? FileManager.default.removeItem(atPath: Self.temporary(testCase.name)) }
        let direct = try Self.findings(recording)
        #expect(direct.flagged == testCase.flagged, "\(testCase.name) perf.data: \(direct)")
        #expect(direct.inlined.isSuperset(of: testCase.inlined)
                && direct.inlined.isSubset(of: testCase.inlined.union(testCase.inlinedNearThreshold)),
                "\(testCase.name) perf.data: \(direct)")
        // pprof of it (multi-line locations) and folded stacks of it (`_[i]` frames) give the same findings.
        let pprof = Self.temporary("\(testCase.name).pb.gz"), folded = Self.temporary("\(testCase.name).folded")
        defer {
            try? FileManager.default.removeItem(atPath: pprof)
            try? FileManager.default.removeItem(atPath: folded)
        }
        #expect(try CLI.run(["convert", "--to", "pprof"] + recording + ["-o", pprof]).status == 0)
        #expect(try CLI.run(["fold"] + recording + ["-o", folded]).status == 0)
        #expect(try Self.findings([pprof]) == direct, "\(testCase.name) pprof of perf.data")
        // Folded text names frames by their labels, as inferno does (Java methods without their parameter lists),
        // and by their full names where two functions share a label (Swift specializations).
        #expect(try Self.findings([folded]) == testCase.foldedLabels ?? direct, "\(testCase.name) folded perf.data")
        // pprof's view (inlined functions counted as functions) names the inlined helper instead, where it runs.
        if !testCase.inlined.isEmpty {
            let inlineView = try Self.findings(recording + ["--inline-functions"])
            #expect(!inlineView.flagged.isDisjoint(with: testCase.inlined), "\(testCase.name): \(inlineView)")
        }
    }
}
