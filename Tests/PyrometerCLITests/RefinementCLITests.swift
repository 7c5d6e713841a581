import Foundation
import PyrometerTestSupport
import Testing

/// The refinement options and `hotspots --by` end to end, on recordings whose costs the programs measured
/// themselves: samples/go-labels.pb.gz (a Go server tagging requests with `pprof.Do`; go-labels.measured.txt) and
/// the two-thread C recording of the real corpus (phases.txt), read from perf.data and from `perf script` text.
@Suite struct RefinementCLITests {
    static let labels = "samples/go-labels.pb.gz"
    static let twoThreads = "Tests/Fixtures/real/c-two-threads"

    struct Group: Decodable {
        struct Report: Decodable {
            struct Function: Decodable { var name: String, totalPercent: Double, selfPercent: Double, flagged: Bool }
            var total: Int64
            var functions: [Function]
        }
        var value: String?
        var sharePercent: Double
        var report: Report
    }

    struct Groups: Decodable {
        var by: String
        var groups: [Group]
        var omittedValues: Int
    }

    /// The program's own seconds: `phase ENDPOINT:STAGE SECONDS ...` and `endpoint NAME REQUESTS SECONDS ...`.
    static func measured() throws -> (phases: [String: Double], endpoints: [String: Double]) {
        let text = try String(contentsOf: CLI.repository.appendingPathComponent("samples/go-labels.measured.txt"),
                              encoding: .utf8)
        var phases: [String: Double] = [:], endpoints: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "phase", fields.count >= 3 { phases[fields[1]] = Double(fields[2]) }
            if fields.first == "endpoint", fields.count >= 4 { endpoints[fields[1]] = Double(fields[3]) }
        }
        return (phases, endpoints)
    }

    /// "Which function takes more than 10% of CPU within requests to /export": the functions of /export's stages,
    /// with the shares the program measured, and the endpoints' shares of the whole.
    @Test func hotspotsPerEndpointMatchWhatTheProgramMeasured() throws {
        let result = try CLI.run(["hotspots", Self.labels, "--by", "endpoint", "--threshold", "10", "--format", "json",
                                  "--limit", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Groups.self, from: result.stdout)
        #expect(report.by == "endpoint" && report.omittedValues == 0)
        let (phases, endpoints) = try Self.measured()
        let allEndpoints = endpoints.values.reduce(0, +) + (phases["-:metrics"] ?? 0)
        for (name, seconds) in endpoints {
            let group = try #require(report.groups.first { $0.value == name }, "\(name)")
            #expect(abs(group.sharePercent - seconds / allEndpoints * 100) < 2.5, "\(name): \(group.sharePercent)%")
        }
        #expect(report.groups.contains { $0.value == nil }, "the samples without an endpoint are a group of their own")
        let export = try #require(report.groups.first { $0.value == "/export" })
        let exportSeconds = try #require(endpoints["/export"])
        let stages = ["parse": "main.parseQuery", "encode": "main.encodeRows", "compress": "main.compressBlock"]
        for (stage, function) in stages {
            let entry = try #require(export.report.functions.first { $0.name == function }, "\(function)")
            let expected = try #require(phases["/export:" + stage]) / exportSeconds * 100
            #expect(abs(entry.totalPercent - expected) < 2.5, "\(function): \(entry.totalPercent)% against \(expected)%")
        }
        #expect(Set(export.report.functions.filter(\.flagged).map(\.name)) == Set(stages.values))
        let search = try #require(report.groups.first { $0.value == "/search" })
        #expect(search.report.functions.filter(\.flagged).map(\.name) == ["main.scoreDocs"])

        // The text report names the groups and their shares, and the threshold applies within each.
        let text = try CLI.run(["hotspots", Self.labels, "--by", "endpoint", "--threshold", "10"])
        #expect(text.text.hasPrefix("By endpoint (4 values; the threshold applies within each): endpoint=/export "))
        #expect(text.text.contains("== endpoint=/export: 5"))
    }

    /// Per-thread hotspots of a perf recording (`--by tid`), the same from perf.data and from `perf script` text:
    /// each thread is all one worker.
    @Test func hotspotsPerThreadOfPerfRecordings() throws {
        var answers: [[String: [String]]] = []
        for input in ["perf.data.gz", "perf.txt.gz"] {
            let result = try CLI.run(["hotspots", "\(Self.twoThreads)/\(input)", "--binary-path",
                                      CLI.repository.appendingPathComponent(Self.twoThreads + "/bin").path,
                                      "--by", "tid", "--format", "json"])
            #expect(result.status == 0, "\(input): \(result.stderr)")
            let report = try JSONDecoder().decode(Groups.self, from: result.stdout)
            #expect(report.groups.count == 2, "\(input)")
            var flagged: [String: [String]] = [:]
            for group in report.groups {
                #expect(abs(group.sharePercent - 50) < 3, "\(input) \(group.value ?? "-"): \(group.sharePercent)%")
                flagged[group.value ?? "-"] = group.report.functions.filter(\.flagged).map(\.name)
            }
            #expect(Set(flagged.values.map { $0 }) == [["worker_a_hash"], ["worker_b_sort"]], "\(input): \(flagged)")
            answers.append(flagged)
        }
        #expect(answers[0] == answers[1], "the same threads and findings whichever path the recording took")
    }

    /// The options reach every reading command: a focused fold is the fold of the focused stacks; a convert keeps
    /// only the tagged samples; diff and gate compare what the options kept.
    @Test func everyReadingCommandRefines() throws {
        let fold = try CLI.run(["fold", Self.labels, "--tag-focus", "endpoint=/search", "--show-from", "handleSearch"])
        #expect(fold.status == 0, "\(fold.stderr)")
        let lines = fold.text.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("main.handleSearch;") }, "\(fold.text.prefix(300))")

        let dir = try CLI.temporaryDirectory()
        let exported = dir.appendingPathComponent("export.pb.gz").path
        let convert = try CLI.run(["convert", Self.labels, "--tag-focus", "endpoint=/export", "--to", "pprof", "-o", exported])
        #expect(convert.status == 0, "\(convert.stderr)")
        let whole = try CLI.run(["hotspots", exported, "--format", "json", "--by", "endpoint"])
        let groups = try JSONDecoder().decode(Groups.self, from: whole.stdout)
        #expect(groups.groups.map(\.value) == ["/export"], "only the focused samples were written")

        let diff = try CLI.run(["diff", Self.labels, Self.labels, "--focus", "encodeRows", "--granularity", "lines",
                                "--format", "json"])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.text.contains("main.encodeRows goapp/encode.go:"), "lines granularity reaches the diff")
        #expect(!diff.text.contains("main.scoreDocs "), "scoreDocs is outside the focus")
        let gate = try CLI.run(["gate", "--base", Self.labels, "--head", Self.labels, "--tag-ignore", "endpoint=/health",
                                "--max-cpu-regression", "5%"])
        #expect(gate.status == 0, "\(gate.text)\(gate.stderr)")
    }

    @Test func badOptionsAndEmptyResultsSayWhatToDo() throws {
        let regex = try CLI.run(["hotspots", Self.labels, "--focus", "(unclosed"])
        #expect(regex.status != 0 && regex.stderr.contains("--focus '(unclosed' is not a regular expression"),
                "\(regex.stderr)")
        let nothing = try CLI.run(["hotspots", Self.labels, "--tag-focus", "endpoint=/nowhere"])
        #expect(nothing.status != 0)
        #expect(nothing.stderr.contains("--tag-focus 'endpoint=/nowhere' matched no sample's labels"), "\(nothing.stderr)")
        #expect(nothing.stderr.contains("no samples left after the refinement options"), "\(nothing.stderr)")
        let noLabel = try CLI.run(["hotspots", Self.labels, "--by", "customer"])
        #expect(noLabel.status == 0 && noLabel.stderr.contains("no sample has the label 'customer'"), "\(noLabel.stderr)")
    }
}
