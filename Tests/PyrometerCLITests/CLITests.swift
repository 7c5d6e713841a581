import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PyrometerTestSupport
import Testing

@Suite struct CLITests {
    static let vertx = "Tests/Fixtures/inferno/flamegraph/test/perf-vertx-stacks-01.txt"
    static let vertxAll = "Tests/Fixtures/inferno/flamegraph/test/results/perf-vertx-stacks-01-collapsed-all.txt"

    @Test func foldFromFileAndFromStdinMatchInferno() throws {
        let expected = try String(contentsOf: CLI.repository.appendingPathComponent(Self.vertxAll), encoding: .utf8)
        let fromFile = try CLI.run(["fold", "--all", Self.vertx])
        #expect(fromFile.status == 0)
        #expect(fromFile.text.replacingOccurrences(of: "'", with: "").replacingOccurrences(of: "\"", with: "")
            == expected)
        let input = try Data(contentsOf: CLI.repository.appendingPathComponent(Self.vertx))
        let fromStdin = try CLI.run(["fold", "--all"], stdin: input)
        #expect(fromStdin.stdout == fromFile.stdout)
    }

    @Test func outputFileIsWrittenAndIdenticalToStdout() throws {
        let dir = try CLI.temporaryDirectory()
        let target = dir.appendingPathComponent("out.folded").path
        let result = try CLI.run(["fold", Self.vertx, "-o", target])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == CLI.run(["fold", Self.vertx]).stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.folded"])
    }

    /// `-o /dev/null` or a named pipe must be written in place, never replaced by a renamed regular file.
    @Test func outputToAPipeWritesIntoIt() throws {
        let dir = try CLI.temporaryDirectory()
        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat \"$0\" > \"$0.out\"", fifo]
        try reader.run()
        let result = try CLI.run(["fold", Self.vertx, "-o", fifo])
        reader.waitUntilExit()
        #expect(result.status == 0)
        var info = stat()
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fifo + ".out")) == CLI.run(["fold", Self.vertx]).stdout)
    }

    @Test func unreadableAndUnknownInputsFailWithAPosition() throws {
        let missing = try CLI.run(["fold", "no/such/file.txt"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no/such/file.txt: cannot open"))
        let unknown = try CLI.run(["flamegraph"], stdin: Data("hello world\nthis is not a profile\n".utf8))
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("<stdin>:1: unknown format"))
        #expect(unknown.stdout.isEmpty)
        let directory = try CLI.run(["hotspots", "Tests"])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("Tests: is a directory"))
    }

    @Test func weirdLinesAreWarnedAboutOnce() throws {
        let result = try CLI.run(["fold", "Tests/Fixtures/inferno/tests/data/collapse-perf/weird-stack-line.txt"])
        #expect(result.status == 0)
        let warnings = result.stderr.split(separator: "\n").filter { $0.contains("warning: weird stack line") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("weird-stack-line.txt:5:") == true)
    }

    @Test func failedRenderLeavesNoOutputFile() throws {
        let dir = try CLI.temporaryDirectory()
        let target = dir.appendingPathComponent("graph.svg").path
        let result = try CLI.run(["flamegraph", "-o", target], stdin: Data("garbage\n".utf8))
        #expect(result.status == 2)
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let empty = try CLI.run(["flamegraph", "-o", target], stdin: Data())
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("no samples"))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func usageErrorsExitWithTwo() throws {
        for arguments in [["fold", "--bogus"], ["fold", "--threads", "0"], ["hotspots", "--threshold", "0"],
                          ["flamegraph", "--colors", "nope"], ["flamegraph", "--width", "100001"]] {
            let result = try CLI.run(arguments, stdin: Data("a;b 1\n".utf8))
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains("Error:") || result.stderr.contains("error:"), "\(arguments)")
        }
    }

    @Test func failedWritesToStandardOutputAreErrors() throws {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["fold", Self.vertx]
        process.currentDirectoryURL = CLI.repository
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("write failed"))
    }

    @Test func unknownEventIsAnError() throws {
        let result = try CLI.run(["fold", "--event", "instructions", "samples/hotspot.perf.txt"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no event or sample type 'instructions'"))
        #expect(result.stderr.contains("cpu-clock"))
    }

    @Test func hotspotsFlagTheSampleAndFailOnRequest() throws {
        let text = try CLI.run(["hotspots", "samples/hotspot.perf.txt"])
        #expect(text.status == 0)
        #expect(text.text.contains("FLAGGED"))
        let json = try CLI.run(["hotspots", "samples/hotspot.perf.txt", "--format", "json", "--limit", "0"])
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        #expect(object["unit"] as? String == "nanoseconds")
        #expect(object["threshold"] as? Double == 20)
        let functions = try #require(object["functions"] as? [[String: Any]])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }.compactMap { $0["name"] as? String }
        let hotPaths = functions.filter { $0["hotPath"] as? Bool == true }.compactMap { $0["name"] as? String }
        #expect(flagged == ["burn_cpu"])
        #expect(hotPaths == ["parse_stage"])
        for key in ["name", "self", "selfPercent", "total", "totalPercent", "flagged", "hotPath"] {
            #expect(functions[0][key] != nil, "missing \(key)")
        }
        #expect(try CLI.run(["hotspots", "samples/hotspot.perf.txt", "--fail-on-hotspot"]).status == 1)
        #expect(try CLI.run(["hotspots", "samples/hotspot.perf.txt", "--fail-on-hotspot", "--threshold", "60"])
            .status == 0)
        // As a wall-clock profile the threshold is 10%: the four helpers and checksum (≈10% each) hover around it.
        let wall = try CLI.run(["hotspots", "samples/hotspot.perf.txt", "--wall-clock", "--format", "json"])
        let wallObject = try #require(try JSONSerialization.jsonObject(with: wall.stdout) as? [String: Any])
        #expect(wallObject["threshold"] as? Double == 10)
        let markdown = try CLI.run(["hotspots", "samples/hotspot.perf.txt", "--format", "markdown"])
        #expect(markdown.text.contains("| `burn_cpu` |"))
    }

    @Test func flamegraphIsDeterministicAndEscapesNames() throws {
        let hostile = "main;<script>alert(1)</script>;x]]>y;\"q\"&'a' 5\nmain;ok 5\n"
        let first = try CLI.run(["flamegraph", "--title", "<b>T&T</b>"], stdin: Data(hostile.utf8))
        let second = try CLI.run(["flamegraph", "--title", "<b>T&T</b>"], stdin: Data(hostile.utf8))
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        let svg = first.text
        #expect(!svg.contains("<script>alert"))
        #expect(!svg.contains("<b>T&T"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        // The document is still well-formed XML.
        let parser = XMLParser(data: first.stdout)
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }

    @Test func convertWritesEveryFormat() throws {
        let dir = try CLI.temporaryDirectory()
        let pprof = dir.appendingPathComponent("hotspot.pb.gz").path
        #expect(try CLI.run(["convert", "samples/hotspot.perf.txt", "--to", "pprof", "-o", pprof]).status == 0)
        // The pprof output reads back with the same hotspots and folds to the same stacks.
        #expect(try CLI.run(["fold", pprof]).text == CLI.run(["fold", "samples/hotspot.perf.txt"]).text)
        let speedscope = try CLI.run(["convert", "samples/hotspot.perf.txt", "--to", "speedscope"])
        let document = try #require(try JSONSerialization.jsonObject(with: speedscope.stdout) as? [String: Any])
        #expect(document["$schema"] as? String == "https://www.speedscope.app/file-format-schema.json")
        let profiles = try #require(document["profiles"] as? [[String: Any]])
        #expect(profiles.first?["type"] as? String == "sampled")
        #expect(profiles.first?["unit"] as? String == "nanoseconds")
        #expect((profiles.first?["weights"] as? [Int])?.reduce(0, +) == 1_533_533_532)
        let json = try CLI.run(["convert", "samples/hotspot.perf.txt", "--to", "json"])
        let ours = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        #expect(ours["format"] as? String == "pyrometer-profile")
        #expect((ours["sampleTypes"] as? [[String: String]])?.first?["type"] == "cpu-clock")
        let samples = try #require(ours["samples"] as? [[String: Any]])
        #expect(samples.compactMap { ($0["values"] as? [Int])?.first }.reduce(0, +) == 1_533_533_532)
        #expect(samples.allSatisfy { ($0["labels"] as? [String: String])?["comm"] == "hotspot" })
    }

    @Test func everyCommandReadsStdin() throws {
        let input = Data("a;b 3\na;c 1\n".utf8)
        #expect(try CLI.run(["fold"], stdin: input).text == "a;b 3\na;c 1\n")
        #expect(try CLI.run(["hotspots"], stdin: input).text.contains("b"))
        #expect(try CLI.run(["flamegraph"], stdin: input).text.hasPrefix("<?xml"))
    }
}
