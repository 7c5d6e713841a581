import PyrometerModel

/// A function's self value in a wall-clock profile, split: on the CPU, and off it by why (`OffCPUReason`: the
/// thread state, refined by the blocked stack: a lock, a sleep, I/O).
public struct WallTimeParts: Sendable, Equatable {
    public struct OffCPU: Sendable, Equatable {
        public var reason: OffCPUReason
        public var value: Int64
        public var share: Double
    }

    public var onCPU: Int64
    public var onCPUShare: Double
    /// Largest first.
    public var offCPU: [OffCPU]
    public var offCPUShare: Double { offCPU.reduce(0) { $0 + $1.share } }
}

extension HotspotAnalyzer {
    /// The sample types a recording with off-CPU time has beside `wall` (the perf readers make all three).
    public static let onCPUType = "cpu", offCPUType = "off-cpu"

    /// Adds each listed function's on- and off-CPU parts to a report of a profile's `wall` sample type; the report
    /// is left as it is for any other type, or a profile without the parts.
    public func addWallTimeParts(to report: inout HotspotReport, profile: Profile, fold: FoldOptions) {
        guard report.valueType.type == "wall", let cpu = profile.sampleTypeIndex(named: Self.onCPUType),
              let offCPU = profile.sampleTypeIndex(named: Self.offCPUType), report.total > 0 else { return }
        var options = fold
        options.sampleType = cpu
        let onCPU = selfValues(profile, options)
        options.sampleType = offCPU
        var reasons: [String: [OffCPUReason: Int64]] = [:]
        let byStack = Self.offCPUReasons(profile)
        for reason in Set(byStack.values).sorted() {
            let part = profile.keepingSamples { byStack[StackAndLabels($0)] == reason }
            for (name, value) in selfValues(part, options) { reasons[name, default: [:]][reason] = value }
        }
        let total = Double(report.total)
        for index in report.functions.indices {
            let name = report.functions[index].name
            let off = (reasons[name] ?? [:]).filter { $0.value > 0 }.map {
                WallTimeParts.OffCPU(reason: $0.key, value: $0.value, share: Double($0.value) / total)
            }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.reason < $1.reason }
            let on = onCPU[name] ?? 0
            report.functions[index].wallTime = WallTimeParts(onCPU: on, onCPUShare: Double(on) / total, offCPU: off)
        }
    }

    private struct StackAndLabels: Hashable {
        var stack: StackID
        var labels: LabelSetID
        init(_ sample: Sample) { (stack, labels) = (sample.stack, sample.labels) }
    }

    /// The reason of each off-CPU stack and label set (those with an `off_cpu_state` label): one walk per pair.
    private static func offCPUReasons(_ profile: Profile) -> [StackAndLabels: OffCPUReason] {
        var reasons: [StackAndLabels: OffCPUReason] = [:]
        for sample in profile.samples {
            let key = StackAndLabels(sample)
            guard reasons[key] == nil,
                  let state = profile.labelString(LabelKey.offCPUState, in: sample.labels).map(ThreadState.init(label:))
            else { continue }
            let frames = profile.stacks[sample.stack].lazy.flatMap { id in
                let location = profile.locations[Int(id)]
                let isKernel = Attributor.isKernel(location, profile)
                return location.lines.map { (name: profile.functionName($0), isKernel: isKernel) }
            }
            reasons[key] = OffCPUReason.of(state: state, stack: frames)
        }
        return reasons
    }

    private func selfValues(_ profile: Profile, _ fold: FoldOptions) -> [String: Int64] {
        var all = options
        all.keepTop = nil
        let report = HotspotAnalyzer(options: all).analyze(profile, fold: fold)
        return Dictionary(report.functions.map { ($0.name, $0.selfValue) }, uniquingKeysWith: +)
    }
}

/// One thread's hotspots in a wall-clock report: idle threads would dilute every share of a merged one (a pool
/// thread idle most of its life becomes its top finding), so wall time is read per thread.
public struct ThreadHotspots: Sendable {
    /// The thread's command name, as its last samples give it (a thread renames itself after it starts).
    public var command: String
    public var thread: String
    /// The thread's share of the profile's total.
    public var share: Double
    public var report: HotspotReport
}

extension HotspotAnalyzer {
    /// How many threads a per-thread report lists, largest first.
    public static let threadsReported = 12

    /// The profile's threads (the `tid` label), largest first (at most `threadsReported`), each analyzed alone
    /// with its wall-time parts; none when it has fewer than two.
    public func perThread(_ profile: Profile, fold: FoldOptions, kind: ProfileKind? = nil) -> [ThreadHotspots] {
        let type = fold.sampleType ?? profile.defaultSampleType
        guard profile.sampleTypes.indices.contains(type) else { return [] }
        var totals: [String: Int64] = [:], commands: [String: String] = [:]
        for (index, sample) in profile.samples.enumerated() {
            guard let tid = profile.labelString(LabelKey.thread, in: sample.labels) else { continue }
            totals[tid, default: 0].saturatingAdd(profile.value(sample: index, type: type))
            if let command = profile.labelString(LabelKey.command, in: sample.labels) { commands[tid] = command }
        }
        let threads = totals.filter { $0.value > 0 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        guard threads.count > 1 else { return [] }
        let all = threads.reduce(0.0) { $0 + Double($1.value) }
        // The largest threads: each is one pass over the samples, so a process of thousands stays linear.
        return threads.prefix(Self.threadsReported).map { tid, value in
            let alone = profile.keepingSamples { profile.labelString(LabelKey.thread, in: $0.labels) == tid }
            var report = analyze(alone, fold: fold, kind: kind)
            addWallTimeParts(to: &report, profile: alone, fold: fold)
            return ThreadHotspots(command: commands[tid] ?? "", thread: tid, share: Double(value) / all, report: report)
        }
    }
}
