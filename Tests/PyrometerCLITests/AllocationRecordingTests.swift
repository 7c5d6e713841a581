import Foundation
import PyrometerTestSupport
import Testing

/// The allocation corpus's program recorded here, now (Tests/Fixtures/alloc/README.md): exact sources give exact,
/// repeatable counts.
@Suite(.serialized) struct AllocationRecordingTests {
    static let source = "Tests/Fixtures/alloc/src/sites.cpp"
    static let sampleTypes = ["alloc_space", "alloc_objects", "peak_space", "peak_objects", "end_space", "end_objects"]

    static func build(_ directory: URL, percent: Int = 100) throws -> String {
        let binary = directory.appendingPathComponent("sites-\(percent)").path
        let built = try CLI.run(["g++", "-O2", "-g", "-DSITE_B_PERCENT=\(percent)", "-o", binary, source], tool: true)
        try #require(built.status == 0, "\(built.stderr)")
        return binary
    }

    static func dhat(_ binary: String, to output: String) throws {
        let recorded = try CLI.run(["valgrind", "-q", "--tool=dhat", "--dhat-out-file=" + output, binary], tool: true)
        try #require(recorded.status == 0, "\(recorded.stderr)")
    }

    /// `stack → value` of one sample type.
    static func folded(_ file: String, _ type: String) throws -> [String: Int] {
        let result = try CLI.run(["fold", "--event", type, file])
        try #require(result.status == 0, "\(result.stderr)")
        var stacks: [String: Int] = [:]
        for line in result.text.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let value = Int(line[line.index(after: space)...]) else { continue }
            stacks[String(line[..<space]), default: 0] += value
        }
        return stacks
    }

    @Test(ExternalTool.valgrind.needed, ExternalTool.gxx.needed)
    func dhatTwiceGivesTheSameExactProfile() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try Self.build(directory)
        let first = directory.appendingPathComponent("first.json").path
        let second = directory.appendingPathComponent("second.json").path
        try Self.dhat(binary, to: first)
        try Self.dhat(binary, to: second)
        for type in Self.sampleTypes {
            #expect(try Self.folded(first, type) == Self.folded(second, type), "\(type)")
        }
        let objects = try Self.folded(first, "alloc_objects")
        #expect(objects["main;site_a"] == 1000)
        #expect(objects["main;site_b"] == 500)
        #expect(objects["main;site_c;fresh_buffer_[i]"] == 200)
        #expect(try Self.folded(first, "end_space") == ["main;site_c;fresh_buffer_[i]": 51_200])
    }

    @Test(ExternalTool.heaptrack.needed, ExternalTool.gxx.needed)
    func heaptrackTwiceGivesTheSameExactProfile() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try Self.build(directory)
        var files: [String] = []
        for run in ["first", "second"] {
            let output = directory.appendingPathComponent(run).path
            let recorded = try CLI.run(["heaptrack", "-o", output, binary], tool: true)
            try #require(recorded.status == 0, "\(recorded.stderr)")
            files.append(output + ".zst")  // heaptrack appends the compression's suffix
        }
        for type in Self.sampleTypes {
            #expect(try Self.folded(files[0], type) == Self.folded(files[1], type), "\(type)")
        }
        // The stacks run from _start through main: the same sites as DHAT's.
        let objects = try Self.folded(files[0], "alloc_objects")
        #expect(objects.first { $0.key.hasSuffix(";main;site_b") }?.value == 500)
        #expect(objects.first { $0.key.hasSuffix(";main;site_c;fresh_buffer_[i]") }?.value == 200)
    }

    /// `record --alloc` with each profiler: the profile reads back with the corpus's exact counts, both tools agree
    /// (the gate sees no growth between them), and a failing program fails the command with its own status.
    @Test(ExternalTool.heaptrack.needed, ExternalTool.valgrind.needed, ExternalTool.gxx.needed)
    func recordAllocWithEitherProfiler() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try Self.build(directory, percent: 130)
        let heaptrack = directory.appendingPathComponent("run.zst").path
        let dhat = directory.appendingPathComponent("run.json").path
        let first = try CLI.run(["record", "--alloc", "--tool", "heaptrack", "-o", heaptrack, "--", binary])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("1853 allocations"), "\(first.stderr)")
        let second = try CLI.run(["record", "--alloc", "--tool", "dhat", "-o", dhat, "--", binary])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.folded(dhat, "alloc_objects")["main;site_b"] == 650)
        let gate = try CLI.run(["gate", heaptrack, dhat, "--max-alloc-growth", "0%", "--format", "text"])
        #expect(gate.status == 0, "\(gate.text)")
        // The program's exit status is the command's (valgrind passes it on; so does heaptrack's script).
        let failing = try CLI.run(["record", "--alloc", "--tool", "dhat", "-o",
                                   directory.appendingPathComponent("f.json").path, "--", "/bin/sh", "-c", "exit 3"])
        #expect(failing.status == 3, "\(failing.stderr)")
        #expect(try CLI.run(["record", "--alloc"]).status == 2)
    }
}
