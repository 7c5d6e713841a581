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
        // heaptrack's own hint names the file it wrote, since renamed: what the user reads names the real one.
        #expect(first.stderr.contains("heaptrack --analyze \"\(heaptrack)\""), "\(first.stderr)")
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

    /// heaptrack: a failing program's status is the command's, whether or not the profile reads back (heaptrack
    /// writes no header for a program that allocated nothing); an unreadable one is a warning, not the reason.
    @Test(ExternalTool.heaptrack.needed, ExternalTool.python.needed)
    func heaptrackPassesOnTheProgramsStatus() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nothing = directory.appendingPathComponent("f.zst").path
        let empty = try CLI.run(["record", "--alloc", "--tool", "heaptrack", "-o", nothing, "--",
                                 "/bin/sh", "-c", "exit 3"])
        #expect(empty.status == 3, "\(empty.stderr)")
        #expect(empty.stderr.contains("warning: heaptrack recorded nothing readable"), "\(empty.stderr)")
        #expect(empty.stderr.contains("the program exited with status 3") && !empty.stderr.contains("error:"),
                "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: nothing)
                && !FileManager.default.fileExists(atPath: nothing + ".recording.zst"))
        // A program that allocated and then failed: its profile is kept, its status passed on.
        let kept = directory.appendingPathComponent("kept.zst").path
        let failing = try CLI.run(["record", "--alloc", "--tool", "heaptrack", "-o", kept, "--",
                                   "/usr/bin/env", "python3", "-c", "import sys; sys.exit(5)"])
        #expect(failing.status == 5, "\(failing.stderr)")
        #expect(failing.stderr.contains("(heaptrack) -> \(kept)") && !failing.stderr.contains("warning"),
                "\(failing.stderr)")
        #expect(try !Self.folded(kept, "alloc_objects").isEmpty)
        // A program that ran, allocated nothing and succeeded: no profile is still an error.
        let succeeded = try CLI.run(["record", "--alloc", "--tool", "heaptrack", "-o", nothing, "--",
                                     "/bin/sh", "-c", "exit 0"])
        #expect(succeeded.status == 2 && succeeded.stderr.contains("error: heaptrack recorded nothing readable"),
                "\(succeeded.stderr)")
    }

    /// `perf probe -l`'s probes in the recorder's groups (`pyrometer_alloc_PID`), by group.
    static func probeGroups() throws -> Set<String> {
        let listed = try CLI.run(["perf", "probe", "-l"], tool: true)
        return Set(listed.text.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.flatMap { $0.split(separator: ":").first.map(String.init) }
        }.filter { $0.hasPrefix("pyrometer_alloc") })
    }

    /// Adds one malloc probe in `group`, as a recording of process `pid` would.
    static func addProbe(pid: Int32) throws -> String {
        let libc = try #require(["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6",
                                 "/usr/lib64/libc.so.6"].first { FileManager.default.fileExists(atPath: $0) })
        #if arch(x86_64)
        let register = "%di"
        #else
        let register = "%x0"
        #endif
        let group = "pyrometer_alloc_\(pid)"
        let added = try CLI.run(["perf", "probe", "-q", "-x", libc,
                                 "\(group):pyrometer_malloc_\(pid)=__libc_malloc size=\(register):u64"], tool: true)
        try #require(added.status == 0, "\(added.stderr)")
        return group
    }

    /// Two `record --alloc --tool perf` at once on one host each keep their own probes (they once shared one group,
    /// which each run removed before and after recording), both count exactly, and each removes only its own
    /// probes: another live run's stay, a dead run's are cleared.
    @Test(ExternalTool.uprobes.needed, ExternalTool.gxx.needed)
    func concurrentPerfRecordingsKeepTheirOwnProbes() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binaries = [try Self.build(directory, percent: 100), try Self.build(directory, percent: 130)]
        // A live recording's group (this test process's id) and a dead one's (a process that has exited).
        let live = try Self.addProbe(pid: getpid())
        defer { _ = try? CLI.run(["perf", "probe", "-q", "-d", "\(live):*"], tool: true) }
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let stale = try Self.addProbe(pid: exited.processIdentifier)
        defer { _ = try? CLI.run(["perf", "probe", "-q", "-d", "\(stale):*"], tool: true) }

        final class Results: @unchecked Sendable { var runs = [CLI.Result?](repeating: nil, count: 2) }
        let results = Results(), lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            // The first run's program starts late, so that the second adds its probes while the first records.
            let output = directory.appendingPathComponent("run-\(index).pb.gz").path
            let delay = index == 0 ? "sleep 2; " : "sleep 1; "
            let result = try? CLI.run(["record", "--alloc", "--tool", "perf", "-o", output, "--",
                                       "/bin/sh", "-c", delay + "exec \"$0\"", binaries[index]])
            lock.lock(); results.runs[index] = result; lock.unlock()
        }
        for (index, expected) in [500, 650].enumerated() {
            let run = try #require(results.runs[index])
            #expect(run.status == 0, "run \(index): \(run.stderr)")
            let output = directory.appendingPathComponent("run-\(index).pb.gz").path
            let objects = try Self.folded(output, "alloc_objects")
            #expect(objects.filter { $0.key.hasSuffix(";main;site_b") }.values.reduce(0, +) == expected, "run \(index)")
        }
        // What is left is the live group, and any other recording's still running (another suite's, a user's).
        let left = try Self.probeGroups()
        #expect(left.contains(live) && !left.contains(stale), "\(left)")
        let running = left.filter { group in
            Int32(group.dropFirst("pyrometer_alloc_".count)).map { kill($0, 0) == 0 } ?? false
        }
        #expect(left == running, "\(left)")
    }

    /// SIGTERM to `record` alone while perf records: perf is stopped, the probes removed, and the command ends by
    /// the signal.
    @Test(ExternalTool.uprobes.needed)
    func interruptedPerfRecordingRemovesItsProbes() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["record", "--alloc", "--tool", "perf", "-o",
                             directory.appendingPathComponent("i.pb.gz").path, "--", "/bin/sleep", "30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let group = "pyrometer_alloc_\(process.processIdentifier)"
        let deadline = Date().addingTimeInterval(30)
        while try !Self.probeGroups().contains(group) && Date() < deadline { usleep(100_000) }
        try #require(try Self.probeGroups().contains(group))
        sleep(1)  // perf record under way
        let started = Date()
        process.terminate()
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        let left = try Self.probeGroups()
        #expect(!left.contains(group), "\(left)")
    }
}
