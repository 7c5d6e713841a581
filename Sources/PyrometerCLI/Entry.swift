import ArgumentParser
import CMalloc

/// The start of both programs, `pyrometer` and `pyrometer-store`: the allocator's tuning, then the command line.
public enum Entry {
    /// Runs `root`'s command line. Usage errors exit with status 2, like input errors (ArgumentParser's default is
    /// 64), so that 1 always means "a check failed" and 2 "bad input or usage".
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
        tuneAllocator()
        do {
            var command = try root.parseAsRoot(arguments)
            try command.run()
            root.exit()
        } catch {
            let code = root.exitCode(for: error)
            if code == .validationFailure {
                Console.writeStderr(root.fullMessage(for: error) + "\n")
                root.exit(withError: ExitCode(Console.inputErrorStatus))
            }
            root.exit(withError: error)
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
