import PyrometerModel

/// The rules of a CI gate; nil rules are not checked.
public struct GateRules: Sendable {
    /// Largest allowed growth of the allocation totals (`alloc_space` and `alloc_objects`, absolute, per profile),
    /// as a fraction (0.10 = 10%).
    public var maxAllocGrowth: Double?
    /// Largest allowed relative growth of any function's CPU share, as a fraction; only significant regressions of
    /// at least `DiffOptions.minDeltaPoints` count.
    public var maxCPURegression: Double?
    /// Largest allowed self share of any function in the head CPU profiles, as a fraction.
    public var maxHotspot: Double?
    public init(maxAllocGrowth: Double? = nil, maxCPURegression: Double? = nil, maxHotspot: Double? = nil) {
        self.maxAllocGrowth = maxAllocGrowth
        self.maxCPURegression = maxCPURegression
        self.maxHotspot = maxHotspot
    }

    public var isEmpty: Bool { maxAllocGrowth == nil && maxCPURegression == nil && maxHotspot == nil }
}

/// The outcome of one rule.
public struct GateCheck: Sendable {
    /// e.g. `alloc_space growth`.
    public var name: String
    /// The rule's limit as a fraction.
    public var limit: Double
    /// What was measured, as a fraction (growth, relative regression or share); nil when nothing applied.
    public var measured: Double?
    public var passed: Bool
    /// One line on what was compared and what broke the rule.
    public var detail: String
}

/// The verdict of a gate: every check, and the CPU diff behind the regression rule.
public struct GateReport: Sendable {
    public var checks: [GateCheck]
    public var cpuDiff: DiffReport?
    /// The head's functions over the hotspot limit.
    public var hotspots: [HotspotEntry]
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

        if let limit = rules.maxAllocGrowth {
            var found = false
            for type in ["alloc_space", "alloc_objects"] {
                let baseTotals = base.compactMap { $0.sampleTypeIndex(named: type).map($0.total(sampleType:)) }
                let headTotals = head.compactMap { $0.sampleTypeIndex(named: type).map($0.total(sampleType:)) }
                guard !baseTotals.isEmpty, !headTotals.isEmpty else { continue }
                found = true
                let baseMean = Double(baseTotals.reduce(0, +)) / Double(baseTotals.count)
                let headMean = Double(headTotals.reduce(0, +)) / Double(headTotals.count)
                let growth = baseMean > 0 ? headMean / baseMean - 1 : (headMean > 0 ? Double.infinity : 0)
                checks.append(GateCheck(
                    name: "\(type) growth", limit: limit, measured: growth, passed: growth <= limit + 1e-12,
                    detail: "\(type) per profile: base \(Int64(baseMean.rounded())), head \(Int64(headMean.rounded()))"))
            }
            guard found else {
                throw DiffError("--max-alloc-growth needs heap profiles with alloc_space or alloc_objects on both sides")
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
                checks.append(GateCheck(name: "CPU regression per function", limit: limit,
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
                    name: "hotspot self share", limit: limit, measured: top?.selfShare, passed: hotspots.isEmpty,
                    detail: top.map { "largest: \($0.name)" } ?? "no samples"))
            }
        }
        return GateReport(checks: checks, cpuDiff: cpuDiff, hotspots: hotspots)
    }

    private static func isTime(_ profile: Profile, _ options: FoldOptions) -> Bool {
        let type = options.sampleType ?? profile.defaultSampleType
        return profile.sampleTypes.indices.contains(type) && profile.kind(sampleType: type) != .other
    }
}
