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
            also reads a store query: pyrometer flamegraph 'store:service=api,week=2026-W47' -o api.svg
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
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

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
    var format: ListFormat = .text

    func run() throws {
        try Console.run {
            let labelMap = try StoreReport.labels(labels)
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
            try Console.writeStdout(StoreReport.list(added, format: format, verb: "added"))
        }
    }
}

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
    var format: ListFormat = .text
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            // The options narrow the query as its parts would; their values are taken as they are (commas too).
            var parsed = try ProfileQuery(parsing: query)
            if let service { parsed.service = service }
            for (key, value) in try StoreReport.labels(labels) { parsed.labels[key] = value }
            if let from { parsed.fromNanos = try StoreTime.parse(from) }
            if let to { parsed.toNanos = try StoreTime.parse(to) }
            for text in week {
                guard let isoWeek = IsoWeek(label: text) else { throw CLIError("--week '\(text)' is not an ISO week such as 2026-W47") }
                parsed.weeks.append(isoWeek)
            }
            try Console.writeStdout(StoreReport.list(try store.open().list(parsed), format: format, verb: nil))
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
    var format: ListFormat = .text
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            let query = try ProfileQuery(parsing: Int64(target) != nil ? "id=" + target : target)
            let opened = try store.open()
            let (profile, matched) = try StoredStacks.load(query, from: opened)
            let folded = Folder().fold(profile)
            let heaviest = Array(folded.sortedLines().sorted { $0.value > $1.value }.prefix(max(0, limit)))
            try Console.writeStdout(StoreReport.show(matched, total: folded.total, heaviest: heaviest, format: format))
        }
    }
}

struct StoreDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two periods of a service from the store (ISO weeks read from the weekly rollup).",
        discussion: """
            --base and --head are ISO weeks (2026-W46) or date ranges (2026-11-09..2026-11-15, both days \
            included). The report is `pyrometer diff`'s, with the same --format and JSON schema. Example:
              pyrometer store diff --service api --base 2026-W46 --head 2026-W47 --svg diff.svg --fail-on-regression
            """)

    @Option(help: "The service.")
    var service: String
    @Option(help: "The base period: an ISO week or FROM..TO dates.")
    var base: String
    @Option(help: "The head period: an ISO week or FROM..TO dates.")
    var head: String
    @Option(name: .customLong("type"), help: "The sample type (default: the stored profiles' default).")
    var sampleType: String?
    @Option(name: .customLong("label"), help: "Only profiles with this label key=value on both sides; repeatable.")
    var labels: [String] = []
    @Flag(name: .customLong("per-profile"), help: """
        Compare the stored profiles one by one (their spread enters the significance test) instead of the \
        periods' sums; reads sample rows, not the rollup.
        """)
    var perProfile = false
    @OptionGroup var attribution: AttributionFlags
    @OptionGroup var statistics: DiffFlags
    @Option(help: "Report format: text, json or markdown.")
    var format: DiffExporter.Format = .text
    @Option(help: "Functions to list (findings are always listed); 0 lists all.")
    var limit = 20
    @Option(help: "Also write a differential flamegraph SVG here.")
    var svg: String?
    @Flag(name: .customLong("fail-on-regression"), help: "Exit with status 1 when a regression is found.")
    var failOnRegression = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreFlag

    func run() throws {
        var regressed = false
        try Console.run {
            let opened = try store.open()
            var common = ProfileQuery()
            common.service = service
            common.labels = try StoreReport.labels(labels)
            common.sampleType = sampleType
            let baseSide = try side(base, common, opened)
            let headSide = try side(head, common, opened)
            let fold = { (_: Profile) in FoldOptions() }
            let report = try ProfileDiffer(options: statistics.options).diff(
                base: ProfileDiffer.Side(baseSide, attribution: attribution.options, fold: fold),
                head: ProfileDiffer.Side(headSide, attribution: attribution.options, fold: fold))
            if let svg {
                let image = Comparison.render(
                    base: Comparison.merged(baseSide, fold: fold), head: Comparison.merged(headSide, fold: fold),
                    widths: .head, normalized: report.normalized,
                    reverse: false, title: "\(service): \(head) against \(base)",
                    subtitle: "red: grew, blue: shrank (inclusive share, head vs base)")
                try OutputFile.writeAtomically(image, to: svg)
            }
            try output.write(DiffExporter(format: format, limit: limit).export(report))
            regressed = !report.regressions.isEmpty
        }
        if failOnRegression && regressed { throw ExitCode(1) }
    }

    /// One side: the period's profiles summed (one profile), or each of them with --per-profile.
    private func side(_ period: String, _ common: ProfileQuery, _ opened: ProfileStore) throws -> [Profile] {
        var query = common
        if let week = IsoWeek(label: period) {
            query.weeks = [week]
        } else if let range = period.range(of: "..") {
            let from = try StoreTime.parse(String(period[..<range.lowerBound]))
            let to = try StoreTime.parse(String(period[range.upperBound...]))
            guard to >= from else { throw CLIError("period '\(period)' ends before it starts") }
            query.fromNanos = from
            // The last day is included: up to the start of the next day.
            query.toNanos = (to / 86_400_000_000_000 + 1) * 86_400_000_000_000
        } else {
            throw CLIError("period '\(period)' is neither an ISO week (2026-W47) nor a date range (2026-11-09..2026-11-15)")
        }
        guard perProfile else { return [try StoredStacks.load(query, from: opened).profile] }
        return try StoredStacks.matching(query, in: opened).matched.map { stored in
            var single = ProfileQuery()
            single.ids = [stored.id]
            return try StoredStacks.load(single, from: opened).profile
        }
    }
}

