import ArgumentParser

/// The `pyrometer` command: one subcommand per file, each a thin mapping from flags to one library call.
@main
struct Pyrometer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyrometer",
        abstract: "Profile ingestion, folding, flamegraphs and hotspot analysis.",
        discussion: """
            Inputs are detected by content: `perf script` text or folded stacks. Every command reads standard \
            input when given no input file. Example:
              perf record -g -- ./app && perf script | pyrometer flamegraph -o app.svg
            """,
        version: "0.1.0",
        subcommands: [Fold.self, Flamegraph.self, Hotspots.self])
}
