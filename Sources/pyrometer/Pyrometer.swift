import ArgumentParser
import CMalloc

/// The `pyrometer` command: one subcommand per file, each a thin mapping from flags to one library call.
@main
struct Pyrometer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyrometer",
        abstract: "Profile ingestion, folding, flamegraphs, hotspots, diffs and CI gates.",
        discussion: """
            Inputs are detected by content: `perf script` text, folded stacks or pprof (gzip or not). Every \
            command reads standard input when given no input file. Examples:
              perf record -g -- ./app && perf script | pyrometer flamegraph -o app.svg
              pyrometer diff last-week.pb.gz this-week.pb.gz --svg diff.svg
            """,
        version: "0.1.0",
        subcommands: [Fold.self, Flamegraph.self, Hotspots.self, Diff.self, GateCommand.self, Convert.self, Symbolize.self,
                      StoreCommand.self])

    /// Runs the command line. Usage errors exit with status 2, like input errors (ArgumentParser's default is 64),
    /// so that 1 always means "a check failed" and 2 "bad input or usage".
    static func main() {
        tuneAllocator()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                Console.writeStderr(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(Console.inputErrorStatus))
            }
            exit(withError: error)
        }
    }

    /// glibc gives freed heap memory back at once, so every growth of a large array faults in zeroed pages again.
    /// Not trimming the heap, and growing it 64 MiB at a time, made `hotspots` on pprof's large.cpu 1.21× and
    /// `flamegraph` on a 12.5 MB perf capture 1.22× faster (hyperfine, same run); peak memory of the 50 and 200 MB
    /// benchmark inputs is unchanged (docs/performance.md). The mmap threshold is left to glibc: it refuses values
    /// above 32 MiB, and its dynamic threshold already keeps a freed block's size on the heap next time.
    private static func tuneAllocator() {
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        _ = mallopt(M_TOP_PAD, 64 << 20)
    }
}
