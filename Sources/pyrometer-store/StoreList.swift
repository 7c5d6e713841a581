import ArgumentParser
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerCLI
import PyrometerRender
import PyrometerStore


struct StoreList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List stored profiles (oldest first).",
        discussion: """
            QUERY is key=value parts joined by commas: id, service, type, source (the input's file name), week \
            (ISO, e.g. 2026-W47), from, to (times; to is exclusive), default=true (each input's default sample \
            type only), or any label. Example:
              pyrometer store list service=api,week=2026-W47 --format json
            """)

    @Argument(help: "A store query, e.g. service=api,host=canary-1 (default: everything).")
    var query: String = ""
    @Option(help: "Only this service.")
    var service: String?
    @Option(name: .customLong("label"), help: "Only profiles with this label key=value; repeatable.")
    var labels: [String] = []
    @Option(help: "Only profiles taken at or after this time.")
    var from: String?
    @Option(help: "Only profiles taken before this time.")
    var to: String?
    @Option(help: "Only this ISO week (2026-W47); repeatable.")
    var week: [String] = []
    @Option(help: "text or json (an array of profiles with id, service, labels, time and totals).")
    var format: StoreListingExporter.Format = .text
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            // The options narrow the query as its parts would; their values are taken as they are (commas too).
            var parsed = try ProfileQuery(parsing: query)
            if let service { parsed.service = service }
            for (key, value) in try StoreFlag.labels(labels) { parsed.labels[key] = value }
            if let from { parsed.fromNanos = try StoreTime.parse(from) }
            if let to { parsed.toNanos = try StoreTime.parse(to) }
            for text in week {
                guard let isoWeek = IsoWeek(label: text) else { throw CLIError("--week '\(text)' is not an ISO week such as 2026-W47") }
                parsed.weeks.append(isoWeek)
            }
            try Console.writeStdout(StoreListingExporter(format: format).list(try store.open().list(parsed)))
        }
    }
}

struct StoreShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show stored profiles (by id or query) and their heaviest stacks.",
        discussion: """
            Examples:
              pyrometer store show 42
              pyrometer store show 'service=api,week=2026-W47,host=canary-1' --limit 5
            """)

    @Argument(help: "A profile id, or a store query (service=api,week=2026-W47).")
    var target: String
    @Option(help: "Stacks to list (0: none).")
    var limit = 10
    @Option(help: "text or json.")
    var format: StoreListingExporter.Format = .text
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            let query = try ProfileQuery(parsing: Int64(target) != nil ? "id=" + target : target)
            let opened = try store.open()
            let (profile, matched) = try StoredStacks.load(query, from: opened)
            let folded = Folder().fold(profile)
            let heaviest = Array(folded.sortedLines().sorted { $0.value > $1.value }.prefix(max(0, limit)))
            try Console.writeStdout(StoreListingExporter(format: format).show(matched, total: folded.total, heaviest: heaviest))
        }
    }
}
