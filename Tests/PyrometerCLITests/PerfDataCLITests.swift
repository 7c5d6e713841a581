import Foundation
import PyrometerTestSupport
import Testing

/// perf.data read directly, against `perf script | pyrometer fold` on the same recordings, made here with `perf
/// record` from sources in this file (frame-pointer call chains, user-space events: the machine's kernel and its
/// symbols are not the test's business).
@Suite(.serialized, ExternalTool.perf.needed, ExternalTool.gcc.needed) struct PerfDataCLITests {
    /// Runs a tool (gcc, rustc, perf); with `stdoutTo`, its output is written to that file.
    static func tool(_ arguments: [String], stdoutTo file: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let result = try CLI.run(arguments, tool: true)
        if let file { try result.stdout.write(to: URL(fileURLWithPath: file)) }
        return (result.status, result.text, result.stderr)
    }

    static let singleThreaded = """
        #include <stdio.h>
        #include <stdlib.h>
        static volatile unsigned long sink;
        __attribute__((noinline)) void leaf_a(long n) { for (long i = 0; i < n; i++) sink += i * 7; }
        __attribute__((noinline)) void leaf_b(long n) { for (long i = 0; i < n; i++) sink ^= i * 13; }
        __attribute__((noinline)) void middle(long n) { leaf_a(n); leaf_b(n / 2); sink += 1; }
        int main(void) { middle(120000000); printf("%lu\\n", sink); return 0; }
        """

    static let multiThreaded = """
        #include <pthread.h>
        #include <stdio.h>
        static volatile unsigned long sink[4];
        __attribute__((noinline)) void spin(int k, long n) { for (long i = 0; i < n; i++) sink[k] += i ^ k; }
        __attribute__((noinline)) void *worker_one(void *a) { spin(1, 90000000); return 0; }
        __attribute__((noinline)) void *worker_two(void *a) { spin(2, 50000000); return 0; }
        int main(void) {
            pthread_t a, b;
            pthread_create(&a, 0, worker_one, 0);
            pthread_create(&b, 0, worker_two, 0);
            pthread_join(a, 0);
            pthread_join(b, 0);
            spin(0, 30000000);
            printf("%lu\\n", sink[0]);
            return 0;
        }
        """

    static let rust = """
        #[inline(never)]
        fn crunch(n: u64) -> u64 { let mut s = 0u64; for i in 0..n { s = s.wrapping_add(i.wrapping_mul(2654435761) >> 3); } s }
        #[inline(never)]
        fn stage(n: u64) -> u64 { crunch(n) ^ crunch(n / 3) }
        // Formatting a u64 runs std's `<u64 as Display>::fmt`, one function under two names (the usize one too):
        // every sample in it checks that both paths pick perf's alias.
        #[inline(never)]
        fn format_numbers(n: u64) -> usize {
            use std::fmt::Write;
            let mut s = String::new(); let mut total = 0;
            for i in 0..n { s.clear(); write!(s, "{}", std::hint::black_box(i)).unwrap(); total += s.len(); }
            total
        }
        fn main() { println!("{} {}", stage(std::hint::black_box(150_000_000)), format_numbers(std::hint::black_box(3_000_000))); }
        """

    /// Builds `source` into `name` in `directory` and records it with `perf record -g`; returns the recording.
    static func record(_ name: String, source: String, language: String, in directory: URL,
                       extraRecordArguments: [String] = [], output: String? = nil) throws -> String {
        let sourcePath = directory.appendingPathComponent(name + "." + language).path
        let binary = directory.appendingPathComponent(name).path
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let compile: [String] = language == "rs"
            ? ["rustc", "-O", "-g", "-C", "force-frame-pointers=yes", "-o", binary, sourcePath]
            : ["gcc", "-O2", "-g", "-fno-omit-frame-pointer", "-pthread", "-o", binary, sourcePath]
        let compiled = try tool(compile)
        try #require(compiled.status == 0, "\(compiled.err)")
        let data = output ?? directory.appendingPathComponent(name + ".data").path
        let recorded = try tool(["perf", "record", "-q", "-g", "-e", "cpu-clock:u", "-o", data]
                                    + extraRecordArguments + [binary])
        try #require(recorded.status == 0, "\(recorded.err)")
        return data
    }

    /// A frame with the naming differences between the two paths made equal (docs/unwinding.md):
    /// - an unsymbolized frame keeps its module offset (`libgcc_s.so.1+0x38d3`) where perf script's text only has
    ///   `[libgcc_s.so.1]`;
    /// - perf 6.1 names PLT stubs by relocation index, wrongly in glibc (bare `@plt` for an IRELATIVE slot, or a
    ///   neighbour's name), where Pyrometer reads the stub's jump as objdump does (PLTSymbolsTests): any stub is `@plt`.
    static func comparable(_ frame: Substring) -> Substring {
        if frame.hasSuffix("@plt") { return "@plt" }
        if let plus = frame.range(of: "+0x", options: .backwards), frame[plus.upperBound...].allSatisfy(\.isHexDigit) {
            return "[" + frame[..<plus.lowerBound] + "]"
        }
        return frame
    }

