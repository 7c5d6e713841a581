import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// The pieces both perf readers use for allocation probes: tracepoint formats from perf.data's tracing data, probe
/// arguments in `perf script` text, and what hostile values do to them.
@Suite struct PerfProbeParsingTests {
    static let callocFormat = """
        name: pyrometer_calloc
        ID: 2327
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

        \tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;
        \tfield:u64 nmemb;\toffset:16;\tsize:8;\tsigned:0;
        \tfield:u64 size;\toffset:24;\tsize:8;\tsigned:0;
        \tfield:char comm[16];\toffset:32;\tsize:16;\tsigned:0;

        print fmt: "(%lx) nmemb=%Lu size=%Lu", REC->__probe_ip, REC->nmemb, REC->size
        """

    @Test func eventFormatFields() throws {
        let format = try #require(TracingData.parseFormat(Self.callocFormat, system: "pyrometer_alloc"))
        #expect(format.id == 2327 && format.name == "pyrometer_calloc" && format.system == "pyrometer_alloc")
        #expect(format.field(named: "size") == .init(name: "size", offset: 24, size: 8, isSigned: false))
        #expect(format.field(named: "common_pid")?.isSigned == true)
        #expect(format.field(named: "comm")?.size == 16)
        #expect(TracingData.parseFormat("name: x\nformat:\n", system: "s") == nil)  // no ID
    }

    /// calloc's bytes are nmemb × size, read from the raw record at the format's offsets; a record too short for a
    /// field gives nothing rather than a read past it.
    @Test func rawRecordOfAProbe() throws {
        let format = try #require(TracingData.parseFormat(Self.callocFormat, system: "pyrometer_alloc"))
        let probe = try #require(AllocationProbeFields(format))
        var raw = [UInt8](repeating: 0, count: 48)
        func put(_ value: UInt64, at offset: Int) { for i in 0 ..< 8 { raw[offset + i] = UInt8(value >> (8 * UInt64(i)) & 0xFF) } }
        put(0x7F6D_348B_6930, at: 8)
        put(3, at: 16)
        put(40, at: 24)
        let call = raw.withUnsafeBytes { probe.read($0) }
        #expect(call?.address == 0x7F6D_348B_6930 && call?.bytes == 120)
        put(.max, at: 16)  // a register that held no count: clamped, never wrapped
        #expect(raw.withUnsafeBytes { probe.read($0) }?.bytes == .max)
        #expect(raw.prefix(30).withUnsafeBytes { probe.read($0) } == nil)
        // Not a probe: a kernel tracepoint with a `bytes` field (block_rq_issue) is no allocation.
        let tracepoint = TraceEventFormat(system: "block", name: "block_rq_issue", id: 1, fields: [
            .init(name: "bytes", offset: 16, size: 4, isSigned: false)])
        #expect(AllocationProbeFields(tracepoint) == nil)
    }

    static func load(_ text: String) throws -> ImportResult {
        try Importers.load(InputFile(name: "probes.txt", bytes: Array(text.utf8)))
    }

    /// Values in decimal and hex, calloc's product, a negative size, and a probe without a size argument (a plain
    /// event then, counted per sample).
    @Test func probeArgumentsInPerfScriptText() throws {
        let text = """
            a 10/10 [000] 1.000001: g:alloc_malloc: (7f0000001000) size=64
            \t    1000 malloc+0x0 (/lib/libc.so.6)
            \t    2000 site+0x10 (/bin/a)

            a 10/10 [000] 1.000002: g:alloc_malloc: (7f0000001000) size=0x100
            \t    1000 malloc+0x0 (/lib/libc.so.6)
            \t    2000 site+0x10 (/bin/a)

            a 10/10 [000] 1.000003: g:alloc_calloc: (7f0000002000) nmemb=3 size=0x10
            \t    3000 calloc+0x0 (/lib/libc.so.6)
            \t    2100 other+0x10 (/bin/a)

            a 10/10 [000] 1.000004: g:alloc_malloc: (7f0000001000) size=-1
            \t    1000 malloc+0x0 (/lib/libc.so.6)
            \t    2200 third+0x10 (/bin/a)

            a 10/10 [000] 1.000005: g:open: (7f0000003000) path=0x1234
            \t    4000 open+0x0 (/lib/libc.so.6)
            \t    2300 fourth+0x10 (/bin/a)

            """
        let profile = try Self.load(text).profile
        let space = try #require(profile.sampleTypes.firstIndex(of: .allocatedSpace))
        let objects = try #require(profile.sampleTypes.firstIndex(of: .allocatedObjects))
        var bytesByLeaf: [String: Int64] = [:], callsByLeaf: [String: Int64] = [:]
        for (index, sample) in profile.samples.enumerated() {
            let leaf = try #require(profile.stacks[sample.stack].first)
            let name = profile.functionName(profile.locations[Int(leaf)].lines[0])
            bytesByLeaf[name, default: 0] += profile.value(sample: index, type: space)
            callsByLeaf[name, default: 0] += profile.value(sample: index, type: objects)
        }
        #expect(bytesByLeaf["site"] == 64 + 256 && callsByLeaf["site"] == 2)
        #expect(bytesByLeaf["other"] == 48 && bytesByLeaf["third"] == 0 && callsByLeaf["third"] == 1)
        // The probe without a size is an event of its own; its stack keeps its leaf.
        #expect(profile.sampleTypeIndex(named: "g:open") != nil)
        #expect(bytesByLeaf["fourth"] == nil && bytesByLeaf["open"] == 0)
        #expect(profile.sourceTraits.contains(.exactAllocationCounts))
        #expect(profile.sourceTraits.contains(.allocatorFramesAtLeaves))
    }

