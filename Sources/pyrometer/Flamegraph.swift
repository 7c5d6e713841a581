import ArgumentParser
import PyrometerAnalyze
import PyrometerRender

struct Flamegraph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render an interactive flamegraph SVG (tooltips, click to zoom, search).")

    @OptionGroup var input: InputOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var output: OutputOptions

    @Option(help: "Title at the top of the graph.")
    var title = "Flame Graph"
    @Option(help: "Second line under the title.")
    var subtitle: String?
    @Option(help: "Image width in pixels.")
    var width = 1200
    @Option(help: "Height of one frame in pixels.")
    var height = 16
    @Option(name: .customLong("minwidth"), help: "Omit frames narrower than this many pixels.")
    var minWidth = 0.1
    @Option(help: "Palette: \(Palette.allCases.map(\.rawValue).joined(separator: ", ")).")
    var colors: Palette = .hot
    @Flag(help: "Colour by a hash of the function name (consistent across graphs).")
    var hash = false
    @Flag(help: "Icicle graph: roots at the top, growing down.")
    var inverted = false
    @Flag(help: "Reverse stacks (leaf first): merged callers of the on-CPU functions.")
    var reverse = false
    @Option(name: .customLong("countname"), help: "What the values count (shown in tooltips).")
    var countName: String?
    @Option(help: "Notes embedded in the SVG.")
    var notes: String?

    func validate() throws {
        guard (100 ... 100_000).contains(width) else { throw ValidationError("--width must be 100...100000") }
        guard (4 ... 200).contains(height) else { throw ValidationError("--height must be 4...200") }
        guard minWidth >= 0 && minWidth.isFinite else { throw ValidationError("--minwidth must be 0 or more") }
    }

    func run() throws {
        try Console.run {
            let profile = try input.load(keepAddresses: fold.addrs)
            let folded = Folder(options: try fold.options(for: profile)).fold(profile)
            let tree = FlameTree(folded, reverse: reverse)
            guard tree.total > 0 else { throw CLIError("no samples with stacks in the input: nothing to draw") }
            var options = FlamegraphOptions()
            options.title = title
            options.subtitle = subtitle
            options.width = width
            options.frameHeight = height
            options.minWidth = minWidth
            options.palette = colors
            options.hash = hash
            options.inverted = inverted
            options.notes = notes
            options.countName = countName ?? FlamegraphOptions.countName(forUnit: folded.valueType.unit)
            try output.write(FlamegraphRenderer(options: options).render(tree))
        }
    }
}

extension Palette: ExpressibleByArgument {}
