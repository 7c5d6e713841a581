import Foundation
import PyrometerTestSupport
import Testing

/// Kernel frames of perf.data read directly: named from this machine's /proc/kallsyms when the recording's kernel
/// is this one, from perf's build-id cache (`[kernel.kallsyms]/BUILDID/kallsyms` under `$PERF_BUILDID_DIR` or
/// `$HOME/.debug`) when it is another, else left unnamed with a warning that says what to do. "Another host's
/// recording" is a recording made here whose kernel build-id is changed in its BUILD_ID feature section.
@Suite(.serialized, ExternalTool.perf.needed, ExternalTool.gcc.needed) struct KernelSymbolsCLITests {
    /// A program that spends its time in system calls, so that most samples have kernel frames.
    static let syscalls = """
        #include <fcntl.h>
        #include <unistd.h>
        __attribute__((noinline)) void churn(int fd, long n) {
            char buffer[64] = {0};
            for (long i = 0; i < n; i++) { write(fd, buffer, sizeof buffer); getppid(); }
        }
        int main(void) { int fd = open("/dev/null", O_WRONLY); churn(fd, 400000); return 0; }
        """

    /// This machine's /proc/kallsyms, read to its end (its size shows as 0; `String(contentsOfFile:)` reads it
    /// short).
    static func procKallsyms() throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/kallsyms"))
        defer { try? handle.close() }
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// Root sees kallsyms addresses; without privilege they are all zero and kernel frames cannot be named.
    static let kallsymsHasAddresses: Bool = {
        guard let text = try? procKallsyms() else { return false }
        return text.split(separator: "\n", maxSplits: 200).prefix(200).contains {
            guard let address = $0.split(separator: " ").first else { return false }
            return UInt64(address, radix: 16).map { $0 != 0 } ?? false
        }
    }()

    /// perf can record kernel and user call chains here (perf installed, perf_event_paranoid allows it).
    static let perfCanRecord: Bool = {
        let data = FileManager.default.temporaryDirectory
            .appendingPathComponent("pyrometer-probe-\(UUID().uuidString).data")
        defer { try? FileManager.default.removeItem(at: data) }
        let result = try? PerfDataCLITests.tool(["perf", "record", "-q", "-N", "-g", "-e", "cpu-clock",
                                                 "-o", data.path, "--", "true"])
        return result?.status == 0
    }()

    /// Runs the built `pyrometer` with `PERF_BUILDID_DIR` unset and the given environment variables set.
    static func pyrometer(_ arguments: [String], environment: [String: String]) throws -> CLI.Result {
        let executable = CLI.executable.path
        try #require(FileManager.default.isExecutableFile(atPath: executable), "no pyrometer at \(executable)")
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try CLI.run(["-u", "PERF_BUILDID_DIR"] + assignments + [executable] + arguments, tool: true)
    }