    @Test func lostEventLinesInPerfScriptText() throws {
        let text = """
            a 10/10 [000] 1.000001: g:alloc_malloc: (7f0000001000) size=64
            \t    1000 malloc+0x0 (/lib/libc.so.6)
            \t    2000 site+0x10 (/bin/a)

            a 10/10 [000] 1.000002: PERF_RECORD_LOST lost 19

            a 10/10 [000] 1.000003: PERF_RECORD_LOST lost 4

            """
        let result = try Self.load(text)
        #expect(result.profile.sourceTraits.contains(.eventsLost))
        #expect(!result.profile.sourceTraits.contains(.exactAllocationCounts))
        #expect(result.diagnostics.contains { $0.kind.contains("perf lost 23 events") })
        #expect(result.profile.sampleTypes.allSatisfy { !$0.type.contains("LOST") && $0.type != "19" })
    }

    /// Header lines cut anywhere, and probe fields of every odd shape: a profile or an error, never a trap (a
    /// header without a colon once read a range backwards).
    @Test(arguments: [
        "a 10/10 x", "a 10/10 [000] 1.0", "a 10/10 [000] 1.0: PERF_RECORD_LOST", "a 10/10 [000] 1.0: PERF_RECORD_LOST lost",
        "a 10/10 [000] 1.0: PERF_RECORD_LOST lost 99999999999999999999999", "a 10/10 [000] 1.0: g:m: (",
        "a 10/10 [000] 1.0: g:m: ()", "a 10/10 [000] 1.0: g:m: (zz) size=1", "a 10/10 [000] 1.0: g:m: (7f) size=",
        "a 10/10 [000] 1.0: g:m: (7f) =5 size", "a 10/10 [000] 1.0: g:m: (7f) size=0x", "a 10/10 [000] 1.0: g:m: (7f) size=-",
        "a 10/10 [000] 1.0: g:m: (7f) size=1 nmemb=18446744073709551615",
    ])
    func oddProbeLines(_ header: String) throws {
        for text in [header + "\n", header + "\n\t    1000 malloc+0x0 (/lib/libc.so.6)\n\t    2000 f+0x1 (/bin/a)\n\n"] {
            _ = try? Self.load(text)
        }
    }

    /// A perf.data recording of the corpus (the small one) with its tracing data damaged: the recording still reads,
    /// with a warning naming the byte offset (the probes are then plain events); never a crash.
    @Test func damagedTracingData() throws {
        let compressed = try InputFile(path: Fixtures.path("alloc/perf/sites-lossy.perf.data.zst"))
        let recording = try InputFile(decompressing: compressed, .zstd, limit: 1 << 28)
            .readAll(limit: 1 << 28, what: "recording")
        let magic = TracingData.magic
        let start = try #require((0 ..< recording.count - magic.count).first {
            recording[$0] == magic[0] && Array(recording[$0 ..< $0 + magic.count]) == magic
        })
        // The version string, its NUL, byte order, long size and page size, then "header_page\0" and its size.
        let version = try #require(recording[(start + magic.count)...].firstIndex(of: 0))
        let headerPageSize = version + 1 + 2 + 4 + "header_page".utf8.count + 1
        var hostile = recording
        for i in 0 ..< 8 { hostile[headerPageSize + i] = 0xFF }
        let result = try PerfDataImporter().parse(InputFile(name: "hostile.data", bytes: hostile), options: ImportOptions())
        #expect(result.diagnostics.contains { $0.kind.contains("tracing data unreadable at byte \(headerPageSize + 8)") },
                "\(result.diagnostics)")
        #expect(result.profile.sampleTypes.firstIndex(of: .allocatedSpace) == nil)
        // Each byte of the tracing data's head flipped in turn: an error or a profile.
        for offset in stride(from: start, to: min(start + 240, recording.count), by: 4) {
            var flipped = recording
            flipped[offset] ^= 0xA5
            _ = try? PerfDataImporter().parse(InputFile(name: "flipped.data", bytes: flipped), options: ImportOptions())
        }
    }
}
