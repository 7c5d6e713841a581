import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import PyrometerIngest
import PyrometerModel
import PyrometerRender

/// `pyrometer record --alloc -- PROGRAM ...`: one command for a CI job, the program run under the best allocation
/// profiler this machine has, and a profile written that `gate` reads.
public struct RecordCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a program under an allocation profiler and write its allocation profile.",
        discussion: """
            Picks heaptrack when installed (exact counts; it hooks the allocator), else Valgrind's DHAT (exact \
            counts; it simulates the CPU, many times slower), else perf probes on libc's malloc, calloc and \
            realloc when running as root (exact counts when perf loses no event: it tries deep stack copies first \
            and runs the program again with shallower ones when perf lost events; a pprof profile, symbolized \
            while the binaries are there); --tool chooses. The profile is what gate reads. The command fails with \
            the program's exit status (the profile is kept; when none reads back, a warning says so). \
            Examples:
              pyrometer record --alloc -o main.zst -- ./unit-tests --quick
              pyrometer record --alloc --tool dhat -o pr.json -- ./unit-tests --quick
              sudo pyrometer record --alloc --tool perf -o pr.pb.gz -- ./unit-tests --quick
              pyrometer gate main.zst pr.zst --max-alloc-growth 10%
            """)

    public enum Tool: String, CaseIterable, ExpressibleByArgument {
        case heaptrack, dhat, perf

        /// The profiler's program.
        var executable: String {
            switch self {
            case .heaptrack: "heaptrack"
            case .dhat: "valgrind"
            case .perf: "perf"
            }
        }

        var defaultOutput: String {
            switch self {
            case .heaptrack: "alloc.heaptrack.zst"
            case .dhat: "alloc.dhat.json"
            case .perf: "alloc.pb.gz"
            }
        }

        /// Installed, and for perf's uprobes, run by root.
        var isAvailable: Bool { ChildProcess.isInstalled(executable) && (self != .perf || geteuid() == 0) }
    }

    @Flag(help: "Record allocations (the one kind of recording so far).")
    var alloc = false
    @Option(help: "The profiler: heaptrack, dhat or perf (default: the first of them this machine can run).")
    var tool: Tool?
    @Option(name: [.short, .customLong("output")],
            help: "Where to write the profile (default: alloc.heaptrack.zst, alloc.dhat.json or alloc.pb.gz).")
    var output: String?
    @Argument(parsing: .postTerminator, help: "The program and its arguments, after --.")
    var program: [String] = []

    public func validate() throws {
        guard alloc else { throw ValidationError("say what to record: --alloc") }
        guard !program.isEmpty else { throw ValidationError("give the program to run after --, e.g. -- ./tests") }
    }

    public func run() throws {
        var status: Int32 = 0
        try Console.run {
            guard let chosen = tool ?? Tool.allCases.first(where: \.isAvailable) else {
                throw CLIError("no allocation profiler found: install heaptrack (apt-get install heaptrack) or "
                               + "valgrind (apt-get install valgrind), or run as root with perf installed")
            }
            guard ChildProcess.isInstalled(chosen.executable) else {
                throw CLIError("\(chosen.executable) is not installed (apt-get install \(chosen.executable))")
            }
            guard chosen.isAvailable else {
                throw CLIError("perf's allocation probes are uprobes, which only root may add: run as root, or use "
                               + "--tool heaptrack or dhat")
            }
            let destination = output ?? chosen.defaultOutput
            let profile: Profile?
            switch chosen {
            case .heaptrack, .dhat: (profile, status) = try recordWithPreload(chosen, to: destination)
            case .perf: (profile, status) = try recordWithPerf(to: destination)
            }
            if let profile {
                let space = profile.sampleTypes.firstIndex(of: .allocatedSpace).map(profile.total(sampleType:)) ?? 0
                let objects = profile.sampleTypes.firstIndex(of: .allocatedObjects).map(profile.total(sampleType:)) ?? 0
                Console.writeStderr("pyrometer record: \(objects) allocations, \(space) bytes (\(chosen.rawValue)) "
                                    + "-> \(destination)\n")
            }
            if status != 0 { Console.writeStderr("pyrometer record: the program exited with status \(status)\n") }
        }
        // The program's own failure is the job's failure too; a profile that reads back is kept.
        if status != 0 { throw ExitCode(status) }
    }

    /// heaptrack or DHAT: the profiler writes beside the destination, which is replaced only by a profile that
    /// reads back: never a half-written one, nor one left by an earlier run. No profile when the program failed
    /// and left none that reads back (a warning says so): its exit status is what the job needs.
    private func recordWithPreload(_ chosen: Tool, to destination: String) throws -> (Profile?, Int32) {
        let base = destination + ".recording"
        for stale in [base + ".json", base + ".zst", base + ".gz"] { unlink(stale) }
        let recorded: String
        let status: Int32
        switch chosen {
        case .heaptrack:
            // heaptrack appends its compression's suffix to the name it is given.
            status = try Self.start(["heaptrack", "-o", base] + program)
            recorded = [".zst", ".gz"].map { base + $0 }.first { access($0, F_OK) == 0 } ?? base + ".zst"
        default:
            recorded = base + ".json"
            status = try Self.start(["valgrind", "-q", "--tool=dhat", "--num-callers=50",
                                     "--dhat-out-file=" + recorded] + program)
        }
        // heaptrack writes no header when the program allocated nothing or never started.
        let profile: Profile
        do {
            guard access(recorded, F_OK) == 0 else { throw CLIError("\(chosen.executable) wrote no profile") }
            do {
                profile = try Importers.load(paths: [recorded]).profile
            } catch {
                unlink(recorded)
                throw CLIError("\(chosen.executable) recorded nothing readable (did the program start and "
                               + "allocate?), \(recorded) removed: \(error)")
            }
        } catch let error as CLIError where status != 0 {
            // The program's failure is the reason: the missing profile only a consequence of it.
            Console.writeStderr("pyrometer record: warning: \(error.description); \(destination) not written\n")
            return (nil, status)
        }
        guard rename(recorded, destination) == 0 else {
            throw CLIError("cannot move \(recorded) to \(destination): \(String(cString: strerror(errno)))")
        }
        if chosen == .heaptrack {
            // heaptrack's closing hint names the file it wrote, which is now the destination.
            Console.writeStderr("pyrometer record: heaptrack's \(recorded) was moved to \(destination) "
                                + "(heaptrack --analyze \"\(destination)\")\n")
        }
        return (profile, status)
    }

    /// perf probes: recorded until perf loses nothing (`PerfAllocationRecorder`), then read, unwound, symbolized
    /// while the binaries are there, and written as pprof.
    private func recordWithPerf(to destination: String) throws -> (Profile, Int32) {
        try PerfAllocationRecorder.interruptible { try recordWithProbes(to: destination) }
    }

    private func recordWithProbes(to destination: String) throws -> (Profile, Int32) {
        let events = try PerfAllocationRecorder.addProbes()
        let data = destination + ".recording.perf.data"
        defer { unlink(data) }
        let attempts = PerfAllocationRecorder.attempts(cpus: ProcessInfoLite.activeProcessorCount)
        for (index, attempt) in attempts.enumerated() {
            unlink(data)
            let status = try PerfAllocationRecorder.record(program, events: events, attempt: attempt, to: data)
            guard access(data, F_OK) == 0 else {
                throw CLIError("perf wrote no recording (the program exited with status \(status))")
            }
            // Read as every command reads perf.data (unwound, symbolized, allocator frames dropped), by default.
            let profile = try ReadOptions.parse([]).load([data])
            let complete = !profile.sourceTraits.contains(.eventsLost)
            if complete || index == attempts.count - 1 {
                try OutputFile.writeAtomically(PprofExporter().export(profile), to: destination)
                guard complete else {
                    throw CLIError("""
                        perf lost events even with a \(attempt.stackBytes)-byte stack copy and \(attempt.pages)-page \
                        buffers: \(destination) holds lower bounds, which gate refuses; the program allocates faster \
                        than perf can write, so use --tool heaptrack (apt-get install heaptrack)
                        """)
                }
                Console.writeStderr("pyrometer record: perf copied \(attempt.stackBytes) bytes of stack per call\n")
                let (cut, total) = Self.stacksCutShort(profile)
                if cut > 0 {
                    Console.writeStderr("""
                        pyrometer record: \(cut) of \(total) allocations have stacks the \(attempt.stackBytes)-byte \
                        copy cut short (they reach neither _start nor a thread's start); gate's default --root main \
                        counts only stacks through main

                        """)
                }
                return (profile, status)
            }
            let next = attempts[index + 1]
            Console.writeStderr("""
                pyrometer record: perf lost events with a \(attempt.stackBytes)-byte stack copy; running the program \
                again with \(next.stackBytes) bytes (fewer callers reachable, less to write)

                """)
        }
        throw CLIError("perf allocation probes: no recording settings to try")
    }

    /// Where a complete stack ends: the program's or the dynamic loader's entry, or a thread's start.
    static let stackRoots: Set<String> = ["_start", "_dl_start_user", "_dl_start", "clone", "clone3", "__clone",
                                          "__clone3", "start_thread", "thread_start"]

    /// Allocations whose stacks end short of `stackRoots` (the unwinder ran out of stack copy), of all.
    static func stacksCutShort(_ profile: Profile) -> (cut: Int64, total: Int64) {
        guard let objects = profile.sampleTypes.firstIndex(of: .allocatedObjects) else { return (0, 0) }
        var cut: Int64 = 0, total: Int64 = 0
        for (index, sample) in profile.samples.enumerated() {
            let value = profile.value(sample: index, type: objects)
            total += value
            let root = profile.stacks[sample.stack].last.flatMap { profile.locations[Int($0)].lines.last }
            if !(root.map { stackRoots.contains(profile.functionName($0)) } ?? false) { cut += value }
        }
        return (cut, total)
    }

    private static func start(_ arguments: [String]) throws -> Int32 {
        switch ChildProcess.run(arguments) {
        case .success(let status): return status
        case .failure(let failure): throw CLIError("cannot run \(arguments[0]): \(failure.description)")
        }
    }
}
