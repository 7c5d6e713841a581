import ArgumentParser
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerCLI
import PyrometerRender
import PyrometerStore



/// `pyrometer store ...`: profile history in the embedded SQLite store or a ClickHouse server (docs/store.md).
/// A program of its own, `pyrometer-store`, which `pyrometer store` runs: the store's libraries (GRDB, Foundation
/// and its HTTP client) are loaded only here.
@main
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyrometer store",
        abstract: "Keep profiles over time: add, list, show, diff weeks, trend a function, prune.",
        discussion: """
            The store is --store sqlite:PATH (default: $XDG_DATA_HOME/pyrometer/profiles.sqlite, or \
            $PYROMETER_STORE) or --store clickhouse://127.0.0.1:8123/DATABASE. Any command that reads profiles \
            also reads a store query. Examples:
              pyrometer store add --service api --label host=canary-1 cpu.pb.gz
              pyrometer store diff --service api --base 2026-W46 --head 2026-W47
              pyrometer flamegraph 'store:service=api,week=2026-W47' -o api.svg
            """,
        subcommands: [StoreAdd.self, StoreList.self, StoreShow.self, StoreDiff.self, StoreTrend.self, StorePrune.self,
                      StoreRead.self])

    static func main() {
        StoredProfileReader.read = { query, store in
            try StoredStacks.load(try ProfileQuery(parsing: query), from: try StoreLocation.open(store, create: false)).profile
        }
        Entry.run(self)
    }
}

/// `pyrometer-store read QUERY -o FILE`: the stored profiles a `store:QUERY` input of `pyrometer` names, as pprof
/// (which keeps every sample type, label and inline chain), for `pyrometer` to read.
struct StoreRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Write the profiles of a store query as pprof (what pyrometer's store: inputs read).",
        discussion: """
            Example:
              pyrometer store read 'service=api,week=2026-W47' -o api-w47.pb.gz
            """)

    @Argument(help: "A store query (service=api,week=2026-W47).")
    var query: String
    @Option(name: .shortAndLong, help: "The pprof file to write (gzip-compressed).")
    var output: String
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            let (profile, _) = try StoredStacks.load(try ProfileQuery(parsing: query), from: try store.open())
            try OutputFile.writeAtomically(PprofExporter().export(profile), to: output)
        }
    }
}

/// `--store`, shared by the store commands (and by `ReadOptions` for `store:` inputs).
struct StoreFlag: ParsableArguments {
    @Option(name: .customLong("store"),
            help: "sqlite:PATH or clickhouse://HOST:PORT/DATABASE (default: $PYROMETER_STORE, else the user's data directory).")
    var location: String?

    /// The store, which must exist already (only `store add` creates one).
    func open() throws -> ProfileStore { try StoreLocation.open(location, create: false) }

    /// `--label key=value` options (the value may hold `=` and `,`).
    static func labels(_ options: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for label in options {
            guard let equals = label.firstIndex(of: "="), equals != label.startIndex else {
                throw CLIError("--label '\(label)' is not key=value")
            }
            labels[String(label[..<equals])] = String(label[label.index(after: equals)...])
        }
        return labels
    }
}

extension StoreListingExporter.Format: ExpressibleByArgument {}
