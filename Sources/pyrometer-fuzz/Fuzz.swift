#if canImport(Glibc)
import Glibc
#endif
import PyrometerIngest
import PyrometerModel
import PyrometerServe
import PyrometerSymbolize

/// The parsers under libFuzzer (scripts/fuzz.sh builds this with `-sanitize=fuzzer,address` and
/// `-DPYROMETER_FUZZING`, runs it with seed corpora and dictionaries from Tests/Fixtures/fuzz/). The target is picked
/// with `PYROMETER_FUZZ_TARGET`: one parser, or `sniff` for the whole import path (format detection, gzip, then the
/// parser detected). Any input must end in a profile or a `ProfileError`: a crash, a sanitizer report, a hang
/// (libFuzzer's -timeout) or unbounded memory (-rss_limit_mb) is a bug.
enum FuzzTarget: String, CaseIterable {
    case perfScript = "perf-script"
    case perfData = "perf-data"
    case pprof
    case folded
    case dhat
    /// speedscope's JSON file format (py-spy, rbspy, speedscope itself).
    case speedscope
    case heaptrack
    /// gperftools', Go's legacy and jemalloc's text heap profiles.
    case heapProfile = "heap-profile"
    case sniff
    /// A `--kallsyms` file (a copy of a host's /proc/kallsyms), and lookups in it.
    case kallsyms
    /// A JIT's perf map (`/tmp/perf-PID.map`, or a copy beside the binaries), and lookups in it.
    case perfMap = "perf-map"
    /// `pyrometer serve`'s `multipart/form-data` reader (the boundary is the input's first line without its `--`),
    /// then the whole `/ingest` decoding of the form (sample_type_config JSON, the pprof part).
    case ingestMultipart = "ingest-multipart"
    /// A Connect `PushRequest`: protobuf, protojson, and gzip when the input is gzip; then each raw_profile.
    case ingestPush = "ingest-push"
    /// Pyroscope's `name=app{k=v,...}`.
    case ingestAppName = "ingest-app-name"
    /// Pyroscope's `from`/`until` (unit by digit count, dates, `now-1h`).
    case ingestTime = "ingest-time"
    /// The request headers serve interprets itself: the first line as `Idempotency-Key`, every line as a field of
    /// `Accept-Encoding`.
    case requestHeaders = "request-headers"

    static let current: FuzzTarget = {
        let name = getenv("PYROMETER_FUZZ_TARGET").map { String(cString: $0) } ?? "sniff"
        guard let target = FuzzTarget(rawValue: name) else {
            var message = "pyrometer-fuzz: PYROMETER_FUZZ_TARGET must be one of "
                + allCases.map(\.rawValue).joined(separator: ", ") + "\n"
            message.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        return target
    }()

    /// Small limits, so that memory stays bounded and a run stays fast: a gzip bomb or an oversized record must be
    /// refused at these bounds as at the real ones.
    static let options: ImportOptions = {
        var options = ImportOptions()
        options.threads = 1
        options.blockSize = 1 << 16
        options.maxRecordBytes = 1 << 20
        options.maxInflatedBytes = 16 << 20
        options.kallsymsPath = "/dev/null"  // never this machine's kernel symbols
        return options
    }()

    /// Addresses to look up, sorted: the extremes, and the hexadecimal numbers the text holds and the ones after
    /// them (the maps' own addresses, so that lookups land inside and beside their symbols).
    static func probes(_ bytes: [UInt8]) -> [UInt64] {
        var addresses: Set<UInt64> = [0, 1, .max]
        var value: UInt64 = 0, digits = 0
        for byte in bytes + [0] {
            let digit: UInt64? = switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
            default: nil
            }
            if let digit, digits < 16 {
                value = value << 4 | digit
                digits += 1
            } else if digit == nil {
                if digits >= 4, addresses.count < 128 { addresses.formUnion([value, value &+ 1, value &- 1]) }
                value = 0
                digits = 0
            }
        }
        return addresses.sorted()
    }

    /// The ingest decoders' limits, as small as the importers' above.
    static let ingestLimits: IngestLimits = {
        var limits = IngestLimits()
        limits.maxBodyBytes = 1 << 20
        limits.maxInflatedBytes = 16 << 20
        limits.maxProfiles = 16
        return limits
    }()

    func run(_ bytes: [UInt8]) {
        let input = InputFile(name: "fuzz-input", bytes: bytes)
        let options = Self.options
        switch self {
        case .perfScript: _ = try? PerfScriptImporter().parse(input, options: options)
        case .perfData: _ = try? PerfDataImporter().parse(input, options: options)
        case .pprof: _ = try? PprofImporter().parse(input, options: options)
        case .folded: _ = try? FoldedImporter().parse(input, options: options)
        case .dhat: _ = try? DHATImporter().parse(input, options: options)
        case .speedscope: _ = try? SpeedscopeImporter().parse(input, options: options)
        case .heaptrack: _ = try? HeaptrackImporter().parse(input, options: options)
        case .heapProfile: _ = try? LegacyHeapImporter().parse(input, options: options)
        case .sniff: _ = try? Importers.load(input, options: options)
        case .kallsyms:
            guard let symbolizer = bytes.withUnsafeBufferPointer({ KallsymsSymbolizer(text: $0) }) else { return }
            var chains = ResolvedChains()
            _ = symbolizer.resolve(Self.probes(bytes)[...], in: "[kernel.kallsyms]", into: &chains)
        case .perfMap:
            let map = bytes.withUnsafeBytes { JitMap.parse($0) }
            for address in Self.probes(bytes) { _ = map.name(at: address) }
        case .ingestMultipart:
            let firstLine = bytes.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
            let boundary = String(decoding: firstLine.dropFirst(2).prefix(70), as: UTF8.self)
            _ = try? MultipartForm(body: bytes, boundary: boundary)
            _ = try? IngestRequestDecoder.pyroscopeIngest(
                query: [("name", "app")], contentType: "multipart/form-data; boundary=\"\(boundary)\"", body: bytes,
                limits: Self.ingestLimits)
        case .ingestPush:
            for type in ["application/proto", "application/json"] {
                _ = try? IngestRequestDecoder.connectPush(contentType: type, contentEncoding: nil, body: bytes,
                                                          limits: Self.ingestLimits)
            }
            if bytes.starts(with: [0x1F, 0x8B]) {
                _ = try? IngestRequestDecoder.connectPush(contentType: "application/proto", contentEncoding: "gzip",
                                                          body: bytes, limits: Self.ingestLimits)
            }
        case .ingestAppName:
            _ = try? PyroscopeAppName(parsing: String(decoding: bytes, as: UTF8.self)).serviceAndType
        case .ingestTime:
            _ = try? PyroscopeTime.parse(String(decoding: bytes, as: UTF8.self), now: 1_796_218_135_000_000_000)
        case .requestHeaders:
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            _ = try? RequestHeaders.idempotencyKey(lines.first ?? "")
            _ = RequestHeaders.acceptsGzip(lines)
        }
    }
}

#if PYROMETER_FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.current.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// libFuzzer's driver, for programs with a main of their own (SwiftPM names an executable's entry point after its
/// target, so libFuzzer's `main` is not the one linked).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("pyrometer_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
@main
enum FuzzUsage {
    static func main() {
        print("pyrometer-fuzz is built and run by scripts/fuzz.sh (libFuzzer): scripts/fuzz.sh --smoke")
    }
}
#endif
