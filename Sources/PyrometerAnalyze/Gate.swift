import PyrometerModel

/// The rules of a CI gate; nil rules are not checked.
public struct GateRules: Sendable {
    /// Largest allowed growth of `alloc_space` and `alloc_objects` (absolute, per profile), as a fraction (0.10 =
    /// 10%): of their totals, and of any function's self value (see `AllocationGrowth`).
    public var maxAllocGrowth: Double?
    /// The function whose stacks the allocation rules count; nil: `main` when present, else every stack.
    public var allocationRoot: String?
    /// Largest allowed relative growth of any function's CPU share, as a fraction; only significant regressions of
    /// at least `DiffOptions.minDeltaPoints` count.
    public var maxCPURegression: Double?
    /// Largest allowed self share of any function in the head CPU profiles, as a fraction.
    public var maxHotspot: Double?
    /// Largest allowed relative growth of any function's share of wall-clock time (the `wall` sample type of perf
    /// recordings with sched_switch, fgprof's and other wall profiles), as `maxCPURegression` for CPU.
    public var maxWallRegression: Double?
    public init(maxAllocGrowth: Double? = nil, maxCPURegression: Double? = nil, maxHotspot: Double? = nil,
                allocationRoot: String? = nil, maxWallRegression: Double? = nil) {
        self.maxAllocGrowth = maxAllocGrowth
        self.allocationRoot = allocationRoot
        self.maxCPURegression = maxCPURegression
        self.maxHotspot = maxHotspot
        self.maxWallRegression = maxWallRegression
    }

    public var isEmpty: Bool {
        maxAllocGrowth == nil && maxCPURegression == nil && maxHotspot == nil && maxWallRegression == nil
    }
}

/// The outcome of one rule.
public struct GateCheck: Sendable {
    public enum Rule: Sendable, Equatable {
        /// The growth of an allocation type's total (`alloc_space`, `alloc_objects`).
        case allocationTotal(String)
        /// The largest growth of one function's allocations of a type.
        case allocationPerFunction(String)
        case cpuRegression
        case wallRegression
        /// The largest self share of one function: a share, not a growth.
        case hotspot
    }

    public var rule: Rule
    /// e.g. `alloc_space growth`.
    public var name: String
    /// The rule's limit as a fraction.
    public var limit: Double
    /// What was measured, as a fraction (growth, relative regression or share); nil when nothing applied.
    public var measured: Double?
    public var passed: Bool
    /// One line on what was compared and what broke the rule.
    public var detail: String
    /// What broke it, a line each (the functions whose allocations grew too much).
    public var offenders: [String] = []
}

/// The verdict of a gate: every check, and the CPU diff behind the regression rule.
public struct GateReport: Sendable {
    public var checks: [GateCheck]
    public var cpuDiff: DiffReport?
    /// The wall-clock diff behind the wall regression rule.
    public var wallDiff: DiffReport?
    /// The head's functions over the hotspot limit.
    public var hotspots: [HotspotEntry]
    /// The allocation types compared by the allocation rules.
    public var allocations: [AllocationGrowth] = []
    public var passed: Bool { checks.allSatisfy(\.passed) }
}

/// Evaluates gate rules on two sides of profiles. CPU rules use the profiles whose (chosen) sample type is CPU or
/// wall-clock time; the allocation rule uses the profiles that have `alloc_space`/`alloc_objects`. A side may mix
/// both kinds (e.g. a CPU and a heap profile of the same CI run).
public struct Gate: Sendable {
    public var rules: GateRules
    public var diffOptions: DiffOptions
    /// How samples are charged to functions in the CPU rules.
    public var attribution: AttributionOptions

    public init(rules: GateRules, diffOptions: DiffOptions = DiffOptions(),
                attribution: AttributionOptions = AttributionOptions()) {
        self.rules = rules
        self.diffOptions = diffOptions
        self.attribution = attribution
    }

