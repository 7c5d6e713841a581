import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// heaptrack data files of the allocation corpus (Tests/Fixtures/alloc/README.md): exact counts per site, equal to
/// DHAT's for the same program.
@Suite struct HeaptrackImporterTests {
    static func load(_ name: String) throws -> Profile {
        try Importers.load(InputFile(path: Fixtures.path("alloc/heaptrack/\(name).zst"))).profile
    }

    @Test func zstdFileIsReadAsHeaptrack() throws {
        let profile = try Self.load("sites")
        #expect(profile.sourceFormat == HeaptrackImporter.formatName)
        #expect(profile.sampleTypes.map(\.type) == DHATImporterTests.sampleTypes)
        #expect(profile.comments.contains { $0.hasPrefix("cmd: ") })
    }

    @Test func exactCountsPerSiteAsDHATCounts() throws {
        for name in ["sites", "sites-b130"] {
            let heaptrack = try Self.load(name), dhat = try DHATImporterTests.load(name)
            for type in DHATImporterTests.sampleTypes {
                // Within main: start-up allocations name libstdc++ by its soname here, by its file in valgrind.
                let ours = try DHATImporterTests.byLeaf(heaptrack, type).filter { !$0.key.hasPrefix("[") }
                let reference = try DHATImporterTests.byLeaf(dhat, type).filter { !$0.key.hasPrefix("[") }
                #expect(ours == reference, "\(name) \(type)")
            }
            #expect(heaptrack.total(sampleType: 0) == dhat.total(sampleType: 0))
        }
        let objects = try DHATImporterTests.byLeaf(try Self.load("sites-b130"), "alloc_objects")
        #expect(objects["site_b"] == 650 && objects["site_a"] == 1000 && objects["site_c"] == 200)
    }

    /// bytehound's heaptrack export (format 2, uncompressed; Tests/Fixtures/alloc/bytehound/README.md): its counts,
    /// its sizes (the usable sizes it records, its 24-byte trailer included), a frame without a function kept as
    /// its module, and the run's length from its largest timestamp (it stamps a free with its block's time).
    @Test func bytehoundExport() throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path("alloc/bytehound/demo.heaptrack"))).profile
        #expect(profile.sourceFormat == HeaptrackImporter.formatName)
        let objects = try DHATImporterTests.byLeaf(profile, "alloc_objects")
        #expect(objects == ["site_a": 2, "site_b": 1])
        #expect(try DHATImporterTests.byLeaf(profile, "alloc_space") == ["site_a": 2 * 0x28, "site_b": 0x38])
        #expect(try DHATImporterTests.byLeaf(profile, "end_objects") == ["site_a": 1, "site_b": 1])
        #expect(profile.durationNanos == 2_000_000)
        let stack = try #require(profile.samples.first.map { profile.stacks[$0.stack] })
        #expect(stack.contains { profile.locations[Int($0)].lines.isEmpty && profile.mappingFile(of: profile.locations[Int($0)]) == "libc.so.6" })
    }

    @Test func allocatorFramesAreDropped() throws {
        let profile = try Self.load("sites")
        let names = Set(profile.functions.map { profile.strings[Int($0.name)] })
        #expect(names.isDisjoint(with: ["operator new", "operator new[]", "malloc"]), "\(names)")
    }

    static func text(_ lines: [String]) -> InputFile {
        InputFile(name: "made.heaptrack", bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// Format 2 (heaptrack 1.3) has no length before a string; the peak is the moment the whole heap peaked.
    @Test func formatTwoAndThePeak() throws {
        let file = Self.text([
            "v 10300 2", "X ./made", "s main", "s grow", "s /tmp/made",
            "i 1000 3 1", "i 2000 3 2",  // main; grow
            "t 1 0", "t 2 1",            // trace 1: main, trace 2: main;grow
            "a 10 1", "a 100 2",         // 16 bytes in main, 256 in grow
            "+ 0", "+ 1", "+ 1", "- 1",  // peak: 16 + 512 = 528 bytes
            "+ 0", "- 1", "- 0",         // at the end: 16 bytes of main
            "c 3e8",
        ])
        let profile = try HeaptrackImporter().parse(file, options: ImportOptions()).profile
        #expect(try DHATImporterTests.byLeaf(profile, "alloc_space") == ["main": 32, "grow": 512])
        #expect(try DHATImporterTests.byLeaf(profile, "peak_space") == ["main": 16, "grow": 512])
        #expect(try DHATImporterTests.byLeaf(profile, "end_objects") == ["main": 1])
        #expect(profile.durationNanos == 1_000_000_000)
    }

    @Test(arguments: [
        (["v 10400 1"], "file format 1 is not supported"),
        (["s 4 main"], "no heaptrack version line"),
        (["v 10400 3", "t 5 0"], "instruction 5 is not defined yet"),
        (["v 10400 3", "a 10 3"], "trace 3 is not defined yet"),
        (["v 10400 3", "+ 0"], "allocation info 0 is not defined yet"),
        (["v 10400 3", "i 1000 zz"], "expected hexadecimal numbers"),
        (["v 10400 3", "s 1 a", "i 1000 1 1 1"], "frames of a function, file and line"),
    ])
    func damagedFilesSayWhereAndWhat(_ lines: [String], _ message: String) {
        do {
            _ = try HeaptrackImporter().parse(Self.text(lines), options: ImportOptions())
            Issue.record("\(lines) was read")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.contains("made.heaptrack"))
        }
    }

    @Test func sniffing() {
        func sniff(_ text: String) -> SniffResult {
            Array(text.utf8).withUnsafeBytes { HeaptrackImporter.sniff($0, isComplete: true) }
        }
        #expect(sniff("v 10400 3\nX ./app\n") == .yes)
        #expect(sniff("v 10300 2\n") == .yes)
        #expect(sniff("v main 3\n") == .no)
        #expect(sniff("main;a 3\n") == .no)
    }
}

