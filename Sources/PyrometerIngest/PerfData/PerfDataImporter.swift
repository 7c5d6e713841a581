import PyrometerModel

/// Reads `perf.data` itself, file or pipe mode, without `perf script`: the attributes (one sample type per event,
/// weighted by the sample period when perf recorded one, with a sample count beside it, as the `perf script`
/// importer does), the process state over time (MMAP/MMAP2, COMM, FORK), and samples with their call chains.
///
/// User frames become locations of their mapping at their runtime address, for the symbolizer (which reads the
/// binaries and debug files of this machine, matched by the build-ids the file records). Kernel frames are named
/// from a `kallsyms` file: `ImportOptions.kallsymsPath`, else `/proc/kallsyms` when the recording was made on this
/// machine's kernel (same build-id; same release when the recording has no kernel build-id), else perf's build-id
/// cache (`[kernel.kallsyms]/BUILDID/kallsyms` under `$PERF_BUILDID_DIR` or `~/.debug`). Records are processed in
/// time order as `perf script` orders them (its `ordered_events`: at each of perf's rounds, the records up to the
/// latest time the round before had seen).
public struct PerfDataImporter: ProfileImporter {
    public static let formatName = "perf.data"

    public init() {}

    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        guard prefix.count >= 8 else { return isComplete ? .no : .needMoreBytes }
        return UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self)) == PerfData.magic ? .yes : .no
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let contents = try InputContents.mapping(input, limit: options.maxInflatedBytes)
        // `bytes` points into memory `contents` unmaps when freed: it must live until the reading is done.
        defer { withExtendedLifetime(contents) {} }
        let bytes = try contents.bytes(atLeast: Int.max)
        var reader = PerfDataReader(bytes: bytes, file: input.name, options: options)
        try reader.read()
        return ImportResult(profile: try reader.profile(), diagnostics: reader.diagnostics)
    }
}
