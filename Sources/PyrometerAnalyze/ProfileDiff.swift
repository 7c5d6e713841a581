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
    /// How much more two single profiles of the same program differ than binomial sampling alone explains
    /// (variance ratio), used when a side has one profile. Calibrated on A/A pairs (docs/diff.md).
    public var overdispersion = DiffOptions.calibratedOverdispersion
    public init() {}

    /// From A/A pairs measured here (`Tests/Fixtures/diff`, docs/diff.md): their mean z² was 2.32 and their largest
    /// |z| 4.02; at 4.5 even that one stays below 1.96 (not significant as a single test).
    public static let calibratedOverdispersion = 4.5
}

/// How significance was assessed.
public enum SignificanceMethod: Sendable, Equatable {
    /// Welch's t-test on per-profile values (both sides have two or more profiles).
    case welch
    /// A two-sample test on sample counts whose binomial (or Poisson) variance is multiplied by `overdispersion`.
    case overdispersedCounts(overdispersion: Double)
    /// Not assessed: the profiles carry no sample counts (a value per sample is unknown).
    case unavailable

    public var description: String {
        switch self {
        case .welch:
            return "Welch's t-test on per-profile values"
        case .overdispersedCounts(let phi):
            return "two-sample test on sample counts, variance inflated ×\(phi) (calibrated on A/A pairs)"
        case .unavailable:
            return "none (the profiles have no sample counts); findings use the thresholds only"
        }
    }
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
        let method: SignificanceMethod
        if base.reports.count >= 2 && head.reports.count >= 2 {
            method = .welch
        } else if baseSamples != nil && headSamples != nil {
            method = .overdispersedCounts(overdispersion: options.overdispersion)
        } else {
            method = .unavailable
        }

        let baseTotals = base.reports.map { Double($0.total) }, headTotals = head.reports.map { Double($0.total) }
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
            let p: Double?
            switch method {
            case .welch:
                p = welch(base: baseTable.selfs[i], baseTotals: baseTotals, baseCounts: base.sampleCounts,
                          head: headTable.selfs[i], headTotals: headTotals, headCounts: head.sampleCounts,
                          normalize: normalize)
            case .overdispersedCounts(let phi):
                p = countsTest(baseValue: baseSelf, baseTotal: baseTotal, baseSamples: baseSamples!,
                               headValue: headSelf, headTotal: headTotal, headSamples: headSamples!,
                               normalize: normalize, overdispersion: phi, baseProfiles: baseK, headProfiles: headK)
            case .unavailable:
                p = nil
            }
            changes.append(FunctionChange(
                name: names[i], baseSelf: baseSelf, headSelf: headSelf, baseTotal: baseIncl, headTotal: headIncl,
                basePercent: share(baseSelf, baseTotal), headPercent: share(headSelf, headTotal),
                baseTotalPercent: share(baseIncl, baseTotal), headTotalPercent: share(headIncl, headTotal),
                deltaPercent: selfChange.points, deltaTotalPercent: totalChange.points,
                relativeChange: selfChange.relative, relativeTotalChange: totalChange.relative,
                pValue: p, adjustedPValue: nil, exceedsThreshold: exceeds, significant: false,
                regressed: false, improved: false))
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
                          baseSamples: baseSamples, headSamples: headSamples, method: method, options: options,
                          functions: changes)
    }

    private static func sum(_ values: [Int64]) -> Int64 { values.reduce(0) { $0.addingSaturated($1) } }
    private static func sum(_ values: [Int64?]) -> Int64? {
        values.reduce(Int64(0)) { partial, value in
            guard let partial, let value else { return nil }
            return partial.addingSaturated(value)
        }
    }

    /// Welch's t-test on per-profile values (shares when normalized). Each side's variance is at least what
    /// binomial sampling alone gives, so that two sides of identical profiles are not "certainly" different.
    private func welch(base: [Int64], baseTotals: [Double], baseCounts: [Int64?],
                       head: [Int64], headTotals: [Double], headCounts: [Int64?], normalize: Bool) -> Double {
        func moments(_ values: [Int64], _ totals: [Double], _ counts: [Int64?]) -> (mean: Double, variance: Double) {
            let xs = values.indices.map { normalize ? Double(values[$0]) / max(totals[$0], 1) : Double(values[$0]) }
            var (mean, variance) = Statistics.meanAndVariance(xs)
            // The sampling variance of each profile's value: p(1-p)/n for a share; value × (value per sample)
            // for an absolute value.
            var floor = 0.0, known = 0
            for k in values.indices {
                guard let n = counts[k], n > 0 else { continue }
                if normalize {
                    floor += xs[k] * (1 - xs[k]) / Double(n)
                } else {
                    floor += xs[k] * totals[k] / Double(n)
                }
                known += 1
            }
            if known > 0 { variance = max(variance, floor / Double(known)) }
            return (mean, variance)
        }
        let b = moments(base, baseTotals, baseCounts), h = moments(head, headTotals, headCounts)
        let nb = Double(base.count), nh = Double(head.count)
        let vb = b.variance / nb, vh = h.variance / nh
        let se = (vb + vh).squareRoot()
        guard se > 0 else { return b.mean == h.mean ? 1 : 0 }
        let t = (h.mean - b.mean) / se
        let df = (vb + vh) * (vb + vh) / (vb * vb / (nb - 1) + vh * vh / (nh - 1))
        return Statistics.studentTwoSided(t, degreesOfFreedom: df)
    }

    /// One pooled profile per side: a two-proportion z-test on sample counts (normalized) or a comparison of
    /// Poisson counts (absolute), with the variance multiplied by the overdispersion factor.
    private func countsTest(baseValue: Int64, baseTotal: Int64, baseSamples: Int64,
                            headValue: Int64, headTotal: Int64, headSamples: Int64,
                            normalize: Bool, overdispersion: Double,
                            baseProfiles: Double, headProfiles: Double) -> Double {
        let n1 = Double(max(baseSamples, 1)), n2 = Double(max(headSamples, 1))
        if normalize {
            let p1 = Double(baseValue) / Double(baseTotal), p2 = Double(headValue) / Double(headTotal)
            let pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
            let variance = overdispersion * pooled * (1 - pooled) * (1 / n1 + 1 / n2)
            guard variance > 0 else { return p1 == p2 ? 1 : 0 }
            return Statistics.normalTwoSided((p2 - p1) / variance.squareRoot())
        }
        // Per-profile means; each mean's variance is φ × value × (value per sample) / profiles.
        let w1 = Double(baseTotal) / n1, w2 = Double(headTotal) / n2
        let v1 = Double(baseValue) / baseProfiles, v2 = Double(headValue) / headProfiles
        let variance = overdispersion * (v1 * w1 / baseProfiles + v2 * w2 / headProfiles)
        guard variance > 0 else { return v1 == v2 ? 1 : 0 }
        return Statistics.normalTwoSided((v2 - v1) / variance.squareRoot())
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