    public func evaluate(base: [Profile], head: [Profile], fold: (Profile) throws -> FoldOptions) throws -> GateReport {
        var checks: [GateCheck] = []
        var cpuDiff: DiffReport?
        var hotspots: [HotspotEntry] = []

        var allocations: [AllocationGrowth] = []
        if let limit = rules.maxAllocGrowth {
            for type in ["alloc_space", "alloc_objects"] {
                guard let growth = try AllocationGrowth.measure(type: type, base: base, head: head,
                                                                root: rules.allocationRoot, fold: fold,
                                                                attribution: attribution) else { continue }
                allocations.append(growth)
                checks += Self.allocationChecks(growth, limit: limit)
            }
            guard !allocations.isEmpty else {
                throw DiffError("--max-alloc-growth needs heap profiles with alloc_space or alloc_objects on both sides")
            }
            // A count with holes cannot say whether a site grew: the losses fall wherever the buffer overflowed.
            if allocations.contains(where: \.incomplete) {
                throw DiffError("""
                    --max-alloc-growth: a profile's recorder lost events (perf's LOST records), so its allocation \
                    counts are lower bounds and no verdict on them is sound; record again without losses (pyrometer \
                    record --alloc picks perf settings that lose nothing, or says it could not)
                    """)
            }
            if let root = rules.allocationRoot, allocations.contains(where: { $0.root == nil }) {
                throw DiffError("--root \(root): not every profile has an allocation stack through a function of that name")
            }
            // The program's code without symbols counts per module: its sites cannot be told apart, and a binary renamed
            // between builds (sites, sites-b130) reads as one function gone and another new.
            if let blind = allocations.first(where: { $0.unsymbolizedShare > AllocationGrowth.maximumUnsymbolizedShare }) {
                let names = blind.unsymbolizedFunctions.prefix(3).joined(separator: ", ")
                throw DiffError("""
                    --max-alloc-growth: \(Int((blind.unsymbolizedShare * 100).rounded()))% of \(blind.type) is charged \
                    to code without symbols (\(names)), whose allocation sites cannot be compared; give the programs' \
                    binaries or debug files (--binary-path DIR, --debug-dir DIR)
                    """)
            }
        }

        // A recording with wall-clock time (perf with sched_switch) defaults to `wall`: the CPU rules read its clock
        // event, whose sample counts give the diff its significance test, else its `cpu`.
        func cpuFold(_ profile: Profile) throws -> FoldOptions {
            var options = try fold(profile)
            guard options.sampleType == nil, !profile.sampleTypes.isEmpty,
                  profile.sampleTypes[profile.defaultSampleType].type == "wall" else { return options }
            let counted = profile.sampleTypes.firstIndex { type in
                type.unit == "nanoseconds" && profile.sampleTypes.contains(ValueType.sampleCount(of: type.type))
            }
            options.sampleType = counted ?? profile.sampleTypeIndex(named: "cpu")
            return options
        }
        if rules.maxCPURegression != nil || rules.maxHotspot != nil {
            let baseCPU = try base.filter { try Self.isTime($0, cpuFold($0)) }
            let headCPU = try head.filter { try Self.isTime($0, cpuFold($0)) }
            guard !headCPU.isEmpty, rules.maxCPURegression == nil || !baseCPU.isEmpty else {
                throw DiffError("the CPU rules need CPU or wall-clock profiles on \(headCPU.isEmpty ? "the head" : "the base") side")
            }
            if let limit = rules.maxCPURegression {
                let (check, report) = try regression(base: baseCPU, head: headCPU, limit: limit, fold: cpuFold,
                                                     rule: .cpuRegression, name: "CPU regression per function")
                checks.append(check)
                cpuDiff = report
            }
            if let limit = rules.maxHotspot {
                var merged: FunctionStacks?
                for profile in headCPU {
                    let folded = HotspotAnalyzer.functionStacks(profile, fold: try cpuFold(profile),
                                                                attribution: attribution)
                    if merged == nil { merged = folded } else { merged!.merge(folded) }
                }
                var hotspotOptions = HotspotOptions()
                hotspotOptions.threshold = limit
                hotspotOptions.attribution = attribution
                let report = HotspotAnalyzer(options: hotspotOptions).analyze(merged!)
                // Strictly over the limit fails; the analyzer flags shares at the limit too.
                hotspots = report.functions.filter { $0.selfShare > limit }
                let top = report.functions.first
                checks.append(GateCheck(
                    rule: .hotspot, name: "hotspot self share", limit: limit, measured: top?.selfShare,
                    passed: hotspots.isEmpty,
                    detail: top.map { "largest: \($0.name)" } ?? "no samples"))
            }
        }
        var wallDiff: DiffReport?
        if let limit = rules.maxWallRegression {
            // The `wall` sample type of each profile, whatever its default.
            func wallFold(_ profile: Profile) throws -> FoldOptions {
                var options = try fold(profile)
                options.sampleType = profile.sampleTypeIndex(named: "wall")
                    ?? (profile.kind(sampleType: options.sampleType ?? profile.defaultSampleType) == .wall
                        ? options.sampleType ?? profile.defaultSampleType : nil)
                return options
            }
            let baseWall = try base.filter { try wallFold($0).sampleType != nil }
            let headWall = try head.filter { try wallFold($0).sampleType != nil }
            guard !baseWall.isEmpty, !headWall.isEmpty else {
                throw DiffError("""
                    --max-wall-regression needs wall-clock profiles on both sides: perf recordings with \
                    sched:sched_switch (docs/wall-clock.md), pprof wall profiles such as fgprof's, or inputs declared \
                    wall-clock with --wall-clock (py-spy --idle, async-profiler -e wall)
                    """)
            }
            // An interval off the CPU ends at the thread's next event: with events lost, intervals are cut short or
            // run on past the lost ones, and a function's wall time may move either way.
            if (baseWall + headWall).contains(where: { $0.sourceTraits.contains(.eventsLost) }) {
                throw DiffError("""
                    --max-wall-regression: a recording lost events (perf's LOST records), so its off-CPU intervals \
                    are cut short or run long and no verdict on wall time is sound; record again without losses \
                    (a larger buffer, perf record -m 65536, or a smaller stack copy, --call-graph dwarf,4096)
                    """)
            }
            let (check, report) = try regression(base: baseWall, head: headWall, limit: limit, fold: wallFold,
                                                 rule: .wallRegression, name: "wall regression per function")
            checks.append(check)
            wallDiff = report
        }
        return GateReport(checks: checks, cpuDiff: cpuDiff, wallDiff: wallDiff, hotspots: hotspots,
                          allocations: allocations)
    }

