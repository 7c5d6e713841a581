import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerRender
import Testing

/// Mutated real inputs must give a profile or a `ProfileError`, never a crash (a crash fails the whole run): through
/// the importers, folding, the flame tree, the renderer and every exporter.
@Suite struct HostileInputTests {
    /// SplitMix64: a fixed seed makes every run test the same mutations.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let inputs = [
        "inferno/flamegraph/test/perf-java-stacks-01.txt",
        "inferno/tests/data/collapse-perf/single-line-stacks.txt",
        "inferno/tests/data/collapse-perf/go-stacks.txt",
        "inferno/flamegraph/test/results/perf-vertx-stacks-01-collapsed-all.txt",
    ]

    /// Bytes that matter to the grammars: separators, digits, brackets, and bytes that are not UTF-8.
    static let interesting: [UInt8] = Array(" \t\n\r:;/()[]<>+-.0123456789x#".utf8) + [0, 0x80, 0xC3, 0xFF]
    /// Numbers at and past the edges of Int64/UInt64, spliced in whole.
    static let bigNumbers = ["9223372036854775807", "18446744073709551615", "99999999999999999999999"]

    @Test(arguments: inputs)
    func mutatedInputsDoNotCrash(_ path: String) throws {
        let original = try Array(Fixtures.text(path).utf8.prefix(40_000))
        var generator = SeededGenerator(state: UInt64(truncatingIfNeeded: StableHash.hash(path)))
        for round in 0 ..< 60 {
            var bytes = original
            for _ in 0 ..< Int.random(in: 1 ... 40, using: &generator) {
                let position = Int.random(in: 0 ..< bytes.count, using: &generator)
                switch Int.random(in: 0 ..< 5, using: &generator) {
                case 0: bytes[position] = Self.interestingByte(&generator)
                case 1: bytes.insert(Self.interestingByte(&generator), at: position)
                case 2: bytes.remove(at: position)
                case 3: bytes.insert(contentsOf: Array(Self.bigNumbers.randomElement(using: &generator)!.utf8), at: position)
                default: bytes.removeSubrange(position ..< min(bytes.count, position + 200))
                }
                if bytes.isEmpty { bytes = [0] }
            }
            if round % 10 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0 ... bytes.count, using: &generator))) }
            for threads in [1, 2] {
                var options = ImportOptions()
                options.threads = threads
                options.blockSize = 4096
                options.keepAddresses = round % 2 == 0
                do {
                    let result = try Importers.load(InputFile(name: "mutated", bytes: bytes), options: options)
                    var fold = FoldOptions()
                    fold.includeAddresses = options.keepAddresses
                    let folded = Folder(options: fold).fold(result.profile)
                    let report = HotspotAnalyzer().analyze(folded)
                    _ = FoldedExporter().export(folded)
                    for format in HotspotsExporter.Format.allCases {
                        _ = HotspotsExporter(format: format, limit: 0).export(report)
                    }
                    var graph = FlamegraphOptions()
                    graph.minWidth = 0
                    _ = FlamegraphRenderer(options: graph).render(FlameTree(folded, reverse: round % 3 == 0))
                } catch {
                    #expect(error.file == "mutated")
                }
            }
        }
    }

    /// Bit flips, cuts and splices in a real profile.proto: decoding errors, never a crash.
    @Test func mutatedPprofDoesNotCrash() throws {
        let original = try Fixtures.gunzip("pprof/internal/report/testdata/sample.cpu")
        var generator = SeededGenerator(state: 7)
        for _ in 0 ..< 300 {
            var bytes = original
            for _ in 0 ..< Int.random(in: 1 ... 6, using: &generator) {
                let position = Int.random(in: 0 ..< bytes.count, using: &generator)
                switch Int.random(in: 0 ..< 3, using: &generator) {
                case 0: bytes[position] ^= UInt8(1 << Int.random(in: 0 ..< 8, using: &generator))
                case 1: bytes[position] = UInt8.random(in: 0 ... 255, using: &generator)
                default: bytes.removeSubrange(position ..< min(bytes.count, position + 16))
                }
                if bytes.isEmpty { bytes = [0x0A] }
            }
            do {
                let profile = try Importers.load(InputFile(name: "mutated.pb", bytes: bytes)).profile
                let folded = Folder().fold(profile)
                _ = HotspotAnalyzer().analyze(profile, fold: FoldOptions())
                _ = FlamegraphRenderer().render(FlameTree(folded))
            } catch {
                #expect(error.file == "mutated.pb")
            }
        }
    }

    static func interestingByte(_ generator: inout SeededGenerator) -> UInt8 {
        interesting[Int.random(in: 0 ..< interesting.count, using: &generator)]
    }
}
