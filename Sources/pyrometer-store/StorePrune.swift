import ArgumentParser
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerCLI
import PyrometerRender
import PyrometerStore


struct StorePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove the profiles of weeks that ended before a cutoff, with their rollups.",
        discussion: """
            Example:
              pyrometer store prune --older-than 90d
            """)

    @Option(name: .customLong("older-than"), help: "Age of the cutoff: 90d, 12w or 36h. Whole ISO weeks go.")
    var olderThan: String
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            let span = try StoreTime.parseSpan(olderThan)
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            let week = IsoWeek(containingNanos: now - span)
            let removed = try store.open().prune(before: week)
            try Console.writeStdout(Array("pruned \(removed) profile\(removed == 1 ? "" : "s") of weeks before \(week.label)\n".utf8))
        }
    }
}
