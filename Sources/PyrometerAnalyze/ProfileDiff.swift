import PyrometerModel

/// Options of a diff; each field documents its default.
public struct DiffOptions: Sendable {
    /// Compare shares of each side's total (pprof's `-normalize`) rather than absolute values. Nil (the default)
    /// normalizes sampled CPU and wall-clock profiles, whose totals depend on how long they ran, and compares
    /// everything else (allocations, counts) absolutely.
    public var normalize: Bool? = nil
    /// A change is large enough to be a finding when its share moves by at least this fraction of itself...
    public var minRelativeChange = 0.10
    /// ...and by at least this many percentage points of the total. Both defaults come from A/A pairs measured on
    /// this project's machines (docs/diff.md): there, noise moved no function over 1% by more than 10.1% of itself,
    /// and only 1 of 264 function-pairs passed both thresholds (the significance test then rejected it).
    public var minDeltaPoints = 1.0
    /// The family-wise error rate: a finding is significant when its Holm-adjusted p-value is below this.
    public var alpha = 0.05
    /// The between-run variance of a function's share, per profile, as a fraction of p(1−p): the noise that two
    /// runs of the same program add to sampling noise, which more samples do not shrink. Used when a side has one
    /// profile: var(head share − base share) = p(1−p)·(1/n_base + 1/n_head + ρ/k_base + ρ/k_head) for n samples
    /// in k profiles (a beta-binomial). Calibrated on A/A pairs of two sizes (docs/diff.md).
    public var betweenRunVariance = DiffOptions.calibratedBetweenRunVariance
    public init() {}

    /// ρ on the calibration machine (`Tests/Fixtures/diff/aa-*`, docs/diff.md § Calibration): 2.5 times the
    /// method-of-moments estimate of its 66 A/A pairs (0.00023), the margin at which no A/A pair of either recorded
    /// environment flags anything; `DiffTests.calibratedRunNoiseCoversTheAAPairs` recomputes it.
    public static let calibratedBetweenRunVariance = 0.0006
    /// The factor between the moment estimate of ρ and the ρ to test with: run-to-run noise has heavy tails (an
    /// odd run moves a share by several standard deviations), which the mean understates.
    public static let calibrationMargin = 2.5
}

/// One function's change between the two sides.
public struct FunctionChange: Sendable, Equatable {
    public var name: String
    /// Self values summed over each side's profiles.
    public var baseSelf: Int64
    public var headSelf: Int64
    /// Inclusive values summed over each side's profiles.
    public var baseTotal: Int64
    public var headTotal: Int64
    /// Self and inclusive shares of each side's own total, in percent.
    public var basePercent: Double
    public var headPercent: Double
    public var baseTotalPercent: Double
    public var headTotalPercent: Double
    /// The change in percentage points: of shares when normalized; of the base total otherwise (pprof's
    /// `-diff_base` percentages).
    public var deltaPercent: Double
    public var deltaTotalPercent: Double
    /// The change relative to the base (0.25 = grew by a quarter); nil when the base is zero.
    public var relativeChange: Double?
    public var relativeTotalChange: Double?
    /// Two-sided p-value of the self change; nil when significance cannot be assessed.
    public var pValue: Double?
    /// The p-value after Holm's correction over the functions whose change passed the thresholds; nil for the
    /// others (they were not tested as findings).
    public var adjustedPValue: Double?
    /// The self change passes both thresholds (in either direction).
    public var exceedsThreshold: Bool
    /// The self change is significant after correction (true when significance cannot be assessed).
    public var significant: Bool
    /// Grew past the thresholds, significantly.
    public var regressed: Bool
    /// Shrank past the thresholds, significantly.
    public var improved: Bool
    /// For a change that passed the thresholds but is not significant (one profile on a side): how many samples,
    /// or profiles, would make a change of this size significant under Bonferroni's bound of Holm's correction
    /// (|z| at the critical value of alpha / the number of tested functions, which is significant under Holm
    /// whatever the other functions do). Nil otherwise.
    public var settlement: Settlement?
}

/// The comparison of two sides (each one or more profiles) at function granularity.
public struct DiffReport: Sendable {
    public var valueType: ValueType
    public var kind: ProfileKind
    public var normalized: Bool
    public var baseTotal: Int64
    public var headTotal: Int64
    public var baseProfiles: Int
    public var headProfiles: Int
    /// Sample counts behind the totals, when known.
    public var baseSamples: Int64?
    public var headSamples: Int64?
    public var method: SignificanceMethod
    public var options: DiffOptions
    /// Every function of either side, by impact: the size of the self change (points), then of the inclusive
    /// change, then name.
    public var functions: [FunctionChange]

