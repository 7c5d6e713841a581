import ArgumentParser
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerSymbolize

/// How inputs are read: parser threads and the gzip limit; shared by every command that reads profiles.
public struct ReadOptions: ParsableArguments {

    public init() {}
    @Option(help: "Parser threads (default: the number of CPUs).")
    var threads: Int?

    @Option(name: .customLong("max-inflated-size"),
            help: "Largest size a gzip or zstd input may decompress to, in MiB (default 1024): a guard against decompression bombs.")
    var maxInflatedMiB: Int?

    @Option(help: """
        Resolve raw addresses with libdw: 'auto' (only locations without a function), 'none', or 'force' (all \
        locations of found binaries).
        """)
    var symbolize: SymbolizeOptions.Mode = .auto
    @Option(name: .customLong("debug-dir"),
            help: "A directory of separate debug files (.build-id/xx/rest.debug, debuglink targets); repeatable.")
    var debugDirectories: [String] = []
    @Option(name: .customLong("binary-path"),
            help: """
                A directory to look for binaries in, as pprof's PPROF_BINARY_PATH, and for JIT maps copied from the \
                recording host (perf-PID.map); repeatable.
                """)
    var binaryPaths: [String] = []
    @Flag(name: .customLong("no-demangle"), help: """
        Keep mangled names as they are (default: Swift, C++ and Rust names are demangled, whether the recorder \
        left them mangled or the symbolizer finds them).
        """)
    var noDemangle = false
    @Option(help: """
        perf.data: /proc/kallsyms of the recording host, to name kernel frames (default: this machine's, when the \
        recording was made on its kernel, else perf's build-id cache, ~/.debug/[kernel.kallsyms]/BUILDID/kallsyms).
        """)
    var kallsyms: String?
    @Option(name: .customLong("thread"), help: """
        Keep only the samples of this thread, by id or by command name (comm); repeatable. Threads are kept by id: \
        one named keeps its first samples, taken before it renamed itself.
        """)
    var threadSelectors: [String] = []
    @Option(name: .customLong("process"), help: "Keep only the samples of this process id; repeatable.")
    var processIDs: [String] = []

    @Flag(name: .customLong("wall-clock"), help: """
        Read the inputs as wall-clock time (threshold 10%, the wall-time gate) when their format cannot say so: \
        async-profiler's collapsed output of -e wall, py-spy --idle.
        """)
    var wallClock = false

    @OptionGroup(title: "Refinements (as pprof's)") var refine: RefineOptions

    /// Whether --thread or --process picked some threads.
    var selectsThreads: Bool { !threadSelectors.isEmpty || !processIDs.isEmpty }
    @Option(name: .customLong("store"),
            help: "The store that 'store:QUERY' inputs read (sqlite:PATH or clickhouse://HOST:PORT/DATABASE).")
    public var store: String?

    public func validate() throws {
        if let threads, !(1 ... 256).contains(threads) { throw ValidationError("--threads must be 1...256") }
        if let maxInflatedMiB, !(1 ... 1 << 20).contains(maxInflatedMiB) {
            throw ValidationError("--max-inflated-size must be 1...1048576 (MiB)")
        }
        for directory in debugDirectories + binaryPaths where !directory.hasPrefix("/") {
            throw ValidationError("--debug-dir and --binary-path take absolute directories ('\(directory)')")
        }
    }

    var symbolizeOptions: SymbolizeOptions {
        var options = SymbolizeOptions()
        options.mode = symbolize
        options.debugDirectories = debugDirectories
        options.binaryPaths = binaryPaths
        options.demangle = !noDemangle
        if let threads { options.threads = threads }
        return options
    }

    func importOptions(keepAddresses: Bool) -> ImportOptions {
        var options = ImportOptions()
        if let threads { options.threads = threads }
        if let maxInflatedMiB { options.maxInflatedBytes = maxInflatedMiB << 20 }
        options.keepAddresses = keepAddresses
        options.kallsymsPath = kallsyms
        options.demangle = !noDemangle
        // perf.data recorded with --call-graph dwarf: unwound with the binaries the symbolizer finds.
        options.unwinder = DwarfUnwinder(options: symbolizeOptions)
        return options
    }

    /// `importOptions`, with the binaries of sampled mappings opened for the symbolizer as they are met.
    func importOptions(keepAddresses: Bool, lines: Bool) -> ImportOptions {
        var options = importOptions(keepAddresses: keepAddresses)
        if symbolize != .none {
            var symbolize = symbolizeOptions
            symbolize.lines = lines
            let prefetcher = ModulePrefetcher(options: symbolize)
            options.mappingSampled = { path, buildID in prefetcher.prefetch(path: path, buildID: buildID) }
        }
        return options
    }

