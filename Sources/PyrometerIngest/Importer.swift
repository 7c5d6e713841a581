import PyrometerModel

/// What a format's sniffer says about the first bytes of an input.
public enum SniffResult: Sendable, Equatable {
    case yes
    case no
    /// The prefix ends before the sniffer could decide.
    case needMoreBytes
}

/// Options every importer understands. Each field documents its default.
public struct ImportOptions: Sendable {
    /// Worker threads for parallel parsing; default: the number of active processors.
    public var threads: Int = ProcessInfoLite.activeProcessorCount
    /// Bytes per parallel block (split between the workers at sample boundaries; the next block is read while
    /// this one is parsed); default 8 MiB, the fastest of 2, 4, 8 and 16 MiB on the benchmark inputs.
    public var blockSize: Int = 8 << 20
    /// Keep the address of every perf frame, not only of unsymbolized ones (needed to print addresses or to
    /// re-symbolize). Default off: frames then fold by (function, module), which keeps memory bounded by unique
    /// function stacks.
    public var keepAddresses = false
    /// The largest single record accepted (a perf sample, a folded line); default 256 MiB. Real ones are a few
    /// KiB; the bound keeps a hostile input without separators from being read whole into memory.
    public var maxRecordBytes = 256 << 20
    /// The most bytes a gzip input may inflate to; default 1 GiB. A larger one (a gzip bomb) is refused.
    public var maxInflatedBytes = 1 << 30
    /// perf.data: the kernel symbols (`/proc/kallsyms` of the recording host) that name kernel frames; nil (the
    /// default) uses this machine's when the recording was made on its kernel (same build-id), else perf's
    /// build-id cache (`~/.debug/[kernel.kallsyms]/BUILDID/kallsyms`).
    public var kallsymsPath: String?
    /// perf.data: names kernel frames instead of kallsyms (`kallsymsPath` and the search are then skipped); for
    /// tests, or another source of kernel symbols.
    public var kernelSymbolizer: (any Symbolizer)?
    /// Demangle the names a recorder left mangled (Swift, C++, Rust; perf demangles no Swift), once per unique
    /// symbol; the mangled name stays the function's system name. Default on.
    public var demangle = true
    /// perf.data: unwinds the user stacks of `--call-graph dwarf` samples (`PyrometerSymbolize.DwarfUnwinder`);
    /// nil (the default) keeps their sampled function and kernel frames only, with a warning.
    public var unwinder: (any UserStackUnwinder)?
    /// perf.data: told the path and build-id of each file mapping when a sample first lands in it, while the
    /// recording is still being read (the symbolizer opens the file in the meantime: `ModulePrefetcher`).
    public var mappingSampled: (@Sendable (_ path: String, _ buildID: String) -> Void)?

    public init() {}
}

/// The result of an import: the profile and the odd-but-usable input that was skipped.
public struct ImportResult: Sendable {
    public var profile: Profile
    public var diagnostics: [Diagnostic]
}

/// One input format: a sniffer on the first bytes and a parser into a `Profile`.
public protocol ProfileImporter: Sendable {
    /// A short name for messages and `--format` (`perf-script`, `folded`, ...).
    static var formatName: String { get }
    /// Decides from the first bytes (at most `Importers.sniffLength`) whether this importer reads the input.
    static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult
    /// Parses the whole input.
    func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult
}

/// The list of importers, tried in order. A new format is one folder and one line here.
public enum Importers {
    public static let all: [any ProfileImporter] = [
        PerfDataImporter(),
        PerfScriptImporter(),
        DHATImporter(),
        SpeedscopeImporter(),
        HeaptrackImporter(),  // before folded, which would take `v 10400 3` for a stack and two counts
        LegacyHeapImporter(),
        FoldedImporter(),
        PprofImporter(),
    ]

    /// How many bytes are read before sniffing.
    public static let sniffLength = 64 << 10

    /// Detects the format of `input` and parses it.
    public static func load(_ input: InputFile, options: ImportOptions = ImportOptions()) throws(ProfileError)
        -> ImportResult {
        try load(input, options: options, layers: 0)
    }

    /// `layers`: compressions already taken off. Two are allowed (a `.gz` of a `.zst`); more is refused, so that a
    /// file that decompresses to itself cannot recurse without end.
    private static func load(_ input: InputFile, options: ImportOptions, layers: Int) throws(ProfileError)
        -> ImportResult {
        // Any format may come compressed (`perf.txt.gz`, pprof's `profile.pb.gz`, heaptrack's `.zst`): detected by
        // its magic.
        var magic: [UInt8] = []
        try input.fill(&magic, to: Compression.magicLength)
        input.unread(magic)
        if let compression = Compression(magic: magic) {
            guard layers < 2 else {
                throw ProfileError(.malformed, "compressed more than twice over (a decompression bomb?)",
                                   file: input.name, line: nil)
            }
            return try load(InputFile(decompressing: input, compression, limit: options.maxInflatedBytes),
                            options: options, layers: layers + 1)
        }
        var prefix: [UInt8] = []
        var length = sniffLength
        var importer: (any ProfileImporter)?
        while true {
            try input.fill(&prefix, to: length)
            let complete = prefix.count < length
            guard !prefix.isEmpty else {
                // An empty input (e.g. `perf script` of a recording without samples) is an empty profile, not
                // an error: `fold` prints nothing, and commands that need samples say so.
                let empty = ProfileBuilder(sampleTypes: [.samples], sourceFormat: "empty")
                return ImportResult(profile: empty.build(), diagnostics: [
                    Diagnostic(kind: "input is empty", count: 0, firstFile: input.name, firstLine: nil, example: ""),
                ])
            }
            let answers = prefix.withUnsafeBytes { bytes in
                all.map { type(of: $0).sniff(bytes, isComplete: complete) }
            }
            if let yes = answers.firstIndex(of: .yes) {
                importer = all[yes]
                break
            }
            // A first record longer than the prefix (deep stacks make folded lines of 100 KiB and more): look
            // further, up to 16 MiB (or the largest record accepted, if smaller).
            let limit = min(options.maxRecordBytes, 16 << 20)
            guard !complete, answers.contains(.needMoreBytes), length < limit else { break }
            length = min(length * 4, limit)
        }
        input.unread(prefix)
        guard let importer else {
            throw ProfileError(.unknownFormat, """
                unknown format: expected `perf script` output (a header line `comm pid/tid time: period event:` \
                followed by frame lines `addr symbol (module)`), folded stacks (`frame;frame count`), a pprof \
                profile.proto, perf.data, a speedscope JSON, a DHAT JSON, a heaptrack data file or a \
                gperftools/jemalloc heap profile; any of them gzip or zstd
                """, file: input.name, line: 1)
        }
        do {
            return try importer.parse(input, options: options)
        } catch {
            throw error.inFile(input.name)
        }
    }

    /// Loads and merges several inputs (standard input when `paths` is empty).
    public static func load(paths: [String], options: ImportOptions = ImportOptions()) throws(ProfileError)
        -> ImportResult {
        let sources = paths.isEmpty ? ["-"] : paths
        if sources.count == 1 {
            return try load(InputFile(path: sources[0]), options: options)
        }
        var results: [ImportResult] = []
        for path in sources { results.append(try load(InputFile(path: path), options: options)) }
        return ImportResult(profile: Profile.merged(results.map(\.profile)), diagnostics: results.flatMap(\.diagnostics))
    }
}