    public var regressions: [FunctionChange] { functions.filter(\.regressed) }
    public var improvements: [FunctionChange] { functions.filter(\.improved) }
}

/// A diff input that cannot be compared.
public struct DiffError: UserFacingError, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Compares two sides of profiles function by function, with significance tests that hold up on sampled profiles
/// from shared machines (docs/diff.md).
public struct ProfileDiffer: Sendable {
    public var options: DiffOptions
    public init(options: DiffOptions = DiffOptions()) { self.options = options }

    /// One profile reduced to what the diff needs.
    public struct Side: Sendable {
        public var reports: [HotspotReport]
        public var sampleCounts: [Int64?]

        /// Analyzes each profile at function granularity (as `hotspots` does, charging samples as `attribution`
        /// says); `fold(profile)` gives the fold options for a profile (its sample type chosen by name).
        public init(_ profiles: [Profile], attribution: AttributionOptions = AttributionOptions(),
                    fold: (Profile) throws -> FoldOptions) rethrows {
            var reports: [HotspotReport] = []
            var counts: [Int64?] = []
            var analysis = HotspotOptions()
            analysis.attribution = attribution
            for profile in profiles {
                let options = try fold(profile)
                reports.append(HotspotAnalyzer(options: analysis).analyze(profile, fold: options))
                counts.append(SampleCounts.count(in: profile,
                                                 sampleType: options.sampleType ?? profile.defaultSampleType))
            }
            self.reports = reports
            self.sampleCounts = counts
        }
    }

    public func diff(base: Side, head: Side) throws(DiffError) -> DiffReport {
        guard let first = head.reports.first ?? base.reports.first, !base.reports.isEmpty, !head.reports.isEmpty else {
            throw DiffError("each side needs at least one profile")
        }
        for report in base.reports + head.reports where report.valueType.type != first.valueType.type
            || report.valueType.unit != first.valueType.unit {
            throw DiffError("the profiles measure different things: \(first.valueType) and \(report.valueType) "
                            + "(choose one with --sample-type)")
        }
        let normalize = options.normalize ?? (first.kind != .other)
        let baseTotal = base.reports.reduce(Int64(0)) { $0.addingSaturated($1.total) }
        let headTotal = head.reports.reduce(Int64(0)) { $0.addingSaturated($1.total) }
        guard baseTotal > 0 else { throw DiffError("the base profiles have no samples") }
        guard headTotal > 0 else { throw DiffError("the head profiles have no samples") }

        // Function name → per-profile (self, total) on each side.
        var index: [String: Int] = [:]
        var names: [String] = []
        for report in base.reports + head.reports {
            for entry in report.functions where index[entry.name] == nil {
                index[entry.name] = names.count
                names.append(entry.name)
            }
        }
        func table(_ side: Side) -> (selfs: [[Int64]], totals: [[Int64]]) {
            var selfs = [[Int64]](repeating: [Int64](repeating: 0, count: side.reports.count), count: names.count)
            var totals = selfs
            for (k, report) in side.reports.enumerated() {
                for entry in report.functions {
                    let i = index[entry.name]!
                    selfs[i][k] = entry.selfValue
                    totals[i][k] = entry.totalValue
                }
            }
            return (selfs, totals)
        }
        let baseTable = table(base), headTable = table(head)

        let baseSamples = Self.sum(base.sampleCounts), headSamples = Self.sum(head.sampleCounts)
        let test = ChangeTest(baseTotals: base.reports.map(\.total), baseSamples: base.sampleCounts,
                              headTotals: head.reports.map(\.total), headSamples: head.sampleCounts,
                              normalize: normalize, options: options)

        let baseK = Double(base.reports.count), headK = Double(head.reports.count)
        var changes: [FunctionChange] = []
        for i in 0 ..< names.count {
            let baseSelf = Self.sum(baseTable.selfs[i]), headSelf = Self.sum(headTable.selfs[i])
            let baseIncl = Self.sum(baseTable.totals[i]), headIncl = Self.sum(headTable.totals[i])
            func share(_ value: Int64, _ total: Int64) -> Double { Double(value) / Double(total) * 100 }
            func change(_ baseValue: Int64, _ headValue: Int64) -> (points: Double, relative: Double?) {
                if normalize {
                    let b = share(baseValue, baseTotal), h = share(headValue, headTotal)
                    return (h - b, b > 0 ? (h - b) / b : nil)
                }
                // Absolute: per-profile means, so that sides with different numbers of profiles compare.
                let b = Double(baseValue) / baseK, h = Double(headValue) / headK
                let baseMeanTotal = Double(baseTotal) / baseK
                return ((h - b) / baseMeanTotal * 100, b > 0 ? (h - b) / b : nil)
            }
            let selfChange = change(baseSelf, headSelf), totalChange = change(baseIncl, headIncl)
            let exceeds = abs(selfChange.points) >= options.minDeltaPoints
                && (selfChange.relative.map { abs($0) >= options.minRelativeChange } ?? true)
            let p = test.pValue(base: baseTable.selfs[i], head: headTable.selfs[i])
            changes.append(FunctionChange(
                name: names[i], baseSelf: baseSelf, headSelf: headSelf, baseTotal: baseIncl, headTotal: headIncl,
                basePercent: share(baseSelf, baseTotal), headPercent: share(headSelf, headTotal),
                baseTotalPercent: share(baseIncl, baseTotal), headTotalPercent: share(headIncl, headTotal),
                deltaPercent: selfChange.points, deltaTotalPercent: totalChange.points,
                relativeChange: selfChange.relative, relativeTotalChange: totalChange.relative,
                pValue: p, adjustedPValue: nil, exceedsThreshold: exceeds, significant: false,
                regressed: false, improved: false, settlement: nil))
        }

        // Holm over the functions that passed the thresholds: the only ones that can become findings.
        let family = changes.indices.filter { changes[$0].exceedsThreshold && changes[$0].pValue != nil }
        let adjusted = Statistics.holmAdjusted(family.map { changes[$0].pValue! })
        for (position, i) in family.enumerated() { changes[i].adjustedPValue = adjusted[position] }
        for i in changes.indices {
            let significant = changes[i].pValue == nil || (changes[i].adjustedPValue.map { $0 < options.alpha } ?? false)
            changes[i].significant = significant
            changes[i].regressed = changes[i].exceedsThreshold && significant && changes[i].deltaPercent > 0
            changes[i].improved = changes[i].exceedsThreshold && significant && changes[i].deltaPercent < 0
        }
        // Bonferroni's critical value: reaching it is significant under Holm whatever the other p-values are.
        let critical = Statistics.normalCritical(options.alpha / Double(max(family.count, 1)))
        for i in family where !changes[i].significant {  // still in the order of `names`
            changes[i].settlement = test.settlement(baseSum: changes[i].baseSelf, headSum: changes[i].headSelf,
                                                    critical: critical)
        }
        changes.sort { x, y in
            if abs(x.deltaPercent) != abs(y.deltaPercent) { return abs(x.deltaPercent) > abs(y.deltaPercent) }
            if abs(x.deltaTotalPercent) != abs(y.deltaTotalPercent) {
                return abs(x.deltaTotalPercent) > abs(y.deltaTotalPercent)
            }
            return x.name.utf8.lexicographicallyPrecedes(y.name.utf8)
        }
        return DiffReport(valueType: first.valueType, kind: first.kind, normalized: normalize,
                          baseTotal: baseTotal, headTotal: headTotal,
                          baseProfiles: base.reports.count, headProfiles: head.reports.count,
                          baseSamples: baseSamples, headSamples: headSamples, method: test.method, options: options,
                          functions: changes)
    }

