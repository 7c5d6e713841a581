import ArgumentParser
import PyrometerAnalyze
import PyrometerRender

public struct Convert: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a profile: to pprof (gzip profile.proto), folded stacks, speedscope JSON or Pyrometer JSON.",
        discussion: """
            Examples:
              pyrometer convert perf.data --to pprof -o cpu.pb.gz      (then: go tool pprof -http=: cpu.pb.gz)
              perf script | pyrometer convert --to speedscope -o app.speedscope.json
            """)

    enum Target: String, CaseIterable, ExpressibleByArgument {
        case pprof, folded, speedscope, json
    }

    @OptionGroup var input: InputOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var output: OutputOptions

    @Option(help: "Output format: pprof, folded, speedscope or json.")
    var to: Target
    @Flag(help: "pprof output without gzip (raw profile.proto).")
    var uncompressed = false

    public func run() throws {
        try Console.run {
            let profile = try input.load(keepAddresses: fold.addrs || to == .pprof || to == .json)
            switch to {
            case .pprof:
                try output.write(PprofExporter(compress: !uncompressed).export(profile))
            case .json:
                try output.write(JSONExporter().export(profile))
            case .folded:
                try output.write(FoldedExporter().export(profile, options: try fold.options(for: profile)))
            case .speedscope:
                let folded = Folder(options: try fold.options(for: profile)).fold(profile)
                try output.write(SpeedscopeExporter().export(folded, name: input.displayName))
            }
        }
    }
}
