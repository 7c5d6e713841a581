import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import PyrometerIngest
import PyrometerModel

/// `pyrometer record --alloc -- PROGRAM ...`: one command for a CI job, the program run under the best allocation
/// profiler this machine has, and a profile written that `gate` reads.
public struct RecordCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a program under an allocation profiler and write its allocation profile.",
        discussion: """
            Picks heaptrack when installed (exact counts; it hooks the allocator), else Valgrind's DHAT (exact \
            counts; it simulates the CPU, many times slower); --tool chooses. Perf malloc probes are not offered yet. The profile \
            is what gate reads. The command fails with the program's exit status (the profile is kept). \
            Examples:
              pyrometer record --alloc -o main.zst -- ./unit-tests --quick
              pyrometer record --alloc --tool dhat -o pr.json -- ./unit-tests --quick
              pyrometer gate main.zst pr.zst --max-alloc-growth 10%
            """)

    public enum Tool: String, CaseIterable, ExpressibleByArgument {
        case heaptrack, dhat

        /// The profiler's program.
        var executable: String { self == .heaptrack ? "heaptrack" : "valgrind" }
        var defaultOutput: String { self == .heaptrack ? "alloc.heaptrack.zst" : "alloc.dhat.json" }
    }

    @Flag(help: "Record allocations (the one kind of recording so far).")
    var alloc = false
    @Option(help: "The profiler: heaptrack or dhat (default: heaptrack when installed, else dhat).")
    var tool: Tool?
    @Option(name: [.short, .customLong("output")],
            help: "Where to write the profile (default: alloc.heaptrack.zst or alloc.dhat.json).")
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
            guard let chosen = tool ?? Tool.allCases.first(where: { ChildProcess.isInstalled($0.executable) }) else {
                throw CLIError("no allocation profiler found: install heaptrack (apt-get install heaptrack) or "
                               + "valgrind (apt-get install valgrind)")
            }
            guard ChildProcess.isInstalled(chosen.executable) else {
                throw CLIError("\(chosen.executable) is not installed (apt-get install \(chosen.executable))")
            }
            let destination = output ?? chosen.defaultOutput
            // The profiler writes beside the destination, which is replaced only by a profile that reads back:
            // never a half-written one, nor one left by an earlier run.
            let base = destination + ".recording"
            for stale in [base + ".json", base + ".zst", base + ".gz"] { unlink(stale) }
            let recorded: String
            switch chosen {
            case .heaptrack:
                // heaptrack appends its compression's suffix to the name it is given.
                status = try Self.start(["heaptrack", "-o", base] + program)
                recorded = [".zst", ".gz"].map { base + $0 }.first { access($0, F_OK) == 0 } ?? base + ".zst"
            case .dhat:
                recorded = base + ".json"
                status = try Self.start(["valgrind", "-q", "--tool=dhat", "--num-callers=50",
                                         "--dhat-out-file=" + recorded] + program)
            }
            guard access(recorded, F_OK) == 0 else {
                throw CLIError("\(chosen.executable) wrote no profile (the program exited with status \(status))")
            }
            // heaptrack writes no header when the program allocated nothing or never started.
            let profile: Profile
            do {
                profile = try Importers.load(paths: [recorded]).profile
            } catch {
                unlink(recorded)
                throw CLIError("\(chosen.executable) recorded nothing readable (did the program start and allocate?): "
                               + "\(error)")
            }
            guard rename(recorded, destination) == 0 else {
                throw CLIError("cannot move \(recorded) to \(destination): \(String(cString: strerror(errno)))")
            }
            let space = profile.sampleTypeIndex(named: "alloc_space").map(profile.total(sampleType:)) ?? 0
            let objects = profile.sampleTypeIndex(named: "alloc_objects").map(profile.total(sampleType:)) ?? 0
            Console.writeStderr("pyrometer record: \(objects) allocations, \(space) bytes (\(chosen.rawValue)) -> "
                                + "\(destination)\n")
            if status != 0 { Console.writeStderr("pyrometer record: the program exited with status \(status)\n") }
        }
        // The program's own failure is the job's failure too; the profile is kept.
        if status != 0 { throw ExitCode(status) }
    }

    private static func start(_ arguments: [String]) throws -> Int32 {
        switch ChildProcess.run(arguments) {
        case .success(let status): return status
        case .failure(let failure): throw CLIError("cannot run \(arguments[0]): \(failure.description)")
        }
    }
}
