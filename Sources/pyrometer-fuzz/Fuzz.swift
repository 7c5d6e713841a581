#if canImport(Glibc)
import Glibc
#endif
import PyrometerIngest
import PyrometerModel

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
    case sniff

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

    func run(_ bytes: [UInt8]) {
        let input = InputFile(name: "fuzz-input", bytes: bytes)
        let options = Self.options
        switch self {
        case .perfScript: _ = try? PerfScriptImporter().parse(input, options: options)
        case .perfData: _ = try? PerfDataImporter().parse(input, options: options)
        case .pprof: _ = try? PprofImporter().parse(input, options: options)
        case .folded: _ = try? FoldedImporter().parse(input, options: options)
        case .sniff: _ = try? Importers.load(input, options: options)
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