    /// Loads `paths` merged into one profile and symbolizes it, printing warnings for skipped lines and
    /// unresolved modules.
    /// `lines: false` when the command shows no inline frames nor positions (see `SymbolizeOptions.lines`).
    public func load(_ paths: [String], keepAddresses: Bool = false, lines: Bool = true) throws -> Profile {
        // Coarser or finer frames than functions need the positions and addresses some readers would drop.
        let profile = try loadThreads(paths, keepAddresses: keepAddresses || refine.granularity == .addresses,
                                      lines: lines || refine.granularity != .functions)
        let refined = try refine.apply(to: profile)
        Console.keepUntilExit(profile)
        return wallClock ? refined.declaredWallClock() : refined
    }

    /// The inputs with the threads and processes --thread and --process pick.
    private func loadThreads(_ paths: [String], keepAddresses: Bool, lines: Bool) throws -> Profile {
        let profile = try loadAll(paths, keepAddresses: keepAddresses, lines: lines)
        guard !threadSelectors.isEmpty || !processIDs.isEmpty else { return profile }
        let kept = profile.keepingThreads(threadSelectors, processes: processIDs)
        guard !kept.samples.isEmpty else {
            let threads = Set(profile.labelSets.indices.compactMap { set -> String? in
                guard let tid = profile.labelString(LabelKey.thread, in: LabelSetID(set)) else { return nil }
                return (profile.labelString(LabelKey.command, in: LabelSetID(set)) ?? "?") + " " + tid
            }).sorted()
            throw CLIError("no samples of --thread \(threadSelectors) / --process \(processIDs); the threads here "
                           + "(comm tid): \(threads.prefix(20).joined(separator: ", "))")
        }
        Console.keepUntilExit(profile)
        return kept
    }

    private func loadAll(_ paths: [String], keepAddresses: Bool, lines: Bool) throws -> Profile {
        let queries = paths.filter { $0.hasPrefix(Self.storePrefix) }
        let files = paths.filter { !$0.hasPrefix(Self.storePrefix) }
        var profiles: [Profile] = []
        if !files.isEmpty || queries.isEmpty {
            profiles.append(try loadFiles(files, keepAddresses: keepAddresses, lines: lines))
        }
        if !queries.isEmpty {
            guard let read = StoredProfileReader.read else {
                throw CLIError("store: inputs are read by pyrometer-store, which this program cannot run")
            }
            for query in queries { profiles.append(try read(String(query.dropFirst(Self.storePrefix.count)), store)) }
        }
        guard profiles.count > 1 else { return profiles[0] }
        let merged = Profile.merged(profiles)
        Console.keepUntilExit(merged)
        return merged
    }

    /// Inputs that name stored profiles: `store:service=api,week=2026-W47`.
    static let storePrefix = "store:"

    private func loadFiles(_ paths: [String], keepAddresses: Bool, lines: Bool) throws -> Profile {
        let result = try Importers.load(paths: paths, options: importOptions(keepAddresses: keepAddresses, lines: lines))
        for diagnostic in result.diagnostics { Console.warn(diagnostic.description) }
        var profile = result.profile
        if symbolize != .none {
            var options = symbolizeOptions
            options.lines = lines
            let symbolized = ProfileSymbolizer(options: options).symbolize(profile)
            for diagnostic in symbolized.diagnostics { Console.warn(diagnostic.description) }
            Console.keepUntilExit(profile)
            profile = symbolized.profile
        }
        if profile.sourceTraits.contains(.allocatorFramesAtLeaves) {
            Console.keepUntilExit(profile)
            profile = AllocatorFrames.trimmingLeaves(of: profile)
        }
        Console.keepUntilExit(profile)
        return profile
    }
}

/// Reads `store:` inputs. The store (SQLite through GRDB, ClickHouse over HTTP) and the Foundation libraries it
/// needs live in `pyrometer-store`, so that every other command starts without loading them: that program sets
/// this to its store, and `pyrometer` to a run of that program (docs/architecture.md § Start-up).
public enum StoredProfileReader {
    nonisolated(unsafe) public static var read: ((_ query: String, _ store: String?) throws -> Profile)?
}

/// Input files and how to read them; shared by every command that reads profiles.
public struct InputOptions: ParsableArguments {

