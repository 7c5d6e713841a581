import ArgumentParser
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerCLI
import PyrometerRender
import PyrometerStore


struct StoreAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add profiles (each input, every sample type) to the store.",
        discussion: """
            Each input is stored as one profile per sample type, all or none. Stacks are stored folded (as \
            `pyrometer fold` folds them, with functions' full names and inlined frames marked _[i]). The week is \
            that of --time, else the profile's own time, else now. Example:
              pyrometer store add --service api --label host=canary-1 --label version=1.4.2 cpu.pb.gz
            """)

    @Argument(help: "Profile files (any format pyrometer reads); standard input when none.")
    var inputs: [String] = []
    @Option(help: "The service the profiles belong to.")
    var service: String = "default"
    @Option(name: .customLong("label"), help: "A label key=value (host, version, commit, branch, ...); repeatable.")
    var labels: [String] = []
    @Option(help: "When the profiles were taken: YYYY-MM-DD[Thh:mm[:ss]Z], YYYY-Www or Unix seconds.")
    var time: String?
    /// Its --store names the store to add to.
    @OptionGroup var read: ReadOptions
    @OptionGroup var fold: FoldFlags
    @Option(help: "Output: text or json (the added profiles).")
    var format: StoreListingExporter.Format = .text

    func run() throws {
        try Console.run {
            let labelMap = try StoreFlag.labels(labels)
            let explicitTime = try time.map(StoreTime.parse)
            let target = try StoreLocation.open(read.store)
            var added: [StoredProfile] = []
            for input in inputs.isEmpty ? ["-"] : inputs {
                let profile = try read.load([input])
                let options = try fold.options(for: profile)
                let now = Int64(Date().timeIntervalSince1970 * 1e9)
                let when = explicitTime ?? (profile.timeNanos > 0 ? profile.timeNanos : now)
                let types = options.sampleType.map { [$0] }
                let source = input == "-" ? "stdin" : String(input.split(separator: "/").last ?? "")
                let profiles = StoredStacks.newProfiles(from: profile, fold: options, service: service, labels: labelMap,
                                                        timeNanos: when, source: source, sampleTypes: types)
                added += try target.add(profiles)
            }
            try Console.writeStdout(StoreListingExporter(format: format).list(added, verb: "added"))
        }
    }
}
