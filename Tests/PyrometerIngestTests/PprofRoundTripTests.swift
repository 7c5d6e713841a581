import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerRender
import PyrometerTestSupport
import Testing

/// read → write pprof → read gives the same profile, and `go tool pprof` reads what we write with the same totals.
@Suite struct PprofRoundTripTests {
    static let inputs = [
        "../../samples/hotspot.perf.txt",
        "inferno/flamegraph/test/perf-vertx-stacks-01.txt",
        "inferno/flamegraph/test/results/perf-vertx-stacks-01-collapsed-all.txt",
        "pprof/internal/report/testdata/sample.cpu",
        "pprof/internal/proftest/testdata/large.cpu",
    ]

    static func load(_ path: String, keepAddresses: Bool = true) throws -> Profile {
        var options = ImportOptions()
        options.keepAddresses = keepAddresses
        return try Importers.load(InputFile(path: Fixtures.path(path)), options: options).profile
    }

    /// The dump without its first line, which names the source format.
    static func body(_ profile: Profile) -> String {
        String(profile.canonicalDump().drop { $0 != "\n" })
    }

    @Test(arguments: inputs)
    func roundTripKeepsTheProfile(_ path: String) throws {
        let original = try Self.load(path)
        for compress in [true, false] {
            let bytes = PprofExporter(compress: compress).export(original)
            let reread = try Importers.load(InputFile(name: "roundtrip.pb", bytes: bytes)).profile
            #expect(reread.sourceFormat == "pprof")
            #expect(Self.body(reread) == Self.body(original))
        }
    }

    /// `go tool pprof` (Debian golang-go, installed by scripts/test.sh) must accept our output and report the same
    /// total and the same flat/cum for the top functions.
    @Test(.enabled(if: ExternalTool.go.shouldRun, Comment(rawValue: ExternalTool.go.skipReason)),
          arguments: ["../../samples/hotspot.perf.txt", "pprof/internal/report/testdata/sample.cpu"])
    func goToolPprofReadsOurOutput(_ path: String) throws {
        let profile = try Self.load(path)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-\(UUID().uuidString).pb.gz")
        try Data(PprofExporter().export(profile)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["go", "tool", "pprof", "-raw", "-symbolize=none", file.path]
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = environment["HOME"] ?? "/tmp"
        environment["GOCACHE"] = environment["GOCACHE"] ?? FileManager.default.temporaryDirectory.appendingPathComponent("gocache").path
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        do {
            try process.run()
        } catch {
            Issue.record("cannot run `go tool pprof` (scripts/test.sh installs golang-go): \(error)")
            return
        }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "go tool pprof failed: \(text.prefix(500))")
        // -raw lists every sample as `values: location ids`; the sums per sample type must equal ours.
        let header = try #require(text.split(separator: "\n").first { $0.hasPrefix("Samples:") == false && $0.contains("/") && !$0.contains(":") })
        let typeNames = header.split(separator: " ").map { String($0.hasSuffix("[dflt]") ? $0.dropLast(6) : $0[...]) }
        #expect(typeNames == profile.sampleTypes.map(\.description))
        var sums = [Int64](repeating: 0, count: typeNames.count)
        let sampleLine = try Regex(#"^\s+(-?\d+(?:\s+-?\d+)*):"#)
        // Only the Samples section: the Locations section below it has `id: address` lines.
        let samplesSection = text.components(separatedBy: "\nSamples:\n").last?
            .components(separatedBy: "\nLocations").first ?? ""
        for line in samplesSection.split(separator: "\n") {
            guard let match = try sampleLine.firstMatch(in: String(line)) else { continue }
            let values = match.output[1].substring!.split(separator: " ").compactMap { Int64($0) }
            guard values.count == sums.count else { continue }
            for i in values.indices { sums[i] += values[i] }
        }
        #expect(sums == profile.sampleTypes.indices.map { profile.total(sampleType: $0) })
    }
}
