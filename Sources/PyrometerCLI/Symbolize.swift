import ArgumentParser
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerRender

public struct Symbolize: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "symbolize",
        abstract: "Resolve raw addresses (functions, file:line, inline chains) with libdw and write the profile back.",
        discussion: """
            The output keeps the input's format family: folded stacks for perf script and folded input, gzip \
            profile.proto for pprof input. Binaries are looked up at the profile's paths, in --binary-path \
            directories and by build-id in /usr/lib/debug/.build-id and --debug-dir directories. Example:
              pyrometer symbolize --debug-dir /srv/debug stripped.perf.txt -o app.folded
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var output: OutputOptions

    @Flag(help: "pprof output without gzip (raw profile.proto).")
    var uncompressed = false

    public func run() throws {
        try Console.run {
            let profile = try input.load(keepAddresses: true)
            if profile.sourceTraits.contains(.pprofEncoded) {
                try output.write(PprofExporter(compress: !uncompressed).export(profile))
            } else {
                try output.write(FoldedExporter().export(profile, options: try fold.options(for: profile)))
            }
        }
    }
}
