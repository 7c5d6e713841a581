import Foundation
import PyrometerTestSupport
import Testing

/// Wall-clock profiles from samplers whose output does not say it is wall-clock time: py-spy `--idle` (recorded here
/// by scripts/make-wall-pyspy.sh from Tests/Fixtures/wall/pyspy/phases.py, which measures its own phases) and
/// async-profiler's collapsed `-e wall` output. `--wall-clock` declares them, for every reading command.
@Suite struct WallClockSourcesTests {
    static let folded = "Tests/Fixtures/wall/pyspy/phases.idle.folded"

    static func measured() throws -> [String: Double] {
        let text = try String(contentsOf: CLI.repository.appendingPathComponent("Tests/Fixtures/wall/pyspy/phases.measured.txt"),
                              encoding: .utf8)
        let words = text.split(whereSeparator: \.isWhitespace)
        var shares: [String: Double] = [:]
        for (index, word) in words.enumerated() where word.hasSuffix("%") && index > 0 {
            shares[String(words[index - 1])] = Double(word.dropLast())
        }
        try #require(shares.count == 3, "\(text)")
        return shares
    }

    /// Declared wall-clock, py-spy's idle samples give the program's own shares: within 4 points, as py-spy's sampler
    /// keeps no exact rate (993 samples in 4.05 s at 250 Hz), and the report is a wall one (threshold 10%).
    @Test func pySpyIdleSamplesAreWallTime() throws {
        let result = try CLI.run(["hotspots", "--wall-clock", "--format", "json", Self.folded])
        try #require(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(object["kind"] as? String == "wall" && object["threshold"] as? Double == 10, "\(object)")
        let functions = try #require(object["functions"] as? [[String: Any]])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }
        for (name, share) in try Self.measured() {
            // py-spy names a function by its file and first line: `nap (phases.py:10)`.
            let finding = flagged.first { ($0["name"] as? String)?.hasPrefix(name + " (") == true }
            let ours = try #require(finding?["selfPercent"] as? Double, "\(name) not flagged: \(flagged)")
            #expect(abs(ours - share) <= 4, "\(name): \(ours)% of samples, the program measured \(share)%")
        }
        let undeclared = try CLI.run(["hotspots", "--format", "json", Self.folded])
        let plain = try #require(try JSONSerialization.jsonObject(with: undeclared.stdout) as? [String: Any])
        #expect(plain["kind"] as? String == "cpu", "folded text alone says nothing of wall time")
    }

    /// The wall-time gate takes declared inputs, and refuses undeclared ones rather than read CPU samples as wall
    /// time; async-profiler's collapsed wall output is the same folded text (Java frames, `_[j]` marks).
    @Test func theWallGateTakesDeclaredInputs() throws {
        let declared = try CLI.run(["gate", "--wall-clock", Self.folded, Self.folded, "--max-wall-regression", "10%"])
        #expect(declared.status == 0, "\(declared.text) \(declared.stderr)")
        let undeclared = try CLI.run(["gate", Self.folded, Self.folded, "--max-wall-regression", "10%"])
        #expect(undeclared.status == 2 && undeclared.stderr.contains("--wall-clock"), "\(undeclared.stderr)")
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = directory.appendingPathComponent("base.collapsed"), head = directory.appendingPathComponent("head.collapsed")
        let java = "java/lang/Thread.run_[j];app/Server.handle_[j];"
        try Data("\(java)app/Db.query_[j];sun/nio/ch/Net.poll_[j] 500\n\(java)app/Json.encode_[j] 500\n".utf8).write(to: base)
        try Data("\(java)app/Db.query_[j];sun/nio/ch/Net.poll_[j] 800\n\(java)app/Json.encode_[j] 500\n".utf8).write(to: head)
        let grown = try CLI.run(["gate", "--wall-clock", base.path, head.path, "--max-wall-regression", "10%",
                                 "--format", "json"])
        #expect(grown.status == 1, "\(grown.text) \(grown.stderr)")
        #expect(grown.text.contains("sun/nio/ch/Net.poll"), "the method that waits longer is named: \(grown.text)")
    }
}
