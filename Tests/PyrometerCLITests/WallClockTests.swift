import Foundation
import PyrometerTestSupport
import Testing

/// The wall-clock corpus (Tests/Fixtures/wall, made by scripts/make-wall-corpus.sh): a main thread that burns CPU
/// in `burn`, sleeps in `nap` and waits on a mutex in `wait_for_lock`, measuring its own phases
/// (`wallclock.measured.txt`), recorded with sched_switch and cpu-clock. Read as perf.data and as `perf script` text with and
/// without inline frames, the main thread's wall shares match the program's own within 3 points, the three are
/// flagged at 10% of wall time, and only `burn` is on the CPU.
@Suite struct WallClockTests {
    static let corpus = CLI.repository.appendingPathComponent("Tests/Fixtures/wall").path
    static let lookup = ["--binary-path", corpus + "/bin"]
    static let paths = ["wallclock.perf.data.zst", "wallclock.perf.txt.zst", "wallclock.noinline.perf.txt.zst"]

    /// The program's own shares, in percent: `wall 4.053 s: burn 24.7% nap 49.8% wait_for_lock 25.2% ...`.
    static func measured() throws -> [String: Double] {
        let text = try String(contentsOfFile: corpus + "/wallclock.measured.txt", encoding: .utf8)
        var shares: [String: Double] = [:]
        let words = text.split(separator: " ")
        for (index, word) in words.enumerated() where word.hasSuffix("%") && index > 0 {
            shares[String(words[index - 1])] = Double(word.dropLast())
        }
        try #require(shares.count >= 3, "\(text)")
        return shares
    }

    /// The thread that runs `main` (root frames of `fold --tid` are `comm-PID/TID`; perf script prints no pid
    /// here, so the tid is the way).
    static func mainThread(_ file: String) throws -> String {
        let folded = try CLI.run(["fold", "--tid", "--event", "wall", file] + lookup)
        try #require(folded.status == 0, "\(folded.stderr)")
        for line in folded.text.split(separator: "\n") where line.contains(";main;") {
            guard let root = line.split(separator: ";").first, let slash = root.lastIndex(of: "/") else { continue }
            return String(root[root.index(after: slash)...])
        }
        Issue.record("no main thread in \(file)")
        return ""
    }

    static func hotspots(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try CLI.run(["hotspots", "--format", "json"] + arguments + lookup)
        try #require(result.status == 0, "\(arguments): \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        return try #require(object["functions"] as? [[String: Any]])
    }

