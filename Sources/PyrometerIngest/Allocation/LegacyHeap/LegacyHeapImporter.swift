import PyrometerModel

/// Reads the text heap profiles of gperftools (`heap profile: ... @ heapprofile`, `@ heap_v2/RATE`, and Go's
/// legacy `@ heap/RATE`) and of jemalloc (`heap_v2/RATE` with `t*:` lines), with their memory map
/// (`MAPPED_LIBRARIES:` or `--- Memory map: ---`) so that the addresses are symbolized with libdw.
///
/// As `go tool pprof` reads them (its `legacy_profile.go`): `alloc_objects`, `alloc_space`, `inuse_objects`,
/// `inuse_space` when the profile counts allocations, else `objects` and `space` (in use); sampled profiles
/// (`heap_v2`, `heapz_v2`, Go's `heap` at half its stated rate) scaled by the odds of a sample of the average
/// block size to be taken, `1 / (1 - exp(-size / rate))`; every address moved back by one into its call; the
/// block size as the numeric label `bytes`. Frames in the allocator's own library (libjemalloc, libtcmalloc)
/// are dropped.
public struct LegacyHeapImporter: ProfileImporter {
    public static let formatName = "heap-profile"

    public init() {}

    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        for start in ["heap profile:", "heap_v2/"] {
            let bytes = Array(start.utf8)
            let available = min(bytes.count, prefix.count)
            guard prefix[..<available].elementsEqual(bytes[..<available]) else { continue }
            return available == bytes.count ? .yes : (isComplete ? .no : .needMoreBytes)
        }
        return .no
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let bytes = try input.readAll(limit: options.maxInflatedBytes, what: "heap profile")
        var parser = LegacyHeapParser(file: input.name)
        try parser.parse(bytes)
        return ImportResult(profile: parser.build(), diagnostics: [])
    }
}
