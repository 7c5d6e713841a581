import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// Valgrind DHAT files of the allocation corpus (Tests/Fixtures/alloc/README.md): exact counts per site.
@Suite struct DHATImporterTests {
    static let sampleTypes = ["alloc_space", "alloc_objects", "peak_space", "peak_objects", "end_space", "end_objects"]

    static func load(_ name: String) throws -> Profile {
        try Importers.load(InputFile(path: Fixtures.path("alloc/dhat/\(name).json"))).profile
    }

    /// Value of `type` per leaf function (the function that called the allocator), summed over stacks.
    static func byLeaf(_ profile: Profile, _ type: String) throws -> [String: Int64] {
        let index = try #require(profile.sampleTypes.firstIndex { $0.type == type })
        var result: [String: Int64] = [:]
        for (sample, entry) in profile.samples.enumerated() {
            let value = profile.value(sample: sample, type: index)
            guard value != 0 else { continue }
            let leaf = profile.stacks[entry.stack].first.map { profile.locations[Int($0)] }
            // The owner of the leaf location: the last line of its inline chain.
            let name = leaf?.lines.last.map(profile.functionName) ?? "[" + (leaf.map(profile.mappingFile) ?? "") + "]"
            result[name, default: 0] += value
        }
        return result
    }

    @Test func sniffedAndTypedAsDHAT() throws {
        let profile = try Self.load("sites")
        #expect(profile.sourceFormat == DHATImporter.formatName)
        #expect(profile.sampleTypes.map { "\($0.type)/\($0.unit)" } == [
            "alloc_space/bytes", "alloc_objects/count", "peak_space/bytes", "peak_objects/count",
            "end_space/bytes", "end_objects/count",
        ])
        #expect(profile.sampleTypes[profile.defaultSampleType].type == "alloc_space")
    }

    /// Files over a megabyte arrive in several reads: each read's bytes once (they were appended again and again,
    /// so a DHAT file of real size did not parse).
    @Test func fileLargerThanOneRead() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("alloc/dhat/sites.json"))))
        let brace = try #require(bytes.firstIndex(of: UInt8(ascii: "{")))
        bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: 3 << 20), at: brace + 1)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("large-\(UUID().uuidString).json")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let profile = try Importers.load(InputFile(path: file.path)).profile
        #expect(try Self.byLeaf(profile, "alloc_objects") == Self.byLeaf(try Self.load("sites"), "alloc_objects"))
    }

    @Test func sniffing() {
        func sniff(_ text: String, complete: Bool = true) -> SniffResult {
            Array(text.utf8).withUnsafeBytes { DHATImporter.sniff($0, isComplete: complete) }
        }
        #expect(sniff("{\"dhatFileVersion\":2\n,\"mode\":\"heap\"") == .yes)
        #expect(sniff(" \n{ \"dhatFileVersion\": 2}") == .yes)
        #expect(sniff("{\"dhatFile", complete: false) == .needMoreBytes)
        #expect(sniff("{\"dhatFile") == .no)
        #expect(sniff("{\"other\":1}") == .no)
        #expect(sniff("main;site_a 64000\n") == .no)
    }

    @Test func exactCountsPerSiteAndNoAllocatorFrames() throws {
        let profile = try Self.load("sites")
        let objects = try Self.byLeaf(profile, "alloc_objects"), space = try Self.byLeaf(profile, "alloc_space")
        #expect(objects["site_a"] == 1000 && space["site_a"] == 64_000)
        #expect(objects["site_b"] == 500 && space["site_b"] == 128_000)
        #expect(objects["site_c"] == 200 && space["site_c"] == 204_800)
        #expect(objects["main"] == 2 && space["main"] == 9_600)
        #expect(try Self.byLeaf(profile, "end_space") == ["site_c": 51_200])
        #expect(try Self.byLeaf(profile, "end_objects") == ["site_c": 50])
        #expect(profile.total(sampleType: 0) == 479_104)
        // valgrind's replacement malloc is not the program's: no stack holds it.
        #expect(!profile.mappings.contains { profile.strings[Int($0.file)].contains("vgpreload") })
        #expect(!profile.functions.contains { ["malloc", "calloc", "operator new"].contains(profile.strings[Int($0.name)]) })
    }

    @Test func plantedRegressionIsOnSiteB() throws {
        let base = try Self.byLeaf(try Self.load("sites"), "alloc_objects")
        let head = try Self.byLeaf(try Self.load("sites-b130"), "alloc_objects")
        #expect(head["site_b"] == 650)
        #expect(base.filter { $0.key != "site_b" } == head.filter { $0.key != "site_b" })
    }

    @Test func inlineFramesAtOneAddressAreOneLocation() throws {
        let profile = try Self.load("sites")
        // site_c's `new char[]` is in fresh_buffer, inlined: one location, fresh_buffer inside site_c.
        let chain = try #require(profile.locations.first { $0.lines.count == 2 && profile.functionName($0.lines[1]) == "site_c" })
        #expect(profile.functionName(chain.lines[0]) == "fresh_buffer")
        let file = profile.functions[Int(chain.lines[0].function)].filename
        #expect(profile.strings[Int(file)] == "sites.cpp")
        #expect(chain.lines[0].line == 26)
    }

    @Test(arguments: [
        ("{\"dhatFileVersion\":1,\"pps\":[],\"ftbl\":[]}", "version 1 is not supported"),
        ("{\"dhatFileVersion\":2,\"pps\":[{\"tb\":1,\"tbk\":1,\"fs\":[7]}],\"ftbl\":[\"[root]\"]}", "names frame 7"),
        ("{\"dhatFileVersion\":2,\"pps\":[{\"tb\":1,\"fs\":[]}],\"ftbl\":[]}", "missing field \"tbk\""),
        ("{\"dhatFileVersion\":2,\"pps\":[", "not a valid DHAT file"),
    ])
    func damagedFilesSayWhatIsWrong(_ text: String, _ message: String) {
        let input = InputFile(name: "bad.json", bytes: Array(text.utf8))
        do {
            _ = try Importers.load(input)
            Issue.record("\(text) was read")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.contains("bad.json"))
        }
    }

    @Test(arguments: [
        ("0x109084: main (prog.c:7)", UInt64(0x109084), "main", nil as String?, "prog.c", 7),
        ("0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_dhat-amd64-linux.so)", 0x48417B4, "malloc",
         "/usr/libexec/valgrind/vgpreload_dhat-amd64-linux.so", nil, nil),
        ("0x10946D: site_a(unsigned long) [clone .constprop.0] (sites.cpp:13)", 0x10946D,
         "site_a(unsigned long) [clone .constprop.0]", nil, "sites.cpp", 13),
        ("0x4005D3: ???", 0x4005D3, "???", nil, nil, nil),
        ("[root]", nil, "[root]", nil, nil, nil),
    ] as [(String, UInt64?, String, String?, String?, Int?)])
    func frameText(_ text: String, _ address: UInt64?, _ name: String, _ module: String?, _ file: String?, _ line: Int?) {
        let frame = DHATFrame(parsing: text)
        #expect(frame.address == address && frame.name == name && frame.module == module)
        #expect(frame.sourceFile == file && frame.line == line)
    }
}