    @Test(arguments: paths)
    func wallSharesMatchTheProgramsOwn(_ path: String) throws {
        let file = "\(Self.corpus)/\(path)"
        let tid = try Self.mainThread(file)
        let functions = try Self.hotspots(["--thread", tid, file])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }
        let byName = Dictionary(flagged.map { ($0["name"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byName.keys) == ["burn", "nap", "wait_for_lock"], "\(path): \(flagged.map { $0["name"]! })")
        for (name, share) in try Self.measured() where byName[name] != nil {
            let ours = try #require(byName[name]?["selfPercent"] as? Double)
            #expect(abs(ours - share) <= 3, "\(path) \(name): \(ours)% of wall time, the program measured \(share)%")
        }
        // Only burn runs on the CPU, and its time off it is preemption; the other two are off it, asleep in a
        // sleep and on a lock: why, from the kernel's frames of the blocked stack, not only the thread state `S`.
        #expect((byName["burn"]?["onCPUPercent"] as? Double ?? 0) > 15)
        #expect(Self.reasons(byName["burn"]).allSatisfy { $0 == "preempted" }, "\(path): \(Self.reasons(byName["burn"]))")
        for (name, reason) in [("nap", "sleep"), ("wait_for_lock", "lock/futex")] {
            #expect((byName[name]?["onCPUPercent"] as? Double ?? 100) < 1, "\(path) \(name)")
            #expect(Self.reasons(byName[name]).first == reason, "\(path) \(name): \(Self.reasons(byName[name]))")
        }
    }

    static func reasons(_ function: [String: Any]?) -> [String] {
        (function?["offCPU"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
    }

    /// The same recording gives the same answer whichever way it is read: perf.data, `perf script` text with inline
    /// frames (where perf names the clone `burn.constprop.0` `burn`, an inline frame of nothing, and prints a
    /// preempted `burn` under the kernel's interrupt frames), and text without them.
    @Test func everyPathGivesTheSameShares() throws {
        var shares: [String: [Double]] = [:]
        for path in Self.paths {
            let file = "\(Self.corpus)/\(path)"
            for function in try Self.hotspots(["--thread", try Self.mainThread(file), file]) {
                guard let name = function["name"] as? String, ["burn", "nap", "wait_for_lock", "main"].contains(name)
                else { continue }
                shares[name, default: []].append(function["selfPercent"] as? Double ?? -1)
            }
        }
        #expect(shares.count == 4, "\(shares)")
        for (name, values) in shares {
            #expect(values.count == 3 && values.max()! - values.min()! <= 0.05, "\(name): \(values)")
        }
    }

    /// The same thread's CPU time alone: burn is all of it.
    @Test(arguments: paths)
    func onlyBurnIsOnTheCPU(_ path: String) throws {
        let file = "\(Self.corpus)/\(path)"
        let functions = try Self.hotspots(["--thread", try Self.mainThread(file), "--event", "cpu", file])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }.map { $0["name"] as! String }
        #expect(flagged == ["burn"], "\(path)")
    }

    /// By default a wall-clock report is per thread, and names the threads it counted: the main thread's findings
    /// are the three phases, the helper's its own waiting.
    @Test func perThreadByDefault() throws {
        let file = "\(Self.corpus)/wallclock.perf.data.zst"
        let result = try CLI.run(["hotspots", "--format", "json", file] + Self.lookup)
        try #require(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let threads = try #require(object["threads"] as? [[String: Any]])
        #expect(threads.count == 2)
        let main = try #require(threads.first { $0["tid"] as? String == (try? Self.mainThread(file)) })
        let functions = try #require((main["report"] as? [String: Any])?["functions"] as? [[String: Any]])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }.map { $0["name"] as! String }
        #expect(Set(flagged) == ["burn", "nap", "wait_for_lock"], "\(flagged)")
        let text = try CLI.run(["hotspots", file] + Self.lookup)
        #expect(text.text.hasPrefix("Per thread (2 threads"), "\(text.text.prefix(200))")
    }

    /// Merged (--merge-threads), the idle helper thread dilutes every share and is itself the largest finding: what
    /// the per-thread report is for. Off-CPU time is charged to the program's frames, never to the scheduler.
    @Test func mergedThreadsAndOwnership() throws {
        let file = "\(Self.corpus)/wallclock.perf.data.zst"
        let functions = try Self.hotspots(["--merge-threads", file])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }.map { $0["name"] as! String }
        #expect(flagged.contains("holder"), "\(flagged)")
        #expect(!functions.contains { ["__schedule", "schedule", "finish_task_switch"].contains($0["name"] as? String ?? "")
            && ($0["selfPercent"] as? Double ?? 0) > 1 })
        let missing = try CLI.run(["hotspots", "--thread", "no-such-thread", file] + Self.lookup)
        #expect(missing.status != 0 && missing.stderr.contains("wallclock"), "\(missing.stderr)")
    }

    /// The variant whose nap sleeps 30% longer (`wallclock-nap130`): the wall rule fails at 10% and names nap (and
    /// the helper thread, which waits longer for it), not burn nor wait_for_lock; it passes at 40%, nap's wall
    /// time with the helper's own naps being +19%. The CPU rule reads the clock event and finds nothing.
    @Test func wallRegressionGate() throws {
        let base = "\(Self.corpus)/wallclock.perf.data.zst", head = "\(Self.corpus)/wallclock-nap130.perf.data.zst"
        let failing = try CLI.run(["gate", base, head, "--max-wall-regression", "10%", "--format", "json"] + Self.lookup)
        #expect(failing.status == 1, "\(failing.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: failing.stdout) as? [String: Any])
        let regressions = ((object["wallDiff"] as? [String: Any])?["functions"] as? [[String: Any]] ?? [])
            .filter { $0["regressed"] as? Bool == true }.compactMap { $0["name"] as? String }
        #expect(regressions.contains("nap") && !regressions.contains { $0.hasPrefix("burn") || $0 == "wait_for_lock" },
                "\(regressions)")
        let passing = try CLI.run(["gate", base, head, "--max-wall-regression", "40%"] + Self.lookup)
        #expect(passing.status == 0, "\(passing.text) \(passing.stderr)")
        let cpu = try CLI.run(["gate", base, head, "--max-cpu-regression", "10%", "--format", "text"] + Self.lookup)
        #expect(cpu.status == 0, "\(cpu.text) \(cpu.stderr)")
        let notWall = try CLI.run(["gate", "Tests/Fixtures/diff/aa-01.folded", "Tests/Fixtures/diff/aa-02.folded",
                                   "--max-wall-regression", "10%"])
        #expect(notWall.status == 2 && notWall.stderr.contains("sched_switch"), "\(notWall.stderr)")
    }

    /// The wall-clock flamegraph colours on- and off-CPU time apart: nap (asleep) in blues, burn (on the CPU) in
    /// the warm palette; an off-CPU graph is blue throughout.
    @Test func flamegraphColoursOffCPUTimeApart() throws {
        let file = "\(Self.corpus)/wallclock.perf.data.zst"
        func fills(_ svg: String, _ name: String) -> [(r: Int, g: Int, b: Int)] {
            svg.components(separatedBy: "<title>\(name) (").dropFirst().compactMap { part in
                guard let fill = part.range(of: "fill=\"rgb(") else { return nil }
                let numbers = part[fill.upperBound...].prefix { $0 != ")" }.split(separator: ",").compactMap { Int($0) }
                return numbers.count == 3 ? (numbers[0], numbers[1], numbers[2]) : nil
            }
        }
        let wall = try CLI.run(["flamegraph", file] + Self.lookup)
        try #require(wall.status == 0, "\(wall.stderr)")
        let nap = fills(wall.text, "nap"), burn = fills(wall.text, "burn.constprop.0")
        #expect(!nap.isEmpty && nap.allSatisfy { $0.b > $0.r + 60 }, "\(nap)")
        #expect(!burn.isEmpty && burn.allSatisfy { $0.r > $0.b + 60 }, "\(burn)")
        #expect(wall.text.contains("blue frames were mostly off the CPU"))
        let off = try CLI.run(["flamegraph", "--event", "off-cpu", file] + Self.lookup)
        #expect(fills(off.text, "main").allSatisfy { $0.b > $0.r + 60 })
    }

    /// `perf record -F 999` with a tracepoint puts the tracepoint in frequency mode, and perf keeps only some
    /// switches: the reader says so, with the command that records them all. Recorded here, now.
    @Test(ExternalTool.uprobes.needed, ExternalTool.gcc.needed)
    func frequencyModeTracepointIsReported() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try Self.buildProgram(in: directory)
        let data = directory.appendingPathComponent("freq.data").path
        let recorded = try CLI.run(["perf", "record", "-q", "-e", "sched:sched_switch", "-g", "-e", "cpu-clock",
                                    "-F", "999", "-o", data, binary, "3"], tool: true)
        try #require(recorded.status == 0, "\(recorded.stderr)")
        let read = try CLI.run(["hotspots", data])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stderr.contains("frequency mode") && read.stderr.contains("cpu-clock/freq=999/"), "\(read.stderr)")
    }

    /// A recording that lost events (a 32 kB buffer and 16 kB stack copies): the reader says its times are
    /// bounds, and the wall-time gate refuses to decide on it rather than pass or fail a function at random.
    @Test(ExternalTool.uprobes.needed, ExternalTool.gcc.needed)
    func lossyRecordingsDoNotDecideTheWallGate() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try Self.buildProgram(in: directory)
        let data = directory.appendingPathComponent("lossy.data").path
        let recorded = try CLI.run(["perf", "record", "-q", "-e", "sched:sched_switch", "-e", "cpu-clock/freq=999/",
                                    "--call-graph", "dwarf,16384", "-m", "8", "-o", data, binary, "10"], tool: true)
        try #require(recorded.status == 0, "\(recorded.stderr)")
        let read = try CLI.run(["hotspots", data])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stderr.contains("perf lost") && read.stderr.contains("wall-time gate"), "\(read.stderr)")
        let gate = try CLI.run(["gate", "\(Self.corpus)/wallclock.perf.data.zst", data, "--max-wall-regression", "10%"]
                               + Self.lookup)
        #expect(gate.status == 2, "\(gate.text)")
        #expect(gate.stderr.contains("lost events") && gate.stderr.contains("no verdict"), "\(gate.stderr)")
    }

    /// The corpus's program, built now, as the corpus script builds it.
    static func buildProgram(in directory: URL) throws -> String {
        let binary = directory.appendingPathComponent("wallclock").path
        let built = try CLI.run(["gcc", "-O2", "-g", "-pthread", "-o", binary, Self.corpus + "/src/wallclock.c"], tool: true)
        try #require(built.status == 0, "\(built.stderr)")
        return binary
    }
}