    /// Folded lines as stack → count, each frame `comparable`.
    static func normalized(_ folded: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in folded.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let count = Int(line[line.index(after: space)...]) else { continue }
            let frames = line[..<space].split(separator: ";", omittingEmptySubsequences: false).map(comparable)
            result[frames.joined(separator: ";"), default: 0] += count
        }
        return result
    }

    static func expectSameFolds(_ data: String, directory: URL) throws {
        let text = directory.appendingPathComponent(URL(fileURLWithPath: data).lastPathComponent + ".txt").path
        // Without inline frames on both sides: with them, perf names an inline chain's owner by its DWARF name
        // (`__libc_start_main_impl`) where the symbol is `__libc_start_main@@GLIBC_2.34` (docs/unwinding.md).
        let script = try tool(["perf", "script", "--no-inline", "-i", data], stdoutTo: text)
        try #require(script.status == 0, "\(script.err)")
        let viaScript = try CLI.run(["fold", text])
        let direct = try CLI.run(["fold", "--no-inline", data])
        #expect(viaScript.status == 0, "\(viaScript.stderr)")
        #expect(direct.status == 0, "\(direct.stderr)")
        let expected = normalized(viaScript.text), actual = normalized(direct.text)
        #expect(!expected.isEmpty)
        #expect(actual == expected)
        #expect(expected.values.reduce(0, +) == actual.values.reduce(0, +))
    }

    @Test func singleThreadedCProgramFoldsLikePerfScript() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("single", source: Self.singleThreaded, language: "c", in: directory)
        try Self.expectSameFolds(data, directory: directory)
        // The stacks are the program's: most samples in leaf_a under middle (or main, when middle is a tail call).
        let folded = try CLI.run(["fold", data]).text
        #expect(folded.contains(";leaf_a "))
        #expect(folded.contains(";leaf_b "))
    }

    @Test func multiThreadedProgramKeepsItsThreads() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("threads", source: Self.multiThreaded, language: "c", in: directory)
        try Self.expectSameFolds(data, directory: directory)
        let withTIDs = try CLI.run(["fold", "--tid", data]).text
        let threads = Set(withTIDs.split(separator: "\n").compactMap { $0.split(separator: ";").first })
        #expect(threads.count >= 3, "\(threads)")  // main thread and both workers
        // Each worker (whose call to spin is a tail call) on its own thread under start_thread.
        let workerThreads = withTIDs.split(separator: "\n").filter { $0.contains(";start_thread;spin ") }
        #expect(workerThreads.count == 2, "\(withTIDs)")
    }

    @Test(ExternalTool.rustc.needed) func rustProgramFoldsLikePerfScript() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("crunch", source: Self.rust, language: "rs", in: directory)
        try Self.expectSameFolds(data, directory: directory)
        let folded = try CLI.run(["fold", data]).text
        #expect(folded.contains("crunch::stage;crunch::crunch"))
        #expect(folded.contains("crunch::format_numbers;"), "\(folded)")
    }

    /// Several symbols at one address: perf keeps one by its own rule (a non-weak over a weak one, a global over a
    /// local one, fewer leading underscores, the longer name), and so must the direct path. glibc's weak `madvise`
    /// and global `__madvise` are such a pair.
    static let aliases = """
        static volatile unsigned long sink;
        __attribute__((noinline)) void __impl_sum(long n) { for (long i = 0; i < n; i++) sink += i * 3; }
        extern void sum(long n) __attribute__((weak, alias("__impl_sum")));
        __attribute__((noinline)) void compute(long n) { for (long i = 0; i < n; i++) sink ^= i * 5; }
        extern void compute_v2(long n) __attribute__((alias("compute")));
        __attribute__((noinline)) void __x_twice(long n) { for (long i = 0; i < n; i++) sink += i ^ 9; }
        extern void x_twice(long n) __attribute__((alias("__x_twice")));
        __attribute__((noinline)) static void local_fn(long n) { for (long i = 0; i < n; i++) sink -= i * 11; }
        extern void exported_fn(long n) __attribute__((alias("local_fn")));
        int main(void) { sum(40000000); compute_v2(40000000); x_twice(40000000); exported_fn(40000000); return 0; }
        """

    @Test func aliasesAreNamedAsPerfNamesThem() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("aliases", source: Self.aliases, language: "c", in: directory)
        try Self.expectSameFolds(data, directory: directory)
        let leaves = Set(try CLI.run(["fold", data]).text.split(separator: "\n").compactMap {
            $0.split(separator: " ").first?.split(separator: ";").last.map(String.init)
        })
        for name in ["__impl_sum", "compute_v2", "x_twice", "exported_fn"] { #expect(leaves.contains(name), "\(leaves)") }
    }

    @Test func pipeModeRecordingReads() throws {
        let directory = try CLI.temporaryDirectory()
        let data = directory.appendingPathComponent("pipe.data").path
        let sourcePath = directory.appendingPathComponent("pipe.c").path
        let binary = directory.appendingPathComponent("pipe").path
        try Self.singleThreaded.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        try #require(try Self.tool(["gcc", "-O2", "-g", "-fno-omit-frame-pointer", "-o", binary, sourcePath]).status == 0)
        let recorded = try Self.tool(["perf", "record", "-q", "-g", "-e", "cpu-clock:u", "-o", "-", binary], stdoutTo: data)
        try #require(recorded.status == 0, "\(recorded.err)")
        try Self.expectSameFolds(data, directory: directory)
    }

    @Test func unsupportedRecordingsSaySo() throws {
        let directory = try CLI.temporaryDirectory()
        let compressed = directory.appendingPathComponent("z.data").path
        _ = try Self.record("z", source: Self.singleThreaded, language: "c", in: directory,
                            extraRecordArguments: ["-z"], output: compressed)
        let zstd = try CLI.run(["fold", compressed])
        #expect(zstd.status == 2)
        #expect(zstd.stderr.contains("perf record -z"), "\(zstd.stderr)")
        #expect(zstd.stderr.contains("byte "))
    }

    /// `--call-graph dwarf`: the user stacks unwound here equal perf's own unwinding, threads and all.
    @Test func dwarfRecordingsFoldLikePerfScript() throws {
        let directory = try CLI.temporaryDirectory()
        for (name, source) in [("dwarf-single", Self.singleThreaded), ("dwarf-threads", Self.multiThreaded)] {
            // A larger buffer than perf's default: 8 kB stack copies at full rate can overrun it on a busy machine.
            let data = try Self.record(name, source: source, language: "c", in: directory,
                                       extraRecordArguments: ["--call-graph", "dwarf,8192", "-m", "512"])
            try Self.expectSameFolds(data, directory: directory)
            let folded = try CLI.run(["fold", data])
            // Nothing to warn about but what perf itself lost while recording (it says so in LOST records, and the
            // reader passes that on): a property of the machine's load, not of the reading.
            let warnings = folded.stderr.split(separator: "\n").filter { !$0.contains("(LOST records)") }
            #expect(warnings.isEmpty, "\(folded.stderr)")
            #expect(folded.text.contains(";main;"), "\(folded.text)")
        }
    }

    /// A stack copy's sizes that disagree with its record: larger than the record is an error naming the byte
    /// offset; a `dyn_size` larger than the copy is clamped with one warning.
    @Test func dwarfStackSizesThatDisagreeWithTheirRecord() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("sizes", source: Self.singleThreaded, language: "c", in: directory,
                                   extraRecordArguments: ["--call-graph", "dwarf,4096"])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: data)))
        func u64(_ at: Int) -> UInt64 { (0 ..< 8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        func setU64(_ array: inout [UInt8], _ at: Int, _ value: UInt64) {
            for i in 0 ..< 8 { array[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        // The first sample record: its stack copy (size, 4096 bytes, dyn_size) is followed by at most a few u64
        // fields (DATA_SRC here).
        var position = Int(u64(40)), sizeField = -1
        let end = position + Int(u64(48))
        while position + 8 <= end && sizeField < 0 {
            let type = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            let size = Int(bytes[position + 6]) | Int(bytes[position + 7]) << 8
            for trailing in stride(from: 0, through: 32, by: 8) where type == 9 && size > 4096 + 16 + trailing {
                let candidate = position + size - trailing - 16 - 4096
                if u64(candidate) == 4096 && u64(candidate + 8 + 4096) <= 4096 {
                    sizeField = candidate
                    break
                }
            }
            position += max(size, 8)
        }
        try #require(sizeField > 0, "no sample with a 4096-byte stack copy")

        var overstated = bytes
        setU64(&overstated, sizeField + 8 + 4096, 9000)  // dyn_size
        let overstatedPath = directory.appendingPathComponent("overstated.data").path
        try Data(overstated).write(to: URL(fileURLWithPath: overstatedPath))
        let clamped = try CLI.run(["fold", overstatedPath])
        #expect(clamped.status == 0, "\(clamped.stderr)")
        #expect(clamped.stderr.contains("1 samples claim more valid stack (dyn_size) than their copy holds"),
                "\(clamped.stderr)")

        setU64(&bytes, sizeField, 1 << 20)  // a copy larger than its record
        let oversizedPath = directory.appendingPathComponent("oversized.data").path
        try Data(bytes).write(to: URL(fileURLWithPath: oversizedPath))
        let refused = try CLI.run(["fold", oversizedPath])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("user stack copy") && refused.stderr.contains("byte \(sizeField + 8)"),
                "\(refused.stderr)")
    }

    /// Damaged stack copies and registers, and a binary whose `.eh_frame` is garbage: stacks end where the
    /// unwinding cannot go on, never a crash or a hang.
    @Test func damagedDwarfStacksAndCallFrameInformation() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("hostile", source: Self.singleThreaded, language: "c", in: directory,
                                   extraRecordArguments: ["--call-graph", "dwarf,4096"])
        let whole = try Data(contentsOf: URL(fileURLWithPath: data))
        var generator = SystemRandomNumberGenerator()
        for round in 0 ..< 8 {
            var bytes = [UInt8](whole)
            // Samples are nearly all stack copy: most flips land in the stacks and registers.
            for _ in 0 ..< 64 {
                bytes[Int.random(in: 104 ..< bytes.count, using: &generator)] = UInt8.random(in: 0 ... 255, using: &generator)
            }
            let path = directory.appendingPathComponent("hostile-\(round).data").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try CLI.run(["fold", path])
            #expect(result.status == 0 || result.status == 2, "round \(round): status \(result.status) \(result.stderr)")
            if result.status == 2 { #expect(result.stderr.contains("byte "), "\(result.stderr)") }
        }
        // The program's call-frame information overwritten (the build-id note is elsewhere, so the copy is used).
        let binary = directory.appendingPathComponent("hostile").path
        let sections = try Self.tool(["readelf", "-SW", binary])
        let line = try #require(sections.out.split(separator: "\n").first { $0.contains(" .eh_frame ") })
        let fields = line.split(separator: " ")
        let name = try #require(fields.firstIndex(of: ".eh_frame"))
        let offset = try #require(Int(fields[name + 3], radix: 16)), size = try #require(Int(fields[name + 4], radix: 16))
        var program = [UInt8](try Data(contentsOf: URL(fileURLWithPath: binary)))
        for index in offset ..< offset + size { program[index] = UInt8.random(in: 0 ... 255, using: &generator) }
        let copies = directory.appendingPathComponent("hostile-bin")
        try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true)
        try Data(program).write(to: copies.appendingPathComponent("hostile"))
        let result = try CLI.run(["fold", "--binary-path", copies.path, data])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text.contains("hostile;"), "\(result.text)")
    }

    @Test func eventsAreSampleTypesAndSelectable() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("events", source: Self.singleThreaded, language: "c", in: directory,
                                   extraRecordArguments: ["-e", "task-clock:u"])
        let json = try CLI.run(["convert", "--to", "json", data])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        let types = (object?["sampleTypes"] as? [[String: String]])?.compactMap { $0["type"] }
        #expect(types == ["cpu-clock", "task-clock", "cpu-clock samples", "task-clock samples"])
        let onlyTask = try CLI.run(["fold", "--event", "task-clock", data])
        #expect(onlyTask.status == 0)
        #expect(!onlyTask.text.isEmpty)
        let unknown = try CLI.run(["fold", "--event", "cycles", data])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no event or sample type 'cycles'"), "\(unknown.stderr)")
    }

    /// Truncated and corrupted recordings: a clear error naming a byte offset, or a result, never a crash or a
    /// hang.
    @Test func damagedRecordingsGiveErrorsNotCrashes() throws {
        let directory = try CLI.temporaryDirectory()
        let data = try Self.record("damaged", source: Self.singleThreaded, language: "c", in: directory)
        let whole = try Data(contentsOf: URL(fileURLWithPath: data))
        var cuts = [9, 40, 104, 200, whole.count / 3, whole.count / 2, whole.count - 5]
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 6 { cuts.append(Int.random(in: 8 ..< whole.count, using: &generator)) }
        for cut in cuts {
            let path = directory.appendingPathComponent("cut-\(cut).data").path
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            let result = try CLI.run(["fold", "--symbolize", "none", path])
            #expect(result.status == 2, "cut at \(cut): \(result.stderr)")
            #expect(result.stderr.contains("byte "), "cut at \(cut): \(result.stderr)")
        }
        for round in 0 ..< 12 {
            var bytes = [UInt8](whole)
            for _ in 0 ..< 8 {
                let at = Int.random(in: 8 ..< bytes.count, using: &generator)
                bytes[at] = UInt8.random(in: 0 ... 255, using: &generator)
            }
            let path = directory.appendingPathComponent("flipped-\(round).data").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try CLI.run(["fold", "--symbolize", "none", path])
            #expect(result.status == 0 || result.status == 2, "round \(round): status \(result.status) \(result.stderr)")
            if result.status == 2 { #expect(result.stderr.contains("perf.data"), "\(result.stderr)") }
        }
    }
}