    public init() {}
    @Argument(help: """
        Profile files, in any format pyrometer reads (perf script text, perf.data, folded stacks, pprof, speedscope, \
        DHAT, heaptrack, gperftools/jemalloc heap profiles; gzip or zstd; docs/formats.md), or store:QUERY; \
        standard input when none or '-'.
        """)
    var inputs: [String] = []

    @OptionGroup var read: ReadOptions

    /// A name for the inputs in reports: the file name, or "stdin".
    var displayName: String {
        inputs.isEmpty || inputs == ["-"] ? "stdin" : inputs.map { String($0.split(separator: "/").last ?? "") }
            .joined(separator: "+")
    }

    /// Loads and merges the inputs, printing warnings for skipped lines.
    func load(keepAddresses: Bool = false, lines: Bool = true) throws -> Profile {
        try read.load(inputs, keepAddresses: keepAddresses, lines: lines)
    }
}

/// How stacks are named and filtered when folded: the collapse options of inferno/FlameGraph.
public struct FoldFlags: ParsableArguments {

    public init() {}
    @Flag(help: "Include the process id in the root frame (comm-PID).")
    var pid = false
    @Flag(help: "Include process and thread ids in the root frame (comm-PID/TID).")
    var tid = false
    @Flag(help: "Annotate kernel frames with _[k].")
    var kernel = false
    @Flag(help: "Annotate JIT frames with _[j].")
    var jit = false
    @Flag(help: "Annotate both kernel and JIT frames (--kernel --jit).")
    var all = false
    @Flag(help: "Show addresses of unsymbolized frames: [module <addr>].")
    var addrs = false
    @Flag(name: .customLong("no-inline"), help: "Drop inlined frames.")
    var noInline = false
    @Option(name: [.customLong("event"), .customLong("sample-type"), .customLong("sample-index")],
            help: """
                Which event / sample type to use, by name or index (default: the first perf event; for pprof the \
                default_sample_type, else the last).
                """)
    var event: String?
    @Option(name: .customLong("skip-after"),
            help: "Drop the callers of frames named FUNC (and the process root); repeatable.")
    var skipAfter: [String] = []

    /// The fold options of a flamegraph of `profile`: frames told apart by their functions' full names and drawn
    /// with their short labels.
    func drawingOptions(for profile: Profile) throws -> FoldOptions {
        var options = try options(for: profile)
        options.fullNames = true
        return options
    }

    /// The fold options for `profile`, or an error naming the sample types it has.
    public func options(for profile: Profile) throws -> FoldOptions {
        var options = FoldOptions()
        options.includePid = pid || tid
        options.includeTid = tid
        options.annotateKernel = kernel || all
        options.annotateJit = jit || all
        options.includeAddresses = addrs
        options.includeInline = !noInline
        options.skipAfter = skipAfter
        if let event {
            guard let index = profile.sampleTypeIndex(named: event)
                ?? Int(event).flatMap({ profile.sampleTypes.indices.contains($0) ? $0 : nil }) else {
                let known = profile.sampleTypes.map(\.type).joined(separator: ", ")
                throw CLIError("no event or sample type '\(event)' in the input (it has: \(known))")
            }
            options.sampleType = index
        }
        return options
    }
}

/// How samples are charged to functions by the analysing commands (hotspots, diff, gate, store diff).
public struct AttributionFlags: ParsableArguments {

    public init() {}
    @Flag(name: .customLong("inline-functions"), help: """
        Count inlined functions as functions of their own, as `go tool pprof -top` does (default: self time \
        belongs to the function that owns the machine code, as `perf report` and `pprof -top -noinlines` count it, \
        with its inlined callees listed under it).
        """)
    var inlineFunctions = false
    @Flag(help: """
        Keep an interpreter's or JIT's native frames as functions (default: in stacks of Python 3.12 `-X perf`, \
        Java perf-map or Node.js `--perf-basic-prof` code, the runtime's frames are charged to the innermost \
        application frame and listed under it).
        """)
    var native = false

    public var options: AttributionOptions {
        var options = AttributionOptions()
        options.inlineFunctions = inlineFunctions
        options.native = native
        return options
    }
}

/// Where a command writes its result.
public struct OutputOptions: ParsableArguments {

    public init() {}
    @Option(name: [.short, .long], help: "Output file (written atomically); standard output when absent.")
    var output: String?

    public func write(_ bytes: [UInt8]) throws {
        if let output {
            try OutputFile.writeAtomically(bytes, to: output)
        } else {
            try Console.writeStdout(bytes)
        }
    }
}

extension SymbolizeOptions.Mode: ExpressibleByArgument {}