    private static func sum(_ values: [Int64]) -> Int64 { values.reduce(0) { $0.addingSaturated($1) } }
    private static func sum(_ values: [Int64?]) -> Int64? {
        values.reduce(Int64(0)) { partial, value in
            guard let partial, let value else { return nil }
            return partial.addingSaturated(value)
        }
    }
}

/// How many samples stand behind a profile's values: what sampling noise scales with.
public enum SampleCounts {
    /// A `samples`/`count` sample type (pprof CPU profiles, perf with periods); else the total over the period when
    /// the period is in a sample type's unit (Go heap profiles sample every `period` bytes); else the total itself
    /// when the chosen type counts samples; else nil.
    public static func count(in profile: Profile, sampleType: Int) -> Int64? {
        guard profile.sampleTypes.indices.contains(sampleType) else { return nil }
        if let samples = profile.sampleTypes.firstIndex(of: .samples) {
            return profile.total(sampleType: samples)
        }
        if profile.period > 0, let periodType = profile.periodType,
           let type = profile.sampleTypes.firstIndex(where: { $0.unit == periodType.unit }) {
            return profile.total(sampleType: type) / profile.period
        }
        let chosen = profile.sampleTypes[sampleType]
        // perf events with periods have an `EVENT samples` count beside them; without, each sample counted 1.
        if let samples = profile.sampleTypes.firstIndex(where: { $0.countedEvent == chosen.type }) {
            return profile.total(sampleType: samples)
        }
        if chosen.unit == "count" && profile.sourceTraits.contains(.countsAreSamples) {
            return profile.total(sampleType: sampleType)
        }
        return nil
    }
}
