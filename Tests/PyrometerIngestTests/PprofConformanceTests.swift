import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerTestSupport
import Testing

/// For every profile.proto in pprof's test corpus (and our Go samples), for every sample type, per-function self and
/// total values must equal pprof's flat and cum (pprof's own figures, at function granularity), and the totals must
/// agree: by default (self time to the function that owns the code) those of `go tool pprof -top -noinlines`, with
/// `--inline-functions` those of `go tool pprof -top`. `go` comes from Debian's golang-go, installed by
/// scripts/test.sh.
@Suite(.enabled(if: ExternalTool.go.shouldRun, Comment(rawValue: ExternalTool.go.skipReason)))
struct PprofConformanceTests {
    static let profiles: [String] = {
        let root = Fixtures.root.appendingPathComponent("pprof")
        var paths: [String] = []
        for directory in ["derived/profile/testdata", "derived/internal/driver/testdata", "internal/driver/testdata",
                          "internal/report/testdata", "internal/proftest/testdata"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)) ?? []
            paths += names.filter { !$0.hasSuffix(".txt") }.sorted().map { "pprof/\(directory)/\($0)" }
        }
        return paths + ["../../samples/go-cpu.pb.gz", "../../samples/go-heap.pb.gz"]
    }()

    struct Row { var flat: (Double, Double), cum: (Double, Double) }

    /// Runs `go tool pprof -top` over every node; returns (total, rows by function name).
    static func pprofTop(_ path: String, sampleIndex: Int, noInlines: Bool) throws -> ((Double, Double), [String: Row]) {
        let text = try goToolPprof(["-top", "-nodecount=1000000", "-nodefraction=0", "-edgefraction=0",
                                    "-symbolize=none", "-sample_index=\(sampleIndex)"] + (noInlines ? ["-noinlines"] : [])
                                   + [path])
        let totalMatch = try #require(try Regex(#"of (\S+) total"#).firstMatch(in: text))
        let total = try #require(PprofImporterTests.topValue(String(totalMatch.output[1].substring!)))
        let row = try Regex(#"^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s+(.+?)(?: \(inline\))?$"#)
        var rows: [String: Row] = [:]
        for line in text.split(separator: "\n") {
            guard let match = try row.wholeMatch(in: String(line)), match.output[1].substring != "flat",
                  let flat = PprofImporterTests.topValue(String(match.output[1].substring!)),
                  let cum = PprofImporterTests.topValue(String(match.output[2].substring!)) else { continue }
            rows[String(match.output[3].substring!)] = Row(flat: (flat.value, flat.tolerance), cum: (cum.value, cum.tolerance))
        }
        return ((total.value, total.tolerance), rows)
    }

    /// The standard output of `go tool pprof ARGUMENTS`, which must succeed.
    static func goToolPprof(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["go", "tool", "pprof"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = environment["HOME"] ?? "/tmp"
        environment["GOCACHE"] = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-gocache").path
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "go tool pprof \(arguments) failed")
        return text
    }

    @Test(arguments: profiles, [false, true])
    func functionTotalsEqualGoToolPprof(_ path: String, inlineFunctions: Bool) throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path(path))).profile
        var analysis = HotspotOptions()
        analysis.attribution.inlineFunctions = inlineFunctions
        for sampleIndex in profile.sampleTypes.indices {
            var options = FoldOptions()
            options.sampleType = sampleIndex
            let report = HotspotAnalyzer(options: analysis).analyze(profile, fold: options)
            let (total, rows) = try Self.pprofTop(Fixtures.path(path), sampleIndex: sampleIndex,
                                                  noInlines: !inlineFunctions)
            let context = "\(path) \(profile.sampleTypes[sampleIndex])\(inlineFunctions ? " --inline-functions" : "")"
            // pprof prints time in its own choice of unit: compare in nanoseconds (and bytes, counts as they are).
            let scales: [String: Double] = ["nanoseconds": 1, "microseconds": 1e3, "milliseconds": 1e6, "seconds": 1e9]
            let scale = scales[profile.sampleTypes[sampleIndex].unit] ?? 1
            #expect(abs(Double(report.total) * scale - total.0) <= total.1, "\(context): total")
            let ours = Dictionary(report.functions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var compared = 0
            for (name, row) in rows where name != "<unknown>" {
                guard let entry = ours[name] else {
                    Issue.record("\(context): pprof lists \(name), we do not")
                    continue
                }
                compared += 1
                #expect(abs(Double(entry.selfValue) * scale - row.flat.0) <= row.flat.1, "\(context): \(name) flat")
                #expect(abs(Double(entry.totalValue) * scale - row.cum.0) <= row.cum.1, "\(context): \(name) cum")
            }
            #expect(compared > 0 || report.total == 0 || rows.keys.allSatisfy { $0 == "<unknown>" }, "\(context)")
        }
    }
}
