import Foundation
import PyrometerAnalyze
@testable import PyrometerIngest
import PyrometerModel
import PyrometerRender
import PyrometerTestSupport
import Testing

/// speedscope files: py-spy's recording of a Python program that timed its own phases (Tests/Fixtures/speedscope,
/// scripts/make-speedscope-fixtures.sh), our own `convert --to speedscope` read back, and evented profiles whose
/// costs are written by hand.
@Suite struct SpeedscopeImporterTests {
    static func load(_ text: String) throws -> Profile {
        try Importers.load(InputFile(name: "test.json", bytes: Array(text.utf8))).profile
    }

    static func totals(_ profile: Profile) -> [String: (flat: Int64, cum: Int64)] {
        let report = HotspotAnalyzer().analyze(profile, fold: FoldOptions())
        return Dictionary(report.functions.map { ($0.name, ($0.selfValue, $0.totalValue)) }, uniquingKeysWith: { a, _ in a })
    }

    /// py-spy's recording: every function's total is the file's own sum of the weights of the samples through it
    /// (read here with Foundation's JSON parser, not ours), and the spinning the program timed is there: heavy's
    /// and light's time within a quarter of what they measured together, heavy the larger (py-spy's split of the
    /// two is its own: at 200 Hz it attributed 1.25 s and 0.32 s of the 1.2 s and 0.4 s measured).
    @Test func pySpyRecordingReadsAsItsFileSays() throws {
        let path = Fixtures.path("speedscope/work.sampled.json")
        let profile = try Importers.load(InputFile(path: path)).profile
        #expect(profile.sourceFormat == "speedscope")
        #expect(profile.sampleTypes == [ValueType(type: "time", unit: "nanoseconds")])
        let totals = Self.totals(profile)

        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            as? [String: Any])
        let frames = try #require((json["shared"] as? [String: Any])?["frames"] as? [[String: Any]])
        let names = frames.map { $0["name"] as? String ?? "" }
        var expected: [String: Int64] = [:]
        for case let recorded as [String: Any] in json["profiles"] as? [Any] ?? [] {
            let samples = recorded["samples"] as? [[Int]] ?? [], weights = recorded["weights"] as? [Double] ?? []
            for (stack, weight) in zip(samples, weights) {
                for name in Set(stack.map { names[$0] }) { expected[name, default: 0] += Int64((weight * 1e9).rounded()) }
            }
        }
        for name in ["heavy", "light", "spin", "<module>"] {
            #expect(totals[name]?.cum == expected[name], "\(name): ours \(totals[name]?.cum ?? -1), the file's \(expected[name] ?? -1)")
        }

        let measured = try String(contentsOfFile: Fixtures.path("speedscope/work.measured.txt"), encoding: .utf8)
        var seconds: [String: Double] = [:]
        for line in measured.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 3, fields[0] == "phase" { seconds[String(fields[1])] = Double(fields[2]) }
        }
        let heavy = Double(try #require(totals["heavy"]).cum) / 1e9, light = Double(try #require(totals["light"]).cum) / 1e9
        let spun = try #require(seconds["heavy"]) + #require(seconds["light"])
        #expect(abs(heavy + light - spun) / spun < 0.25 && heavy > light, "heavy \(heavy) s, light \(light) s, spun \(spun) s")
        let threads = Set(profile.labelSets.flatMap { $0 }.filter {
            profile.strings[Int($0.key)] == SpeedscopeImporter.profileLabel
        }.map { profile.strings[Int($0.string)] })
        #expect(threads.count == 1 && threads.first?.hasPrefix("Thread ") == true, "\(threads)")
    }

    /// A profile written as speedscope and read back folds as it did (our exporter, which speedscope.app opens).
    @Test func ourOwnSpeedscopeOutputReadsBack() throws {
        let original = try Importers.load(InputFile(path: Fixtures.path("diff/aa-01.folded"))).profile
        let folded = Folder(options: FoldOptions()).fold(original)
        let json = SpeedscopeExporter().export(folded, name: "aa-01")
        let back = try Importers.load(InputFile(name: "aa-01.json", bytes: json)).profile
        let refolded = Folder(options: FoldOptions()).fold(back)
        #expect(FoldedExporter().export(refolded) == FoldedExporter().export(folded))
    }

    /// Evented profiles: each stack owns the time from one event to the next; units scale to nanoseconds.
    @Test func eventedProfilesChargeTheTimeBetweenEvents() throws {
        let profile = try Self.load("""
            {"$schema": "https://www.speedscope.app/file-format-schema.json",
             "shared": {"frames": [{"name": "main", "file": "main.c", "line": 3}, {"name": "work"}]},
             "profiles": [{"type": "evented", "name": "one", "unit": "milliseconds", "startValue": 0, "endValue": 10,
                           "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "O", "frame": 1, "at": 1},
                                      {"type": "C", "frame": 1, "at": 4}, {"type": "C", "frame": 0, "at": 10}]}]}
            """)
        let totals = Self.totals(profile)
        #expect(totals["main"]?.flat == 7_000_000 && totals["main"]?.cum == 10_000_000)
        #expect(totals["work"]?.flat == 3_000_000)
    }

    @Test func damagedFilesSayWhereTheyAreWrong() {
        let prefix = #"{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[{"name":"a"}]},"#
        let cases: [(String, String)] = [
            (#""profiles":[{"type":"sampled","unit":"none","samples":[[0,7]],"weights":[1]}]}"#,
             "profiles[0]: samples[0]: frame 7 is not one of the 1 shared frames"),
            (#""profiles":[{"type":"sampled","unit":"none","samples":[[0]],"weights":[]}]}"#,
             "profiles[0]: 1 samples but 0 weights"),
            (#""profiles":[{"type":"evented","unit":"none","events":[{"type":"C","frame":0,"at":1}]}]}"#,
             "profiles[0]: events[0]: closes frame 0, which is not the open one"),
            (#""profiles":[{"type":"sampled","unit":"furlongs","samples":[],"weights":[]}]}"#,
             "profiles[0]: unit \"furlongs\""),
            (#""profiles":[]}"#, "a speedscope file without profiles"),
            (#""profiles":[{"type":"sampled"}]}"#, "missing field \"unit\""),
        ]
        for (rest, message) in cases {
            let error = #expect(throws: ProfileError.self) { try Self.load(prefix + rest) }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "none") for \(rest)")
        }
    }

    @Test func sniffsOnlyTheSchemaKey() {
        func sniff(_ text: String, complete: Bool = true) -> SniffResult {
            Array(text.utf8).withUnsafeBytes { SpeedscopeImporter.sniff($0, isComplete: complete) }
        }
        #expect(sniff("{ \"$schema\" : \"https://www.speedscope.app/file-format-schema.json\", ") == .yes)
        #expect(sniff("{\"$schema\":\"https://www.speed", complete: false) == .needMoreBytes)
        #expect(sniff("{\"dhatFileVersion\": 2}") == .no)
        #expect(sniff("main;work 3\n") == .no)
    }
}
