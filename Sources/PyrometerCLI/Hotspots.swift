import ArgumentParser
import PyrometerAnalyze
import PyrometerRender

public struct Hotspots: ParsableCommand {

    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "hotspots",
        abstract: "List functions by self and total share and flag hotspots.",
        discussion: """
            A function is FLAGGED when its self share is at or above the threshold; it is a HOT PATH when its \
            total share reaches the threshold while its self share, and the share of the stacks through each of \
            its calls to another function, stay below it. The \
            threshold defaults to 20% for CPU profiles and 10% for wall-clock profiles. Self time belongs to the \
            function that owns the machine code: inlined callees, and an interpreter's native frames, are listed \
            under it (docs/attribution.md). A perf recording with sched:sched_switch is read as wall-clock time, \
            on- and off-CPU, with each finding's parts and why it was off the CPU (docs/wall-clock.md). Examples:
              pyrometer hotspots perf.data --debug-dir /srv/debug
              perf script | pyrometer hotspots --format markdown --fail-on-hotspot
              pyrometer hotspots python.perf.txt --native        (what the interpreter spends its time on)
              pyrometer hotspots cpu.pb.gz --inline-functions    (inlined functions counted, as go tool pprof -top)
              pyrometer hotspots wall.data --thread 4242         (wall time of one thread: perf sched_switch + cpu-clock)
              pyrometer hotspots cpu.pb.gz --by endpoint         (10%? 20%? within each endpoint: pprof.Do labels)
              pyrometer hotspots cpu.pb.gz --tag-focus endpoint=/export --focus encodeRows --granularity lines
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var fold: FoldFlags
    @OptionGroup var attribution: AttributionFlags
    @OptionGroup var output: OutputOptions

    @Option(help: "Finding threshold in percent (default: 20 for CPU, 10 for wall-clock profiles).")
    var threshold: Double?
    @Option(help: "Output format: text, json or markdown.")
    var format: HotspotsExporter.Format = .text
    @Option(help: "Functions to list; findings are always listed; 0 lists all.")
    var limit: Int = 30
    @Flag(name: .customLong("fail-on-hotspot"), help: "Exit with status 1 when a function is flagged.")
    var failOnHotspot = false
    @Flag(name: .customLong("merge-threads"),
          help: "Report a wall-clock profile's threads as one (default: per thread, unless --thread picks some).")
    var mergeThreads = false
    @Option(name: .customLong("by"), help: ArgumentHelp("""
        Report per value of this label, the threshold applying within each: a pprof label (request, endpoint, \
        stage) or perf's comm, pid, tid.
        """, valueName: "key"))
    var byLabel: String?

    public func validate() throws {
        if let threshold, !(threshold > 0 && threshold <= 100) {
            throw ValidationError("--threshold must be a percentage in (0, 100]")
        }
        if limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    public func run() throws {
        var flagged = false
        try Console.run {
            let profile = try input.load(keepAddresses: fold.addrs)
            var options = HotspotOptions()
            options.threshold = threshold.map { $0 / 100 }
            options.attribution = attribution.options
            if limit > 0 { options.keepTop = limit }
            let analyzer = HotspotAnalyzer(options: options)
            let foldOptions = try fold.options(for: profile)
            var report = analyzer.analyze(profile, fold: foldOptions, kind: nil)
            guard report.total > 0 else { throw CLIError("no samples in the input") }
            let exporter = HotspotsExporter(format: format, limit: limit)
            if let byLabel {
                let groups = analyzer.perLabel(byLabel, profile: profile, fold: foldOptions, kind: nil)
                guard !groups.groups.isEmpty else { throw CLIError("no samples to group by '\(byLabel)'") }
                if groups.groups.count == 1 && groups.groups[0].value == nil {
                    Console.warn("no sample has the label '\(byLabel)'; 'pyrometer convert --to pprof' and "
                                 + "'go tool pprof -tags' list the labels a profile has")
                }
                try output.write(exporter.export(labels: groups))
                flagged = groups.groups.contains { !$0.report.flagged.isEmpty }
                return
            }
            // Wall-clock time is read per thread unless one was picked: idle threads dilute a merged report.
            if report.kind == .wall && !input.read.selectsThreads && !mergeThreads {
                let threads = analyzer.perThread(profile, fold: foldOptions, kind: nil)
                if !threads.isEmpty {
                    try output.write(exporter.export(threads: threads))
                    flagged = threads.contains { !$0.report.flagged.isEmpty }
                    return
                }
            }
            analyzer.addWallTimeParts(to: &report, profile: profile, fold: foldOptions)
            try output.write(exporter.export(report))
            flagged = !report.flagged.isEmpty
        }
        if failOnHotspot && flagged { throw ExitCode(1) }
    }
}

extension HotspotsExporter.Format: ExpressibleByArgument {}
