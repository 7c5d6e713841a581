import Foundation
@testable import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

@Suite struct HotspotTests {
    static func folded(_ stacks: [(String, Int64)], kind: ProfileKind = .cpu) -> FoldedStacks {
        var folded = FoldedStacks(valueType: ValueType(type: "samples", unit: "count"), kind: kind)
        for (stack, value) in stacks { folded.add(frames: stack.split(separator: ";").map(String.init), value: value) }
        return folded
    }

    static func entry(_ report: HotspotReport, _ name: String) -> HotspotEntry? {
        report.functions.first { $0.name == name }
    }

    /// samples/hotspot.perf.txt is a real capture of samples/src/hotspot.c, built so that burn_cpu does half the
    /// work itself and parse_stage 40% spread evenly over four helpers.
    @Test func knownHotspotsOfTheSampleProgram() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/hotspot.perf.txt").path
        let profile = try Importers.load(InputFile(path: path)).profile
        var options = FoldOptions()
        options.processRoot = false
        let report = HotspotAnalyzer().analyze(Folder(options: options).fold(profile))
        #expect(report.kind == .cpu)
        #expect(report.threshold == 0.20)
        #expect(report.valueType.unit == "nanoseconds")
        #expect(report.flagged.map(\.name) == ["burn_cpu"])
        #expect(report.hotPaths.map(\.name) == ["parse_stage"])
        let burn = try #require(Self.entry(report, "burn_cpu"))
        #expect(abs(burn.selfShare - 0.50) < 0.03)
        let stage = try #require(Self.entry(report, "parse_stage"))
        #expect(abs(stage.totalShare - 0.40) < 0.03)
        #expect(stage.selfValue == 0)
        for helper in ["tokenize", "lookup_symbols", "build_tree", "validate_tree", "checksum"] {
            let share = try #require(Self.entry(report, helper)).selfShare
            #expect(abs(share - 0.10) < 0.02, "\(helper) \(share)")
        }
        #expect(try #require(Self.entry(report, "main")).totalShare > 0.99)
    }

    @Test func recursionCountsOncePerStack() {
        let report = HotspotAnalyzer().analyze(Self.folded([("main;fib;fib;fib", 6), ("main;other", 4)]))
        let fib = Self.entry(report, "fib")!
        #expect(fib.totalValue == 6)
        #expect(fib.selfValue == 6)
        #expect(fib.flagged)
        #expect(report.total == 10)
    }

    /// The dense (candidate, callee) table and the hashed fallback for large ones give the same edge values,
    /// recursion and repeated edges in one stack included.
    @Test func calleeValuesAgreeBetweenDenseAndHashedTables() throws {
        // Seeded, so that a failure replays: a linear congruential step, its high bits folded into the low ones.
        struct Seeded: RandomNumberGenerator {
            var state: UInt64 = 42
            mutating func next() -> UInt64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return state ^ (state >> 32)
            }
        }
        var generator = Seeded()
        var stacks: [(String, Int64)] = []
        for _ in 0 ..< 400 {
            let depth = Int.random(in: 1 ... 12, using: &generator)
            let frames = (0 ..< depth).map { _ in "f\(Int.random(in: 0 ..< 15, using: &generator))" }
            stacks.append((frames.joined(separator: ";"), Int64.random(in: 0 ... 9, using: &generator)))
        }
        let folded = Self.folded(stacks)
        let isCandidate = folded.names.indices.map { $0 % 3 != 1 }
        let dense = HotspotAnalyzer.largestCalleeValues(FunctionStacks(folded), isCandidate: isCandidate)
        let hashed = HotspotAnalyzer.largestCalleeValues(FunctionStacks(folded), isCandidate: isCandidate, denseLimit: 0)
        #expect(dense == hashed)
        #expect(dense.contains { $0 > 0 })
        // By hand for one candidate: the largest sum over stacks containing caller → callee (callee ≠ caller).
        let caller = try #require(folded.names.indices.first { isCandidate[$0] && dense[$0] > 0 })
        var perCallee: [String: Int64] = [:]
        for (stack, value) in stacks {
            let frames = stack.split(separator: ";").map(String.init)
            var seen = Set<String>()
            for (a, b) in zip(frames, frames.dropFirst()) where a == folded.names[caller] && a != b && seen.insert(b).inserted {
                perCallee[b, default: 0] += value
            }
        }
        #expect(dense[caller] == perCallee.values.max())
    }

    @Test func hotPathNeedsEveryCalleeBelowTheThreshold() {
        // stage: 40% spread 10/10/10/10 → hot path; main: its callee stage reaches 40% → not a hot path.
        let stacks: [(String, Int64)] = [("main;stage;a", 10), ("main;stage;b", 10), ("main;stage;c", 10),
                                         ("main;stage;d", 10), ("main;work", 60)]
        let report = HotspotAnalyzer().analyze(Self.folded(stacks))
        #expect(report.hotPaths.map(\.name) == ["stage"])
        #expect(report.flagged.map(\.name) == ["work"])
        // With a 50% threshold nothing under stage reaches it, but main's callee work (60%) does.
        var options = HotspotOptions()
        options.threshold = 0.5
        let strict = HotspotAnalyzer(options: options).analyze(Self.folded(stacks))
        #expect(strict.hotPaths.isEmpty)
        #expect(strict.flagged.map(\.name) == ["work"])
    }

    @Test func wallClockProfilesUseTenPercent() {
        let stacks: [(String, Int64)] = [("main;poll", 15), ("main;run", 85)]
        #expect(HotspotAnalyzer().analyze(Self.folded(stacks, kind: .wall)).threshold == 0.10)
        #expect(HotspotAnalyzer().analyze(Self.folded(stacks, kind: .wall)).flagged.map(\.name) == ["run", "poll"])
        #expect(HotspotAnalyzer().analyze(Self.folded(stacks, kind: .cpu)).flagged.map(\.name) == ["run"])
    }

    @Test func exactlyAtTheThresholdIsFlagged() {
        let report = HotspotAnalyzer().analyze(Self.folded([("a", 20), ("b", 80)]))
        #expect(Set(report.flagged.map(\.name)) == ["a", "b"])
    }

    /// A user threshold of 14% must flag a function at exactly 14%, although 0.14 is not exact in binary.
    @Test(arguments: [1, 7, 14, 28, 55, 99])
    func userThresholdBoundaryIsInclusive(_ percent: Int) {
        var options = HotspotOptions()
        options.threshold = Double(percent) / 100
        let report = HotspotAnalyzer(options: options)
            .analyze(Self.folded([("a", Int64(percent)), ("b", Int64(100 - percent))]))
        #expect(report.flagged.map(\.name).contains("a"))
    }

    @Test func recursionDoesNotHideAHotPath() {
        let stacks: [(String, Int64)] = [("main;stage;stage;a", 10), ("main;stage;stage;b", 10),
                                         ("main;stage;c", 10), ("main;stage;d", 10), ("main;work", 60)]
        #expect(HotspotAnalyzer().analyze(Self.folded(stacks)).hotPaths.map(\.name) == ["stage"])
    }

    @Test func overflowingValuesSaturateInsteadOfWrapping() {
        let report = HotspotAnalyzer().analyze(Self.folded([("a", .max), ("b", .max), ("c", 3)]))
        #expect(report.total == .max)
        #expect(report.functions.allSatisfy { $0.selfShare >= 0 && $0.selfShare <= 1 })
    }

    @Test func sortedBySelfThenTotalThenName() {
        let report = HotspotAnalyzer().analyze(Self.folded([("m;b", 5), ("m;a", 5), ("m;c", 9)]))
        #expect(report.functions.map(\.name) == ["c", "a", "b", "m"])
    }
}

@Suite struct FrameNameTests {
    /// `;` separates folded frames: a pprof function name containing one must stay one frame.
    @Test func semicolonsInFunctionNamesDoNotSplitFrames() {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "samples", unit: "count")], defaultSampleType: 0,
                                     sourceFormat: "pprof")
        let names = ["main", "evil;injected;frames", "leaf"]
        let locations = names.reversed().map { name in
            builder.intern(Location(mapping: nil, address: 0, lines: [
                Line(function: builder.intern(Function(name: builder.intern(name)))),
            ]))
        }
        builder.add(stack: builder.intern(stack: locations), type: 0, value: 3)
        var options = FoldOptions()
        options.processRoot = false
        let folded = Folder(options: options).fold(builder.build())
        #expect(folded.sortedLines().map { String(decoding: $0.stack, as: UTF8.self) }
                == ["main;evil:injected:frames;leaf"])
    }
}
