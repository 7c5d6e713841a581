import ArgumentParser
import PyrometerAnalyze
import PyrometerRender

public struct Fold: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "fold",
        abstract: "Fold stacks: one `frame;frame;leaf count` line per unique stack (inferno/FlameGraph compatible).",
        discussion: """
            Examples:
              perf script | pyrometer fold > stacks.folded
              pyrometer fold perf.data --all --tid -o stacks.folded
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var output: OutputOptions

    public func run() throws {
        try Console.run {
            let profile = try input.load(keepAddresses: fold.addrs, lines: !fold.noInline)
            let options = try fold.options(for: profile)
            try output.write(FoldedExporter().export(profile, options: options))
        }
    }
}
