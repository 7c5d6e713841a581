import ArgumentParser
import PyrometerCLI

/// The `pyrometer` command: one subcommand per file of PyrometerCLI, each a thin mapping from flags to one library
/// call. The store commands are a program of their own, `pyrometer-store` (StoreProgram.swift).
@main
struct Pyrometer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyrometer",
        abstract: "Profile ingestion, folding, flamegraphs, hotspots, diffs and CI gates.",
        discussion: """
            Inputs are detected by content: `perf script` text, perf.data, folded stacks or pprof (gzip or not). \
            Every command reads standard input when given no input file. Examples:
              perf record -g -- ./app && perf script | pyrometer flamegraph -o app.svg
              pyrometer diff last-week.pb.gz this-week.pb.gz --svg diff.svg
            """,
        version: "0.1.0",
        subcommands: [Fold.self, Flamegraph.self, Hotspots.self, Diff.self, GateCommand.self, RecordCommand.self, Convert.self, Symbolize.self,
                      StoreCommand.self, ServePassthrough.self])

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "store" { StoreProgram.replaceProcess(arguments: Array(arguments.dropFirst())) }
        if arguments.first == "serve" {
            StoreProgram.replaceProcess(arguments: Array(arguments.dropFirst()), name: StoreProgram.serveName)
        }
        StoredProfileReader.read = StoreProgram.read
        Entry.run(self, arguments: arguments)
    }
}

/// `pyrometer store ...`, listed in the help; `main` hands the command line to `pyrometer-store` before parsing.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Keep profiles over time: add, list, show, diff weeks, trend a function, prune.",
        discussion: """
            Run by pyrometer-store (installed beside pyrometer). Example:
              pyrometer store add --service api --label host=canary-1 cpu.pb.gz
            """)

    @Argument(parsing: .captureForPassthrough, help: "The store command and its arguments.")
    var arguments: [String] = []

    func run() throws {
        StoreProgram.replaceProcess(arguments: arguments)
    }
}

/// `pyrometer serve ...`, listed in the help; `main` hands the command line to `pyrometer-serve` before parsing.
struct ServePassthrough: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Take profiles pushed over HTTP (Pyroscope's clients and agents, and ours) into the store.",
        discussion: """
            Run by pyrometer-serve (installed beside pyrometer). Example:
              pyrometer serve --listen 127.0.0.1:4040 --token-file /etc/pyrometer/token
            """)

    @Argument(parsing: .captureForPassthrough, help: "The serve options.")
    var arguments: [String] = []

    func run() throws {
        StoreProgram.replaceProcess(arguments: arguments, name: StoreProgram.serveName)
    }
}
