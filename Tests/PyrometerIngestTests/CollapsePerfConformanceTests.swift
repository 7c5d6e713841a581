import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

/// Folded output must equal inferno's expected `collapse-perf` results byte for byte (line by line, as inferno's
/// own test compares them), for every perf case of its test suite, with 1 and 2 worker threads.
@Suite struct CollapsePerfConformanceTests {
    static let upstreamInputs = [
        "perf-cycles-instructions-01", "perf-dd-stacks-01", "perf-funcab-cmd-01", "perf-funcab-pid-01",
        "perf-iperf-stacks-pidtid-01", "perf-java-faults-01", "perf-java-stacks-01", "perf-java-stacks-02",
        "perf-js-stacks-01", "perf-mirageos-stacks-01", "perf-numa-stacks-01", "perf-vertx-stacks-01",
    ]
    static let optionNames = ["pid", "tid", "kernel", "jit", "all", "addrs"]

    struct Case: CustomTestStringConvertible, Sendable {
        var input: String
        var expected: String
        var options: [String]
        /// inferno deletes quotes from its output before comparing with FlameGraph's results (Perl strips them).
        var stripQuotes: Bool
        var testDescription: String { "\(input) \(options.joined(separator: "+"))" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for input in upstreamInputs {
            for option in optionNames {
                cases.append(Case(input: "inferno/flamegraph/test/\(input).txt",
                                  expected: "inferno/flamegraph/test/results/\(input)-collapsed-\(option).txt",
                                  options: [option], stripQuotes: true))
            }
        }
        for option in optionNames {
            cases.append(Case(input: "inferno/flamegraph/test/perf-rust-Yamakaky-dcpu.txt",
                              expected: "inferno/tests/data/collapse-perf/results/perf-rust-Yamakaky-dcpu-collapsed-\(option).txt",
                              options: [option], stripQuotes: false))
        }
        for name in ["no-events", "single-line-stacks", "single-event", "go-stacks", "java-inline",
                     "cpp-stacks-std-function"] {
            cases.append(Case(input: "inferno/tests/data/collapse-perf/\(name).txt",
                              expected: "inferno/tests/data/collapse-perf/results/\(name)-collapsed.txt",
                              options: [], stripQuotes: false))
        }
        cases.append(Case(input: "inferno/tests/data/collapse-perf/versioned-vmlinux.txt",
                          expected: "inferno/tests/data/collapse-perf/results/versioned-vmlinux-collapsed-kernel.txt",
                          options: ["kernel"], stripQuotes: false))
        cases.append(Case(input: "inferno/tests/data/collapse-perf/sourcepawn-jitdump.txt",
                          expected: "inferno/tests/data/collapse-perf/results/sourcepawn-jitdump-collapsed-jit.txt",
                          options: ["jit"], stripQuotes: false))
        return cases
    }()

    static func foldOptions(_ names: [String]) -> FoldOptions {
        var options = FoldOptions()
        for name in names {
            switch name {
            case "pid": options.includePid = true
            case "tid": options.includeTid = true
            case "kernel": options.annotateKernel = true
            case "jit": options.annotateJit = true
            case "all": options.annotateAll()
            case "addrs": options.includeAddresses = true
            default: Issue.record("unknown option \(name)")
            }
        }
        return options
    }

    static func fold(_ input: InputFile, options: [String], threads: Int) throws -> [String] {
        var importOptions = ImportOptions()
        importOptions.threads = threads
        importOptions.blockSize = 4096  // several blocks and worker splits even for small inputs
        importOptions.keepAddresses = options.contains("addrs")  // as the CLI does for --addrs
        // inferno and FlameGraph leave symbols as perf printed them; Pyrometer demangles what perf left mangled
        // (perf-java-faults-01 has libjvm's C++ names raw), so the comparison is made without demangling.
        importOptions.demangle = false
        let result = try Importers.load(input, options: importOptions)
        return Folder(options: foldOptions(options)).fold(result.profile).sortedLines().map {
            String(decoding: $0.stack, as: UTF8.self) + " " + String($0.value)
        }
    }

    static func compare(_ actual: [String], expectedFile: String, stripQuotes: Bool) throws {
        let expected = try Fixtures.text(expectedFile).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let produced = actual.map { stripQuotes ? $0.replacingOccurrences(of: "\"", with: "")
            .replacingOccurrences(of: "'", with: "") : $0 }
        #expect(produced.count == expected.count, "line count differs for \(expectedFile)")
        for (i, (got, want)) in zip(produced, expected).enumerated() where got != want {
            Issue.record("\(expectedFile):\(i + 1): expected\n  \(want)\ngot\n  \(got)")
            return
        }
    }

    @Test(arguments: cases)
    func matchesInferno(_ testCase: Case) throws {
        for threads in [1, 2] {
            let folded = try Self.fold(InputFile(path: Fixtures.path(testCase.input)), options: testCase.options,
                                       threads: threads)
            try Self.compare(folded, expectedFile: testCase.expected, stripQuotes: testCase.stripQuotes)
        }
    }

    @Test func examplePerfStacksGzip() throws {
        let bytes = try Fixtures.gunzip("inferno/flamegraph/example-perf-stacks.txt.gz")
        for threads in [1, 2] {
            let folded = try Self.fold(InputFile(name: "example-perf-stacks.txt", bytes: bytes), options: [],
                                       threads: threads)
            try Self.compare(folded,
                             expectedFile: "inferno/tests/data/collapse-perf/results/example-perf-stacks-collapsed.txt",
                             stripQuotes: false)
        }
    }

    @Test func emptyLineAfterHeaderWarnsOnce() throws {
        let result = try Importers.load(InputFile(path: Fixtures.path("inferno/tests/data/collapse-perf/empty-line.txt")))
        let weird = result.diagnostics.filter { $0.kind.hasPrefix("weird event line") }
        #expect(weird.count == 1)
        #expect(weird.first?.count == 1)
        #expect(weird.first?.firstLine == 6)  // header, frame, blank, header, blank, frame
        #expect(result.diagnostics.count == 1)
    }

    @Test func weirdStackLineWarnsOnce() throws {
        let result = try Importers.load(
            InputFile(path: Fixtures.path("inferno/tests/data/collapse-perf/weird-stack-line.txt")))
        let weird = result.diagnostics.filter { $0.kind.hasPrefix("weird stack line") }
        #expect(weird.count == 1)
        #expect(weird.first?.count == 1)
        #expect(weird.first?.example.contains("THIS_IS_A_WEIRD_LINE") == true)
        #expect(result.diagnostics.count == 1)
    }

    @Test(arguments: ["unknown-format.txt", "invalid-perf-with-empty-line-after-event-line.txt"])
    func formatGuessingFails(_ name: String) throws {
        #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(path: Fixtures.path("inferno/tests/data/collapse-guess/\(name)")))
        }
    }
}
