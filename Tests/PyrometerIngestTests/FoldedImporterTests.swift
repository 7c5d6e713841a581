import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

@Suite struct FoldedImporterTests {
    static func load(_ text: String) throws -> ImportResult {
        try Importers.load(InputFile(name: "stacks.folded", bytes: Array(text.utf8)))
    }

    static func refold(_ profile: Profile) -> [String] {
        Folder().fold(profile).sortedLines().map { String(decoding: $0.stack, as: UTF8.self) + " " + String($0.value) }
    }

    @Test func foldedRoundTrips() throws {
        let lines = ["main;a;b 3", "main;a 2", "main;c d;e 1", "x 10"]
        let result = try Self.load(lines.joined(separator: "\n") + "\n")
        #expect(result.profile.sourceFormat == "folded")
        #expect(Self.refold(result.profile) == lines.sorted())
        #expect(result.diagnostics.isEmpty)
    }

    @Test func twoColumnsAreBeforeAndAfter() throws {
        let profile = try Self.load("main;a 3 5\nmain;b 4 0\n").profile
        #expect(profile.sampleTypes.map(\.type) == ["before", "after"])
        #expect(profile.defaultSampleType == 1)
        #expect(Self.refold(profile) == ["main;a 5"])
        #expect(profile.total(sampleType: 0) == 7)
    }

    @Test func framesMayEndInNumbersInOneColumnFiles() throws {
        // The first data line decides how many count columns the file has.
        let profile = try Self.load("main;run 4\nmain;sleep 10 3\n").profile
        #expect(Self.refold(profile) == ["main;run 4", "main;sleep 10 3"])
    }

    @Test func invalidLinesAreSkippedWithOneWarning() throws {
        let result = try Self.load("main;a 3\nthis line has no count\n\nmain;b 2\nanother bad\n")
        #expect(Self.refold(result.profile) == ["main;a 3", "main;b 2"])
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].count == 2)
        #expect(result.diagnostics[0].firstLine == 2)
    }

    @Test func fractionalCountsAreTruncatedWithAWarning() throws {
        let result = try Self.load("a;b 1.5\na;c 2.0\na;d 3.99\n")
        #expect(Self.refold(result.profile) == ["a;b 1", "a;c 2", "a;d 3"])
        #expect(result.diagnostics.map(\.count) == [2])
    }

    /// Deep stacks make first lines longer than the 64 KiB the format sniffers look at first.
    @Test func aFirstLineLongerThanTheSniffPrefixIsRead() throws {
        let deep = (0 ..< 9000).map { "frame\($0)" }.joined(separator: ";")
        let result = try Self.load(deep + " 5\na;b 3\n")
        #expect(result.profile.total(sampleType: 0) == 8)
        #expect(result.profile.stacks.count == 2)
    }

    @Test func aLineLongerThanTheRecordLimitIsAnErrorWithItsLine() throws {
        let text = String(repeating: "a;b 1\n", count: 100) + String(repeating: "x", count: 40000) + " 1\n"
        var options = ImportOptions()
        options.blockSize = 4096
        options.maxRecordBytes = 16384
        let error = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "long.folded", bytes: Array(text.utf8)), options: options)
        }
        #expect(error?.line == 101)
        #expect(error?.description.hasPrefix("long.folded:101: a line longer than") == true)
    }

    @Test func hugeCountsSaturate() throws {
        let profile = try Self.load("a 9223372036854775807\nb 9223372036854775807.5\nc 99999999999999999999\n").profile
        #expect(profile.total(sampleType: 0) == .max)
        #expect(Self.refold(profile).allSatisfy { $0.hasSuffix(" 9223372036854775807") })
    }

    @Test func commentsAreIgnored() throws {
        let result = try Self.load("# austin header\n# another\nmain;a 1\n")
        #expect(Self.refold(result.profile) == ["main;a 1"])
    }
}