struct StoreTrend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "A function's share of a service's profiles, week by week (text, json, and an SVG chart).",
        discussion: """
            The function is named by its full name, as hotspots lists it. Example:
              pyrometer store trend --service api --function main.churn --type alloc_space --svg churn.svg
            """)

    @Option(help: "The service.")
    var service: String
    @Option(help: "The function (a frame name as folded stacks write it).")
    var function: String
    @Option(name: .customLong("type"), help: "The sample type (default: the service's most common default type).")
    var sampleType: String?
    @Option(help: "text or json.")
    var format: ListFormat = .text
    @Option(help: "Also write a line chart SVG here.")
    var svg: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            let opened = try store.open()
            let type = try sampleType ?? defaultType(opened)
            let points = try opened.trend(service: service, sampleType: type, function: function)
            let exporter = TrendExporter(service: service, function: function, sampleType: type, points: points.map {
                TrendExporter.Point(week: $0.week.label, value: $0.value, total: $0.total)
            })
            if let svg { try OutputFile.writeAtomically(exporter.svg(), to: svg) }
            try output.write(format == .json ? try exporter.json() : exporter.text())
        }
    }

    private func defaultType(_ opened: ProfileStore) throws -> String {
        var query = ProfileQuery()
        query.service = service
        query.onlyDefaultTypes = true
        var counts: [String: Int] = [:]
        for profile in try opened.list(query) { counts[profile.sampleType, default: 0] += 1 }
        guard let type = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            throw CLIError("no stored profiles of service '\(service)' in \(opened.displayName)")
        }
        return type
    }
}

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

/// Text and JSON for `store add`, `list` and `show`.
enum StoreReport {
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

    static func list(_ profiles: [StoredProfile], format: ListFormat, verb: String?) throws -> [UInt8] {
        if format == .json { return try json(profiles) }
        var out = ""
        for profile in profiles {
            out += (verb.map { $0 + " " } ?? "") + line(profile) + "\n"
        }
        if profiles.isEmpty && verb == nil { out = "(no stored profiles match)\n" }
        return Array(out.utf8)
    }

    static func line(_ profile: StoredProfile) -> String {
        let labels = profile.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "\(profile.id)  \(profile.week)  \(StoreTime.format(profile.timeNanos))  service=\(profile.service)  "
            + "type=\(profile.sampleType)\(profile.isDefault ? "*" : "")  total=\(profile.total) \(profile.unit)  "
            + "stacks=\(profile.stacks)" + (labels.isEmpty ? "" : "  " + labels) + "  \(profile.source)"
    }

    struct Entry: Encodable {
        var id: Int64, service: String, labels: [String: String], sample_type: String, unit: String
        var is_default: Bool, time: String, time_nanos: Int64, duration_nanos: Int64, week: String
        var source_format: String, source: String, total: Int64, stacks: Int64

        init(_ profile: StoredProfile) {
            id = profile.id
            service = profile.service
            labels = profile.labels
            sample_type = profile.sampleType
            unit = profile.unit
            is_default = profile.isDefault
            time = StoreTime.format(profile.timeNanos)
            time_nanos = profile.timeNanos
            duration_nanos = profile.durationNanos
            week = profile.week
            source_format = profile.sourceFormat
            source = profile.source
            total = profile.total
            stacks = profile.stacks
        }
    }

    static func json(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(value)) + [10]
    }

    static func json(_ profiles: [StoredProfile]) throws -> [UInt8] { try json(profiles.map(Entry.init)) }

    static func show(_ profiles: [StoredProfile], total: Int64, heaviest: [(stack: [UInt8], value: Int64)],
                     format: ListFormat) throws -> [UInt8] {
        if format == .json {
            struct Stack: Encodable { var stack: String, value: Int64 }
            struct Document: Encodable { var profiles: [Entry], total: Int64, heaviest: [Stack] }
            return try json(Document(profiles: profiles.map(Entry.init), total: total, heaviest: heaviest.map {
                Stack(stack: String(decoding: $0.stack, as: UTF8.self), value: $0.value)
            }))
        }
        var out = profiles.map { line($0) + "\n" }.joined()
        out += "\(profiles.count) profile\(profiles.count == 1 ? "" : "s"), total \(total)\n"
        for (stack, value) in heaviest {
            let share = total == 0 ? 0 : Double(value) / Double(total) * 100
            out += "  \(value)  (\(String(format: "%.2f", share))%)  \(String(decoding: stack, as: UTF8.self))\n"
        }
        return Array(out.utf8)
    }
}
