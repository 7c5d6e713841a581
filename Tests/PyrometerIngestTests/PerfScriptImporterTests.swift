import Foundation
import PyrometerAnalyze
@testable import PyrometerIngest
import PyrometerModel
import PyrometerTestSupport
import Testing

@Suite struct PerfScriptImporterTests {
    static func load(_ text: String, threads: Int = 2, blockSize: Int = 1 << 20) throws -> ImportResult {
        var options = ImportOptions()
        options.threads = threads
        options.blockSize = blockSize
        return try Importers.load(InputFile(name: "test.txt", bytes: Array(text.utf8)), options: options)
    }

    static func folded(_ profile: Profile, _ configure: (inout FoldOptions) -> Void = { _ in }) -> [String] {
        var options = FoldOptions()
        configure(&options)
        return Folder(options: options).fold(profile).sortedLines().map {
            String(decoding: $0.stack, as: UTF8.self) + " " + String($0.value)
        }
    }

    @Test func goldenDumpOfDwarfSample() throws {
        let profile = try Importers.load(InputFile(path: Fixtures.path("../../samples/hotspot-dwarf.perf.txt"))).profile
        Golden.expect(profile.canonicalDump(), matches: "perf-script/hotspot-dwarf.dump.txt")
    }

    /// Worker splits fall on blank lines; CRLF, whitespace-only "blank" lines, comments and weird lines must not
    /// make the parts disagree with a sequential parse (profile and warnings alike).
    @Test func parallelAndSequentialParsesAgree() throws {
        var text = try Fixtures.text("inferno/flamegraph/test/perf-vertx-stacks-01.txt")
        text = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            switch index % 97 {
            case 0: return line.isEmpty ? " \t\r" : String(line)
            case 13: return "# comment \(index)\n" + line
            case 41: return line + "\r"
            case 77 where line.isEmpty: return "\n\n\tweird\n"
            default: return String(line)
            }
        }.joined(separator: "\n")
        var one = ImportOptions()
        one.threads = 1
        var many = ImportOptions()
        many.threads = 4
        many.blockSize = 4096
        let sequential = try Importers.load(InputFile(name: "x", bytes: Array(text.utf8)), options: one)
        let parallel = try Importers.load(InputFile(name: "x", bytes: Array(text.utf8)), options: many)
        #expect(sequential.profile.canonicalDump() == parallel.profile.canonicalDump())
        #expect(sequential.diagnostics == parallel.diagnostics)
        #expect(!sequential.diagnostics.isEmpty)
    }

    @Test func eventsBecomeSampleTypesAndTheFirstIsTheDefault() throws {
        let text = """
            app 10/11 [000] 1.000: 100 cycles:u:
            \t1 f (/bin/app)

            app 10/11 [000] 1.001: 7 instructions:u:
            \t1 g (/bin/app)

            app 10/11 [000] 1.002: 50 cycles:u:
            \t1 f (/bin/app)

            """
        let profile = try Self.load(text).profile
        // Periods weigh the samples, so each event also gets its sample count (for a diff's significance tests).
        #expect(profile.sampleTypes.map(\.type) == ["cycles", "instructions", "cycles samples", "instructions samples"])
        #expect(Self.folded(profile) { $0.sampleType = 2 } == ["app;f 2"])
        #expect(profile.defaultSampleType == 0)
        #expect(Self.folded(profile) == ["app;f 150"])
        #expect(Self.folded(profile) { $0.sampleType = 1 } == ["app;g 7"])
        #expect(Self.folded(profile) { $0.includeTid = true } == ["app-10/11;f 150"])
    }

    @Test func periodsWeightSamplesAndClockEventsAreNanoseconds() throws {
        let text = "p 1 2.0: 1001001 cpu-clock:\n\tff f (/x)\n\np 1 2.1: 1001001 cpu-clock:\n\tff f (/x)\n"
        let profile = try Self.load(text).profile
        #expect(profile.sampleTypes == [ValueType(type: "cpu-clock", unit: "nanoseconds"),
                                         ValueType(type: "samples", unit: "count")])
        #expect(profile.total(sampleType: 0) == 2_002_002)
        #expect(profile.total(sampleType: 1) == 2)
        #expect(profile.kind(sampleType: 0) == .cpu)
    }

    /// perf prints an inlined function as a frame of its own at the address of the frame that runs it; it is kept
    /// by default, as inferno keeps it, and dropped with `--no-inline`. An `(inlined)` frame whose next frame has
    /// another address is the function's DWARF name printed in place of its symbol (glibc's
    /// `__libc_start_main_impl` for `__libc_start_main`): a frame of its own, kept either way.
    @Test func perfInlinedFramesAreKeptOrDroppedWithNoInline() throws {
        let text = """
            app 5 1.0: 1 cycles:
            \t1004 mix+0x4 (inlined)
            \t1004 helper+0x4 (/bin/app)
            \t27304 __libc_start_main_impl+0x84 (inlined)
            \t610 _start+0x20 (/bin/app)

            app 5 1.1: 1 cycles:
            \t1008 mix+0x8 (inlined)
            \t1008 helper+0x8 (/bin/app)
            \t2000 __mmap64 (inlined)

            """
        let profile = try Self.load(text).profile
        #expect(Self.folded(profile) == ["app;__mmap64;helper;mix 1", "app;_start;__libc_start_main_impl;helper;mix 1"])
        #expect(Self.folded(profile) { $0.includeInline = false }
                == ["app;__mmap64;helper 1", "app;_start;__libc_start_main_impl;helper 1"])
        let used = Set(profile.samples.flatMap { profile.stacks[$0.stack] })
        let inlineFrames = Set(used.map { profile.locations[Int($0)] }.filter(\.isInlineFrame)
            .map { profile.functionName($0.lines[0]) })
        #expect(inlineFrames == ["mix"])
    }

    @Test func inlineChainsAreMarked() throws {
        let profile = try Self.load("app 5 1.0: 1 cycles:\n\t1 outer->mid->inner (/bin/app)\n\t2 main (/bin/app)\n")
            .profile
        #expect(Self.folded(profile) == ["app;main;outer;mid_[i];inner_[i] 1"])
        #expect(Self.folded(profile) { $0.includeInline = false } == ["app;main;outer 1"])
    }

    /// Cases where inferno's behaviour is easy to miss (each checked against inferno 0.12.8).
    @Test func infernoEdgeCases() throws {
        // An empty symbol after stripping the offset is an empty frame; an empty module is `[]`.
        let empty = try Self.load("p 1/1 1.0: 1 cycles:\n\tff +0x10 (/lib/a.so)\n\t1 main (/a)\n\tff [unknown] ()\n").profile
        #expect(Self.folded(empty) == ["p;[];main; 1"])
        // A `;` in a process name makes two stacks print alike: they are one line.
        let comm = try Self.load("p;q 1/1 1.0: 1 cycles:\n\t1 main (/a)\n\np 2/2 1.0: 1 cycles:\n\t1 main (/a)\n\t2 q (/a)\n")
            .profile
        #expect(Self.folded(comm) == ["p;q;main 2"])
        // --skip-after matches the symbol as perf printed it (with parameters) and the cleaned-up name.
        let raw = try Self.load("p 1/1 1.0: 1 cycles:\n\t1 leaf (/a)\n\tff foo(int) (/a)\n\t2 main (/a)\n").profile
        #expect(Self.folded(raw) { $0.skipAfter = ["foo(int)"] } == ["foo;leaf 1"])
        #expect(Self.folded(raw) { $0.skipAfter = ["foo"] } == ["foo;leaf 1"])
    }

    @Test func skipAfterCutsCallersAndRoot() throws {
        let profile = try Self.load("app 5 1.0: 1 cycles:\n\t1 leaf (/a)\n\t2 handler (/a)\n\t3 main (/a)\n").profile
        #expect(Self.folded(profile) { $0.skipAfter = ["handler"] } == ["handler;leaf 1"])
    }

    @Test func modulePathsWithSpacesAreRead() throws {
        let profile = try Self.load("app 5 1.0: 1 cycles:\n\t1 f+0x10 (/opt/My App/lib x.so)\n\t2 [unknown] (/opt/My App/bin)\n")
            .profile
        #expect(Self.folded(profile) == ["app;[bin];f 1"])
        #expect(try Self.load("app 5 1.0: 1 cycles:\n\t1 f+0x10 (/opt/My App/lib x.so)\n").diagnostics.isEmpty)
    }

    @Test func unsymbolizedFramesKeepTheirAddressForLater() throws {
        let profile = try Self.load("app 5 1.0: 1 cycles:\n\t7f00dead [unknown] (/usr/lib/libfoo.so)\n\t2 main (/a)\n")
            .profile
        let unknown = profile.locations.first { $0.lines.isEmpty }
        #expect(unknown?.address == 0x7f00dead)
        #expect(profile.mappingFile(of: unknown!) == "/usr/lib/libfoo.so")
        #expect(Self.folded(profile) { $0.includeAddresses = true } == ["app;main;[libfoo.so <7f00dead>] 1"])
    }

    @Test func crlfLineEndingsAndMissingFinalNewlineAreFine() throws {
        let profile = try Self.load("app 5 1.0: 3 cycles:\r\n\t1 f (/a)\r\n\t2 main (/a)\r\n\r\napp 5 1.1: 4 cycles:\r\n\t1 f (/a)").profile
        #expect(Self.folded(profile) == ["app;main;f 3", "app;f 4"].sorted())
    }

    @Test func hostileBytesDoNotCrash() throws {
        // NUL bytes, invalid UTF-8 and an absurd period inside otherwise valid samples.
        var bytes = Array("app\u{0} 5 1.0: 99999999999999999999999 cycles:\n\t1 f\u{0}g (/a)\n\t2 ".utf8)
        bytes += [0xFF, 0xFE, 0x20, 0x28, 0x2F, 0x61, 0x29, 0x0A, 0x0A]
        let result = try Importers.load(InputFile(name: "hostile", bytes: bytes))
        #expect(result.profile.samples.count == 1)
        let names = Self.folded(result.profile)
        #expect(names.count == 1)
        #expect(names[0].hasSuffix(" 1"))  // the unparseable period falls back to one sample
        #expect(names[0].contains("\u{FFFD}"))
    }

    @Test func binaryGarbageIsAnUnknownFormat() {
        var generator = HostileInputTests.SeededGenerator(state: 42)
        let bytes = (0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "garbage.bin", bytes: bytes))
        }
    }

    @Test func aSampleLargerThanABlockIsRead() throws {
        var text = "app 5 1.0: 1 cycles:\n"
        for i in 0 ..< 2000 { text += "\t\(i) frame\(i) (/a)\n" }
        text += "\napp 5 1.1: 1 cycles:\n\t1 f (/a)\n"
        let profile = try Self.load(text, threads: 2, blockSize: 4096).profile
        #expect(profile.stacks.count == 2)
        #expect(profile.stacks[0].count == 2000 || profile.stacks[1].count == 2000)
    }

    @Test func inputWithoutSampleBoundariesIsRefusedNotReadWhole() throws {
        var text = "app 5 1.0: 1 cycles:\n"
        for i in 0 ..< 20000 { text += "\t\(i) frame\(i) (/a)\n" }
        var options = ImportOptions()
        options.blockSize = 4096
        options.maxRecordBytes = 64 << 10
        let error = #expect(throws: ProfileError.self) {
            try Importers.load(InputFile(name: "huge", bytes: Array(text.utf8)), options: options)
        }
        #expect(error?.message.hasPrefix("no blank line in 65536 bytes") == true)
        #expect(error?.file == "huge")
        #expect(error?.line == 1)
    }

    /// `perf script -F ip,dso` prints call chains only: an empty header line, then `addr (module)` frames.
    @Test func chainsWithoutHeadersFromFieldSelection() throws {
        let text = "\n\t             731 (/opt/app)\n\t             935 (/opt/app)\n\t           2724a (/usr/lib/libc.so.6)\n\n"
            + "\n\t             73b (/opt/app)\n\t             935 (/opt/app)\n\t           2724a (/usr/lib/libc.so.6)\n\n"
        let result = try Self.load(text)
        #expect(result.diagnostics.isEmpty)
        let profile = result.profile
        #expect(profile.sampleTypes.map(\.type) == ["samples"])
        #expect(profile.total(sampleType: 0) == 2)
        // Every frame keeps its module and address (for the symbolizer); 731 and 73b stay apart.
        #expect(Set(profile.locations.map(\.address)) == [0x731, 0x73b, 0x935, 0x2724a])
        #expect(profile.locations.allSatisfy { $0.lines.isEmpty && $0.mapping != nil })
        #expect(Self.folded(profile) == ["[libc.so.6];[app];[app] 2"])
    }
}
