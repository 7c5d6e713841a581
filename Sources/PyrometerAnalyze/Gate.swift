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
    public init(maxAllocGrowth: Double? = nil, maxCPURegression: Double? = nil, maxHotspot: Double? = nil,
                allocationRoot: String? = nil) {
        self.maxAllocGrowth = maxAllocGrowth
        self.allocationRoot = allocationRoot
        self.maxCPURegression = maxCPURegression
        self.maxHotspot = maxHotspot
    }

    public var isEmpty: Bool { maxAllocGrowth == nil && maxCPURegression == nil && maxHotspot == nil }
}

/// The outcome of one rule.
public struct GateCheck: Sendable {
    public enum Rule: Sendable, Equatable {
        /// The growth of an allocation type's total (`alloc_space`, `alloc_objects`).
        case allocationTotal(String)
        /// The largest growth of one function's allocations of a type.
        case allocationPerFunction(String)
        case cpuRegression
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
        }

        if rules.maxCPURegression != nil || rules.maxHotspot != nil {
            let baseCPU = try base.filter { try Self.isTime($0, fold($0)) }
            let headCPU = try head.filter { try Self.isTime($0, fold($0)) }
            guard !headCPU.isEmpty, rules.maxCPURegression == nil || !baseCPU.isEmpty else {
                throw DiffError("the CPU rules need CPU or wall-clock profiles on \(headCPU.isEmpty ? "the head" : "the base") side")
            }
            if let limit = rules.maxCPURegression {
                var options = diffOptions
                options.minRelativeChange = limit
                let report = try ProfileDiffer(options: options).diff(
                    base: ProfileDiffer.Side(baseCPU, attribution: attribution, fold: fold),
                    head: ProfileDiffer.Side(headCPU, attribution: attribution, fold: fold))
                cpuDiff = report
                let regressions = report.regressions
                let worst = regressions.max { ($0.relativeChange ?? .infinity) < ($1.relativeChange ?? .infinity) }
                let detail = worst.map {
                    "\(regressions.count) significant regression\(regressions.count == 1 ? "" : "s"); worst: \($0.name)"
                } ?? "no significant regression of at least \(options.minDeltaPoints) points"
                checks.append(GateCheck(rule: .cpuRegression, name: "CPU regression per function", limit: limit,
                                        measured: worst.map { $0.relativeChange ?? .infinity },
                                        passed: regressions.isEmpty, detail: detail))
            }
            if let limit = rules.maxHotspot {
                var merged: FunctionStacks?
                for profile in headCPU {
                    let folded = HotspotAnalyzer.functionStacks(profile, fold: try fold(profile),
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
        return GateReport(checks: checks, cpuDiff: cpuDiff, hotspots: hotspots, allocations: allocations)
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
