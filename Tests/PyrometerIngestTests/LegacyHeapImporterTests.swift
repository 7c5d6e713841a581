import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// gperftools' and Go's legacy text heap profiles against pprof's own parse of them (its `.string` test outputs),
/// and a jemalloc profile of the allocation corpus.
@Suite struct LegacyHeapImporterTests {
    /// (addresses of the stack, block size) → values, from pprof's printed profile.
    static func pprofSamples(_ name: String) throws -> (types: [String], samples: [String: [Int64]]) {
        let text = try Fixtures.text("pprof/profile/testdata/\(name).string")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let samplesStart = try #require(lines.firstIndex(of: "Samples:"))
        let types = lines[samplesStart + 1].split(separator: " ").map(String.init)
        let locationsStart = try #require(lines.firstIndex(of: "Locations"))
        var addresses: [Int: String] = [:]
        for line in lines[(locationsStart + 1)...] {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, fields[0].hasSuffix(":"), let id = Int(fields[0].dropLast()) else { break }
            addresses[id] = String(fields[1])
        }
        var samples: [String: [Int64]] = [:]
        var index = samplesStart + 2
        while index + 1 < locationsStart, lines[index].contains(":") {
            let parts = lines[index].split(separator: ":", maxSplits: 1)
            let values = parts[0].split(separator: " ").compactMap { Int64($0) }
            let stack = parts[1].split(separator: " ").compactMap { Int($0).flatMap { addresses[$0] } }
            let bytes = lines[index + 1].trimmingCharacters(in: .whitespaces)
            let key = stack.joined(separator: " ") + " " + bytes
            samples[key] = zip(samples[key] ?? values.map { _ in 0 }, values).map { $0 + $1 }
            index += 2
        }
        return (types, samples)
    }

    static func ourSamples(_ profile: Profile) -> [String: [Int64]] {
        var samples: [String: [Int64]] = [:]
        for (index, sample) in profile.samples.enumerated() {
            let stack = profile.stacks[sample.stack].map { "0x" + String(profile.locations[Int($0)].address, radix: 16) }
            let bytes = profile.labelSets[Int(sample.labels)].first.map { "bytes:[\($0.number)]" } ?? ""
            let values = profile.sampleTypes.indices.map { profile.value(sample: index, type: $0) }
            let key = stack.joined(separator: " ") + " " + bytes
            samples[key] = zip(samples[key] ?? values.map { _ in 0 }, values).map { $0 + $1 }
        }
        return samples
    }

    @Test(arguments: ["cppbench.heap", "gobench.heap"])
    func samplesAreWhatPprofReads(_ name: String) throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path("pprof/profile/testdata/\(name)"))).profile
        #expect(profile.sourceFormat == LegacyHeapImporter.formatName)
        // Both are sampled (heapz_v2/524288, Go's heap/1048576): estimates.
        #expect(!profile.sourceTraits.contains(.exactAllocationCounts))
        let expected = try Self.pprofSamples(name)
        #expect(profile.sampleTypes.map { "\($0.type)/\($0.unit)" } == expected.types)
        let ours = Self.ourSamples(profile)
        #expect(ours.count == expected.samples.count)
        for (key, values) in expected.samples {
            #expect(ours[key] == values, "\(name): \(key)")
        }
    }

    /// jemalloc sampling every allocation (`heap_v2/1`, lg_prof_sample:0) counts exactly, allocations included.
    @Test func jemallocEveryAllocationSampled() throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path("alloc/jemalloc/sites.heap"))).profile
        #expect(profile.sourceTraits.contains(.exactAllocationCounts))
        #expect(profile.sampleTypes.map(\.type) == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
        #expect(profile.total(sampleType: 0) == 1703)
        // The first frames were jemalloc's (prof_backtrace, malloc): none is left.
        #expect(!profile.locations.contains { profile.mappingFile(of: $0).contains("libjemalloc") })
    }

    @Test func samplingScaleIsPprofs() {
        // A sample of 1 block of 9216 bytes at a 524288-byte rate: 1 / (1 - exp(-9216/524288)) = 57.39...
        #expect(LegacyHeapParser.scaled(1, 9216, rate: 524_288) == (57, 528_909))
        #expect(LegacyHeapParser.scaled(3, 300, rate: 1) == (3, 300))
        #expect(LegacyHeapParser.scaled(0, 0, rate: 524_288) == (0, 0))
    }

    @Test(arguments: [
        ("heap profile: 1: 2 [3: 4] @ unknownkind\n", "unknown heap profile type"),
        ("heap profile: 1: 2 [3: 4] @ heapprofile\n0: 5 [0: 0] @ 0x1\n", "a count of 0 with 5 bytes"),
        ("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0xzz\n", "bad address"),
        ("heap profile: 1: x [3: 4] @ heapprofile\n", "expected `OBJECTS: BYTES [OBJECTS: BYTES]`"),
        ("heap_v2/abc\n", "expected heap_v2/RATE"),
    ])
    func damagedProfilesSayWhereAndWhat(_ text: String, _ message: String) {
        do {
            _ = try Importers.load(InputFile(name: "made.heap", bytes: Array(text.utf8)))
            Issue.record("read: \(text)")
        } catch {
            #expect(error.description.contains(message) && error.description.contains("made.heap:"), "\(error)")
        }
    }
}