    /// The bytes of the kernel's build-id in a perf.data file: the `[kernel.kallsyms]` entry of the BUILD_ID
    /// feature section (feature bit 2), found through the header's feature section table (after the data section,
    /// one `perf_file_section` per feature bit set, in bit order).
    static func kernelBuildIDRange(in bytes: [UInt8]) throws -> Range<Int> {
        func u64(_ at: Int) -> Int {
            Int(bytes[at ..< at + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        try #require(bytes.count >= 104 && bytes.prefix(8).elementsEqual("PERFILE2".utf8))
        try #require(u64(8) == 104, "not a file-mode recording")
        let dataEnd = u64(40) + u64(48)
        var matches: [Range<Int>] = []
        var sectionIndex = 0
        for bit in 0 ..< 256 where bytes[72 + bit / 8] >> (bit % 8) & 1 == 1 {
            defer { sectionIndex += 1 }
            guard bit == 2 else { continue }
            let entry = dataEnd + sectionIndex * 16
            let start = u64(entry), end = start + u64(entry + 8)
            try #require(end <= bytes.count)
            var position = start
            // struct perf_record_header_build_id: header (8), pid (4), build_id[24] (20 bytes of id, its size,
            // padding), then the file name.
            while position + 36 <= end {
                let misc = u16(position + 4), size = u16(position + 6)
                try #require(size >= 36 && position + size <= end)
                let name = bytes[(position + 36) ..< (position + size)].prefix { $0 != 0 }
                if name.elementsEqual("[kernel.kallsyms]".utf8) {
                    let length = misc & 0x8000 != 0 ? Int(bytes[position + 32]) : 20
                    try #require((1 ... 20).contains(length))
                    matches.append((position + 12) ..< (position + 12 + length))
                }
                position += size
            }
        }
        try #require(matches.count == 1, "\(matches.count) kernel build-id entries")
        return matches[0]
    }

    /// /proc/kallsyms with every address moved by `slide`: the kallsyms of the same kernel after another boot
    /// (KASLR).
    static func slidKallsyms(by slide: UInt64) throws -> String {
        let text = try procKallsyms()
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " "), let address = UInt64(line[..<space], radix: 16) else {
                continue
            }
            let moved = String(address &+ slide, radix: 16)
            out += String(repeating: "0", count: max(0, 16 - moved.count)) + moved + line[space...] + "\n"
        }
        return out
    }

    @Test(.enabled(if: KernelSymbolsCLITests.kallsymsHasAddresses,
                   "/proc/kallsyms shows zero addresses (not root): kernel frames cannot be named"),
          .enabled(if: KernelSymbolsCLITests.perfCanRecord,
                   "perf cannot record here (not installed, or perf_event_paranoid forbids it)"))
    func anotherHostsKernelIsNamedFromTheBuildIDCache() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("syscalls.c").path
        let binary = directory.appendingPathComponent("syscalls").path
        try Self.syscalls.write(toFile: source, atomically: true, encoding: .utf8)
        let compiled = try PerfDataCLITests.tool(["gcc", "-O2", "-g", "-fno-omit-frame-pointer", "-o", binary,
                                                  source])
        try #require(compiled.status == 0, "\(compiled.err)")
        // -N: the build-ids go into the recording, but this machine's ~/.debug is left alone.
        let original = directory.appendingPathComponent("here.data").path
        let recorded = try PerfDataCLITests.tool(["perf", "record", "-q", "-N", "-g", "-e", "cpu-clock",
                                                  "-o", original, "--", binary])
        try #require(recorded.status == 0, "\(recorded.err)")

        // Another host's recording: the same file with another kernel build-id.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        let range = try Self.kernelBuildIDRange(in: bytes)
        for index in range { bytes[index] ^= 0xA5 }
        let otherID = bytes[range].map { String(format: "%02x", $0) }.joined()
        let other = directory.appendingPathComponent("there.data").path
        try Data(bytes).write(to: URL(fileURLWithPath: other))

        let emptyHome = directory.appendingPathComponent("empty-home")
        try FileManager.default.createDirectory(at: emptyHome, withIntermediateDirectories: true)
        let home = directory.appendingPathComponent("home")
        let cached = home.appendingPathComponent(".debug/[kernel.kallsyms]/\(otherID)")
        try FileManager.default.createDirectory(at: cached, withIntermediateDirectories: true)
        let kallsyms = try Self.procKallsyms()
        try #require(kallsyms.utf8.count > 1 << 16, "/proc/kallsyms read short: \(kallsyms.utf8.count) bytes")
        try kallsyms.write(to: cached.appendingPathComponent("kallsyms"), atomically: true, encoding: .utf8)

        // This machine's kernel: named from /proc/kallsyms, whatever the build-id cache holds.
        let here = try Self.pyrometer(["fold", "--kernel", original], environment: ["HOME": emptyHome.path])
        #expect(here.status == 0, "\(here.stderr)")
        #expect(!here.stderr.contains("warning"), "\(here.stderr)")
        let kernelFrames = here.text.split(separator: "\n").filter { $0.contains("_[k]") }
        #expect(kernelFrames.count > 0, "no kernel frames:\n\(here.text)")
        #expect(!here.text.contains("[kernel.kallsyms]"), "unnamed kernel frames:\n\(here.text)")

        // Another kernel, whose kallsyms is in $HOME/.debug: the same names, no warning.
        let fromHome = try Self.pyrometer(["fold", "--kernel", other], environment: ["HOME": home.path])
        #expect(fromHome.status == 0)
        #expect(!fromHome.stderr.contains("warning"), "\(fromHome.stderr)")
        #expect(fromHome.text == here.text)

        // ... or in $PERF_BUILDID_DIR, saved after another boot (every address 2 MiB higher, `_text` too): the
        // recorded `_text` address relocates it.
        let buildIDDirectory = directory.appendingPathComponent("buildid-dir")
        let slid = buildIDDirectory.appendingPathComponent("[kernel.kallsyms]/\(otherID)")
        try FileManager.default.createDirectory(at: slid, withIntermediateDirectories: true)
        try Self.slidKallsyms(by: 0x20_0000).write(to: slid.appendingPathComponent("kallsyms"), atomically: true,
                                                     encoding: .utf8)
        let fromDirectory = try Self.pyrometer(["fold", "--kernel", other], environment: [
            "HOME": emptyHome.path, "PERF_BUILDID_DIR": buildIDDirectory.path,
        ])
        #expect(fromDirectory.status == 0)
        #expect(!fromDirectory.stderr.contains("warning"), "\(fromDirectory.stderr)")
        #expect(fromDirectory.text == here.text)

        // No cache: unnamed, with a warning naming the build-id, where it looked, and what to do next.
        let missing = try Self.pyrometer(["fold", "--kernel", other], environment: ["HOME": emptyHome.path])
        #expect(missing.status == 0)
        #expect(missing.stderr.contains("warning: kernel frames unnamed"), "\(missing.stderr)")
        #expect(missing.stderr.contains("(build-id \(otherID))"), "\(missing.stderr)")
        let lookedFor = emptyHome.path + "/.debug/[kernel.kallsyms]/\(otherID)/kallsyms"
        #expect(missing.stderr.contains("looked for \(lookedFor)"), "\(missing.stderr)")
        #expect(missing.stderr.contains("perf archive there.data"), "\(missing.stderr)")
        #expect(missing.stderr.contains("--kallsyms"), "\(missing.stderr)")
        #expect(missing.text.contains("[kernel.kallsyms]"))
        #expect(missing.text != here.text)

        // --kallsyms still comes first.
        let given = try Self.pyrometer(["fold", "--kernel", "--kallsyms", "/proc/kallsyms", other],
                                       environment: ["HOME": emptyHome.path])
        #expect(given.status == 0)
        #expect(!given.stderr.contains("warning"), "\(given.stderr)")
        #expect(given.text == here.text)
    }
}
