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
                      StoreCommand.self, ServePassthrough.self, PushPassthrough.self, AgentPassthrough.self])

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        handOver(arguments)
        StoredProfileReader.read = StoreProgram.read
        Entry.run(self, arguments: arguments)
    }

    /// The commands other programs run, by name: the program, and whether it takes the command's name too (one
    /// program with several commands) or only what follows it.
    static let handedOver: [String: (program: String, keepsCommand: Bool)] = [
        "store": (StoreProgram.name, false), "serve": (StoreProgram.serveName, false),
        "push": (StoreProgram.pushName, true), "agent": (StoreProgram.pushName, true),
    ]

    /// Runs the program of a handed-over command in place of this one; returns for any other command line.
    static func handOver(_ arguments: [String]) {
        // `pyrometer help push` is `pyrometer push --help`: ArgumentParser's own help would describe the
        // passthrough declared here, not the program's options.
        if arguments.first == "help", arguments.count > 1, handedOver[arguments[1]] != nil {
            return handOver(Array(arguments.dropFirst()) + ["--help"])
        }
        guard let command = arguments.first, let route = handedOver[command] else { return }
        StoreProgram.replaceProcess(arguments: route.keepsCommand ? arguments : Array(arguments.dropFirst()),
                                    name: route.program)
    }
}

/// A command another program runs (`Pyrometer.handedOver`), listed in the help; `main` hands its command line over
/// before parsing, so `run` is reached only through ArgumentParser's own paths.
protocol Passthrough: ParsableCommand {
    var arguments: [String] { get }
}

extension Passthrough {
    func run() throws {
        Pyrometer.handOver([Self.configuration.commandName ?? ""] + arguments)
    }
}

/// `pyrometer store ...`, run by `pyrometer-store`.
struct StoreCommand: Passthrough {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Keep profiles over time: add, list, show, diff weeks, trend a function, prune.",
        discussion: """
            Run by pyrometer-store (installed beside pyrometer). Example:
              pyrometer store add --service api --label host=canary-1 cpu.pb.gz
            """)

    @Argument(parsing: .captureForPassthrough, help: "The store command and its arguments.")
    var arguments: [String] = []
}

/// `pyrometer serve ...`, run by `pyrometer-serve`.
struct ServePassthrough: Passthrough {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Take profiles pushed over HTTP (Pyroscope's clients and agents, and ours) into the store.",
        discussion: """
            Run by pyrometer-serve (installed beside pyrometer). Example:
              pyrometer serve --listen 127.0.0.1:4040 --token-file /etc/pyrometer/token
            """)

    @Argument(parsing: .captureForPassthrough, help: "The serve options.")
    var arguments: [String] = []
}

/// `pyrometer push ...`, run by `pyrometer-push`.
struct PushPassthrough: Passthrough {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push profile files to a pyrometer serve or a Pyroscope-compatible server (for CI jobs).",
        discussion: """
            Run by pyrometer-push (installed beside pyrometer). Example:
              pyrometer push cpu.pb.gz --to http://127.0.0.1:4040 --service api --label branch=main
            """)

    @Argument(parsing: .captureForPassthrough, help: "The files and push options.")
    var arguments: [String] = []
}

/// `pyrometer agent ...`, run by `pyrometer-push`.
struct AgentPassthrough: Passthrough {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "On a canary host: record processes with perf every few minutes and push the profiles.",
        discussion: """
            Run by pyrometer-push (installed beside pyrometer). Example:
              pyrometer agent --to http://profiles.internal:4040 --service api --program api-server --every 5m
            """)

    @Argument(parsing: .captureForPassthrough, help: "The agent options.")
    var arguments: [String] = []
}
