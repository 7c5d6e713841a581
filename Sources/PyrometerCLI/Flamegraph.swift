import ArgumentParser
import PyrometerAnalyze
import PyrometerRender

public struct Flamegraph: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "flamegraph",
        abstract: "Render an interactive flamegraph SVG (tooltips, click to zoom, search).",
        discussion: """
            Frames show their functions' short names (Swift's Module.Type.method(_:_:)); the tooltip has the full \
            name. Examples:
              perf script | pyrometer flamegraph -o app.svg
              pyrometer flamegraph cpu.pb.gz --title "api, 2026-W47" --colors java -o api.svg
              pyrometer flamegraph --diff base.folded head.folded -o diff.svg
            """)

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
    @Option(help: """
        Palette: \(Palette.allCases.map(\.rawValue).joined(separator: ", ")) (default: hot; io for off-CPU time; a \
        wall-clock graph draws frames mostly off the CPU in io's blues).
        """)
    var colors: Palette?
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
    @Flag(help: """
        Differential flamegraph: of two inputs (BASE HEAD), or of one 3-column folded input (`stack before after`, \
        as diff-folded writes). Frames are coloured by their own inclusive change: red grew, blue shrank.
        """)
    var diff = false
    @Option(help: "With --diff: widths from the 'head' (default) or the 'base' profile.")
    var widths: FlamegraphSide = .head
    @Flag(inversion: .prefixedNo, help: """
        With --diff: compare shares of each side's total (default for CPU and wall-clock profiles) rather than \
        absolute values.
        """)
    var normalize: Bool?

    public func validate() throws {
        guard (100 ... 100_000).contains(width) else { throw ValidationError("--width must be 100...100000") }
        guard (4 ... 200).contains(height) else { throw ValidationError("--height must be 4...200") }
        guard minWidth >= 0 && minWidth.isFinite else { throw ValidationError("--minwidth must be 0 or more") }
    }

    public func run() throws {
        try Console.run {
            if diff {
                try output.write(try differential())
                return
            }
            let profile = try input.load(keepAddresses: fold.addrs, lines: !fold.noInline)
            let drawing = try fold.drawingOptions(for: profile)
            let folded = Folder(options: drawing).fold(profile)
            let tree = FlameTree(folded, reverse: reverse)
            guard tree.total > 0 else { throw CLIError("no samples with stacks in the input: nothing to draw") }
            var options = FlamegraphOptions()
            apply(to: &options)
            options.countName = countName ?? FlamegraphOptions.countName(forUnit: folded.valueType.unit)
            // Wall-clock time: frames mostly off the CPU drawn blue; an off-CPU graph in blues throughout.
            let type = profile.sampleTypes[drawing.sampleType ?? profile.defaultSampleType].type
            var offCPU: [Int64]?
            if type == "wall", let offType = profile.sampleTypeIndex(named: "off-cpu") {
                var offOptions = drawing
                offOptions.sampleType = offType
                offCPU = tree.inclusiveValues(of: Folder(options: offOptions).fold(profile), reverse: reverse)
                if subtitle == nil { options.subtitle = "Wall time: blue frames were mostly off the CPU (sleeping, waiting), warm ones on it" }
            } else if type == "off-cpu" && colors == nil {
                options.palette = .io
            }
            try output.write(FlamegraphRenderer(options: options).render(tree, offCPU: offCPU))
        }
    }

    private func apply(to options: inout FlamegraphOptions) {
        options.title = title
        options.subtitle = subtitle
        options.width = width
        options.frameHeight = height
        options.minWidth = minWidth
        if let colors { options.palette = colors }
        options.hash = hash
        options.inverted = inverted
        options.notes = notes
        if let countName { options.countName = countName }
    }

    /// The differential flamegraph of `--diff`.
    private func differential() throws -> [UInt8] {
        // Each side with its sample count, so that frames whose change is not significant are drawn pale.
        let base: Comparison.Side, head: Comparison.Side
        switch input.inputs.count {
        case 2:
            let sides = try input.inputs.map { path in
                let profile = try input.read.load([path], keepAddresses: fold.addrs, lines: !fold.noInline)
                return try Comparison.side([profile], fold: fold.drawingOptions(for:))
            }
            (base, head) = (sides[0], sides[1])
        case 0, 1:
            let profile = try input.load(keepAddresses: fold.addrs, lines: !fold.noInline)
            guard let before = profile.sampleTypeIndex(named: "before"),
                  let after = profile.sampleTypeIndex(named: "after") else {
                throw CLIError("--diff needs two inputs (BASE HEAD) or one folded input with two count columns")
            }
            var options = try fold.drawingOptions(for: profile)
            options.sampleType = before
            base = Comparison.side(profile, options)
            options.sampleType = after
            head = Comparison.side(profile, options)
        default:
            throw CLIError("--diff takes two inputs (BASE HEAD) or one 3-column folded input")
        }
        let shown = widths == .head ? head.merged : base.merged
        guard shown.total > 0 else { throw CLIError("no samples with stacks in the \(widths.rawValue) input") }
        return Comparison.render(base: base, head: head, widths: widths,
                                 normalized: normalize ?? (head.merged.kind != .other), statistics: DiffOptions(),
                                 reverse: reverse, title: title == "Flame Graph" ? "Differential Flame Graph" : title,
                                 subtitle: subtitle) { apply(to: &$0) }
    }
}

extension Palette: ExpressibleByArgument {}