/// The Swift program of the allocation corpus, recorded with both tools: class instances from swift_allocObject,
/// charged to the function that asked for them (the inlined `__allocating_init` inside it).
@Suite struct SwiftAllocationCorpusTests {
    static let siteA = "swsites.siteA(Swift.Int) -> swsites.Small"
    static let siteB = "swsites.siteB(Swift.Int) -> swsites.Large"

    static func load(_ path: String) throws -> Profile {
        try Importers.load(InputFile(path: Fixtures.path("alloc/" + path))).profile
    }

    @Test(arguments: ["dhat/swift-sites.json", "heaptrack/swift-sites.zst"])
    func exactCountsPerSite(_ path: String) throws {
        let profile = try Self.load(path)
        let objects = try DHATImporterTests.byLeaf(profile, "alloc_objects")
        #expect(objects[Self.siteA] == 1000 && objects[Self.siteB] == 500, "\(objects.filter { $0.value >= 100 })")
        // Small: 16-byte object header + one Int; Large: header + 16 Ints.
        let space = try DHATImporterTests.byLeaf(profile, "alloc_space")
        #expect(space[Self.siteA] == 1000 * 24 && space[Self.siteB] == 500 * 144)
        // siteC's arrays come from the standard library's buffer initializer, which calls swift_allocObject.
        #expect(objects.first { $0.key.hasPrefix("Swift._ContiguousArrayBuffer.init(_uninitializedCount:") }?.value == 200)
        // Nothing is charged to the runtime's allocator entry points.
        #expect(objects.keys.allSatisfy { !["swift_allocObject", "swift_slowAlloc", "malloc"].contains($0) })
    }

    @Test(arguments: ["dhat/swift-sites-b130.json", "heaptrack/swift-sites-b130.zst"])
    func plantedRegression(_ path: String) throws {
        #expect(try DHATImporterTests.byLeaf(try Self.load(path), "alloc_objects")[Self.siteB] == 650)
    }
}
