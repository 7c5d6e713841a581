import Foundation
import PyrometerTestSupport
import Testing

/// The corpus's `--call-graph dwarf` recordings, unwound here with libdw, against perf's own unwinding of the same
/// files (perf 6.1 with libunwind, in `noinline.perf.txt`): the same stacks with the same weights, up to what
/// docs/unwinding.md lists as perf's quirks:
/// - perf ends some stacks with a frame at `ffffffffffffffff` (a zero return address minus one), folded as a
///   `[unknown]` root; Pyrometer ends the stack at the zero return address;
/// - perf never reads the last 8 bytes of a stack copy (`access_mem`'s `addr + 8 >= end`), so where a copy ends
///   just after a saved return address perf stops one frame short: Pyrometer's stack has one more frame at its root;
/// - an address no symbol covers is `[module]` in perf's text and `module+0xOFFSET` from perf.data;
/// - perf names PLT stubs by relocation index, wrongly in glibc; stubs compare as `@plt`.
@Suite struct DwarfUnwindingCorpusTests {
    static let recordings = ["c-clang-inline-dwarf", "cpp-templates", "rust-generics", "swift-generics"]
    /// The library the Python recording's interpreter ran (a pyenv build, as make-real-corpus.sh uses): too large
    /// for the repository, so its frames unwind only on a machine that has it.
    static let libpython = "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"

    @Test(arguments: recordings)
    func unwindsAsPerfDoes(_ name: String) throws {
        try Self.compare(name)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: libpython),
                   "needs CPython 3.12.1's libpython3.12.so.1.0 at /root/.pyenv/versions/3.12.1/lib"))
    func pythonUnwindsAsPerfDoes() throws {
        try Self.compare("python312-perf")
        // The Python functions sit below the interpreter's frames: found only by unwinding.
        let python = try #require(RealCorpusTests.cases.first { $0.name == "python312-perf" })
        let recording = ["\(RealCorpusTests.directory(python.name))/perf.data.gz"] + (try RealCorpusTests.lookup(python.name))
        #expect(try RealCorpusTests.findings(recording).flagged == python.flagged)
    }

    /// Folded stacks → weight.
    static func folded(_ arguments: [String]) throws -> [String: Int] {
        try folded(try CLI.run(arguments), arguments)
    }

    static func folded(_ result: CLI.Result, _ arguments: [String]) throws -> [String: Int] {
        try #require(result.status == 0, "\(arguments): \(result.stderr)")
        var stacks: [String: Int] = [:]
        for line in result.text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let weight = Int(line[line.index(after: space)...]) else {
                Issue.record("not a folded line: \(line)")
                continue
            }
            stacks[String(line[..<space]), default: 0] += weight
        }
        return stacks
    }

    /// `comm;frames`: the frames after the process name.
    static func split(_ stack: String) -> (comm: Substring, frames: [Substring]) {
        let parts = stack.split(separator: ";", omittingEmptySubsequences: false)
        return (parts[0], Array(parts.dropFirst()))
    }

    static func join(_ comm: Substring, _ frames: some Sequence<Substring>) -> String {
        ([comm] + frames).joined(separator: ";")
    }

    static func compare(_ name: String) throws {
        let dir = RealCorpusTests.directory(name)
        let lookup = try RealCorpusTests.lookup(name)
        defer { try? FileManager.default.removeItem(atPath: RealCorpusTests.temporary(name)) }
        // The recordings unwind through this machine's libc, ld.so and language runtimes, as recorded: on a machine
        // whose libraries are other builds there is nothing to compare.
        let arguments = ["fold", "--no-inline", "\(dir)/perf.data.gz"] + lookup
        let probe = try CLI.run(arguments)
        if let mismatch = probe.stderr.split(separator: "\n").first(where: { $0.contains("differs from the profile's") }) {
            try Test.cancel("\(name): this machine's libraries are not the recording's: \(mismatch)")
        }
        let unwound = try folded(probe, arguments)
        let perf = try folded(["fold", "--no-inline", "\(dir)/noinline.perf.txt.gz"])

        var ours: [String: Int] = [:]
        for (stack, weight) in unwound {
            let (comm, frames) = split(stack)
            ours[join(comm, frames.map(PerfDataCLITests.comparable)), default: 0] += weight
        }
        var theirs: [String: Int] = [:]
        for (stack, weight) in perf {
            let (comm, frames) = split(stack)
            let named = (frames.first == "[unknown]" ? frames.dropFirst() : frames[...]).map(PerfDataCLITests.comparable)
            theirs[join(comm, named), default: 0] += weight
        }
        for (stack, weight) in ours {
            let common = min(weight, theirs[stack] ?? 0)
            ours[stack]! -= common
            theirs[stack, default: 0] -= common
        }
        // A stack of ours one frame longer at the root than one of perf's: perf's short read at the copy's end.
        var longer = 0
        for (stack, weight) in ours where weight > 0 {
            let (comm, frames) = split(stack)
            let shorter = join(comm, frames.dropFirst())
            let matched = min(weight, theirs[shorter] ?? 0)
            guard matched > 0 else { continue }
            ours[stack]! -= matched
            theirs[shorter]! -= matched
            longer += matched
        }
        let total = unwound.values.reduce(0, +)
        let onlyOurs = ours.filter { $0.value != 0 }, onlyPerf = theirs.filter { $0.value != 0 }
        #expect(onlyOurs.isEmpty && onlyPerf.isEmpty,
                "\(name): stacks only from perf.data: \(onlyOurs.keys.sorted()); only from perf's text: \(onlyPerf.keys.sorted())")
        #expect(longer * 50 <= total, "\(name): \(longer) of \(total) unwound one frame past perf")
        #expect(total == perf.values.reduce(0, +), "\(name): total weight")
        // Unwound frames do not lose their place: with inline frames, the folded stacks without them are the same.
        let withInline = try folded(["fold", "\(dir)/perf.data.gz"] + lookup)
        var stripped: [String: Int] = [:]
        for (stack, weight) in withInline {
            let (comm, frames) = split(stack)
            stripped[join(comm, frames.filter { !$0.hasSuffix("_[i]") }), default: 0] += weight
        }
        #expect(stripped == unwound, "\(name): inline frames added to the unwound stacks")
    }
}