    /// The regression rule on one kind of time: significant regressions past `limit` fail it.
    private func regression(base: [Profile], head: [Profile], limit: Double, fold: (Profile) throws -> FoldOptions,
                            rule: GateCheck.Rule, name: String) throws -> (GateCheck, DiffReport) {
        var options = diffOptions
        options.minRelativeChange = limit
        // Wall time of the same workload on both sides: a function that waits longer costs more wall time, whatever
        // the others did; compared per profile unless --normalize says shares.
        if rule == .wallRegression && options.normalize == nil { options.normalize = false }
        let report = try ProfileDiffer(options: options).diff(
            base: ProfileDiffer.Side(base, attribution: attribution, fold: fold),
            head: ProfileDiffer.Side(head, attribution: attribution, fold: fold))
        let regressions = report.regressions
        let worst = regressions.max { ($0.relativeChange ?? .infinity) < ($1.relativeChange ?? .infinity) }
        let detail = worst.map {
            "\(regressions.count) significant regression\(regressions.count == 1 ? "" : "s"); worst: \($0.name)"
        } ?? "no significant regression of at least \(options.minDeltaPoints) points"
        return (GateCheck(rule: rule, name: name, limit: limit, measured: worst.map { $0.relativeChange ?? .infinity },
                          passed: regressions.isEmpty, detail: detail), report)
    }

    /// The total's growth, and the largest growth of one function's self value that is at least
    /// `AllocationGrowth.minimumShareOfTotal` of the base total (smaller changes cannot fail the rule).
    static func allocationChecks(_ growth: AllocationGrowth, limit: Double) -> [GateCheck] {
        let type = growth.type
        let scope = growth.root.map { " through \($0)" } ?? ""
        func rounded(_ value: Double) -> Int64 { Int64(clampingDouble: value.rounded()) }
        let total = GateCheck(
            rule: .allocationTotal(type), name: "\(type) growth", limit: limit, measured: growth.growth,
            passed: !growth.totalExceeds(limit),
            detail: "\(type) per profile\(scope): base \(rounded(growth.baseTotal)), head \(rounded(growth.headTotal))"
                + (growth.exact ? " (exact counts)"
                   : " (sampled: estimates; a growth fails only past the limit beyond sampling noise, 95% one-sided)"))
        let floor = AllocationGrowth.minimumShareOfTotal * growth.baseTotal
        let eligible = growth.functions.filter { $0.head - $0.base >= floor && $0.growth > 0 }
        let largest = eligible.max { $0.growth < $1.growth }
        let over = growth.functions(over: limit)
        let offenders = over.map { function in
            "\(function.name): \(rounded(function.base)) -> \(rounded(function.head)) \(type) per profile"
                + (function.base > 0 ? "" : " (new)")
        }
        var detail = over.isEmpty
            ? "no function grew past the limit (changes under 1% of the total\(scope) do not count)"
            : "\(over.count) function\(over.count == 1 ? "" : "s") grew past the limit; worst: \(over.max { $0.growth < $1.growth }!.name)"
        let noise = growth.functionsWithinNoise(over: limit)
        if !noise.isEmpty {
            detail += "; \(noise.count) more past it by the estimates but within sampling noise (record more, or "
                + "sample every allocation): \(noise.prefix(3).map(\.name).joined(separator: ", "))"
        }
        let perFunction = GateCheck(
            rule: .allocationPerFunction(type), name: "\(type) growth per function", limit: limit,
            measured: largest?.growth, passed: over.isEmpty, detail: detail, offenders: offenders)
        return [total, perFunction]
    }

    private static func isTime(_ profile: Profile, _ options: FoldOptions) -> Bool {
        let type = options.sampleType ?? profile.defaultSampleType
        return profile.sampleTypes.indices.contains(type) && profile.kind(sampleType: type) != .other
    }
}
