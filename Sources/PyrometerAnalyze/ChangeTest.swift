import PyrometerModel

/// The significance test of one quantity's change between two sides of profiles: a function's self value in a
/// diff, a frame's inclusive value in a differential flamegraph. Both use this one noise model (docs/diff.md §
/// Significance), so that a flamegraph's colours and the diff's findings agree.

/// How significance was assessed.
public enum SignificanceMethod: Sendable, Equatable {
    /// Welch's t-test on per-profile values (both sides have two or more profiles).
    case welch
    /// A two-sample z-test on sample counts whose variance is the binomial (or Poisson) sampling variance plus a
    /// between-run variance `betweenRun` · p(1−p) per profile (a beta-binomial; `DiffOptions.betweenRunVariance`).
    case countsWithRunNoise(betweenRun: Double)
    /// Not assessed: the profiles carry no sample counts (a value per sample is unknown).
    case unavailable

    public var description: String {
        switch self {
        case .welch:
            return "Welch's t-test on per-profile values"
        case .countsWithRunNoise(let rho):
            let origin = rho == DiffOptions.calibratedBetweenRunVariance ? "calibrated on A/A pairs" : "as given"
            return "two-sample test on sample counts with between-run variance ρ = \(rho) (\(origin))"
        case .unavailable:
            return "none (the profiles have no sample counts); findings use the thresholds only"
        }
    }

    /// A few words for a legend: "Welch's t-test", "counts test with run noise".
    public var shortDescription: String {
        switch self {
        case .welch: return "Welch's t-test"
        case .countsWithRunNoise: return "counts test with between-run noise"
        case .unavailable: return "not assessed"
        }
    }
}

/// What would make a change that passed the thresholds, but was not significant, significant.
public enum Settlement: Sendable, Equatable {
    /// About `factor` times the samples in every profile (`perProfile` samples each: the factor times the larger
    /// side's, e.g. by a longer run or a higher sampling rate) would make the change significant, if it stays the
    /// same size.
    case moreSamples(factor: Double, perProfile: Int64)
    /// The between-run variance alone exceeds what the change can stand at any number of samples (it does not
    /// shrink with more samples): about `perSide` profiles per side of the same size would settle it.
    case moreProfiles(perSide: Int)
}

/// The test of changes between two given sides; `pValue` is called once per function or frame.
public struct ChangeTest: Sendable {
    public let method: SignificanceMethod
    public let normalize: Bool
    private let baseTotals: [Double], headTotals: [Double]
    private let baseCounts: [Int64?], headCounts: [Int64?]
    private let baseTotal: Double, headTotal: Double
    /// Sample counts summed over each side's profiles (nil when one is unknown).
    private let baseSamples: Double?, headSamples: Double?

    /// - Parameters: each side's per-profile totals and sample counts (nil when unknown); `normalize` compares
    ///   shares of each side's total, else per-profile values.
    public init(baseTotals: [Int64], baseSamples: [Int64?], headTotals: [Int64], headSamples: [Int64?],
                normalize: Bool, options: DiffOptions) {
        self.normalize = normalize
        self.baseTotals = baseTotals.map(Double.init)
        self.headTotals = headTotals.map(Double.init)
        baseCounts = baseSamples
        headCounts = headSamples
        baseTotal = self.baseTotals.reduce(0, +)
        headTotal = self.headTotals.reduce(0, +)
        func sum(_ counts: [Int64?]) -> Double? {
            counts.reduce(Double(0)) { partial, count in count.flatMap { c in partial.map { $0 + Double(c) } } }
        }
        self.baseSamples = sum(baseSamples)
        self.headSamples = sum(headSamples)
        if baseTotals.count >= 2 && headTotals.count >= 2 {
            method = .welch
        } else if self.baseSamples != nil && self.headSamples != nil {
            method = .countsWithRunNoise(betweenRun: options.betweenRunVariance)
        } else {
            method = .unavailable
        }
    }

    /// Two-sided p-value of the change of a quantity whose per-profile values are `base` and `head` (in the order
    /// of the totals); nil when significance cannot be assessed.
    public func pValue(base: [Int64], head: [Int64]) -> Double? {
        switch method {
        case .welch:
            return welch(base: base, head: head)
        case .countsWithRunNoise:
            return pValue(baseSum: base.reduce(0) { $0.addingSaturated($1) },
                          headSum: head.reduce(0) { $0.addingSaturated($1) })
        case .unavailable:
            return nil
        }
    }

    /// The counts test on each side's summed value (no per-profile arrays: the flamegraph calls this per frame);
    /// nil unless the method is the counts test.
    public func pValue(baseSum: Int64, headSum: Int64) -> Double? {
        guard let v = variance(baseSum: baseSum, headSum: headSum) else { return nil }
        let total = v.binomial + v.betweenRun
        guard total > 0 else { return v.delta == 0 ? 1 : 0 }
        return Statistics.normalTwoSided(v.delta / total.squareRoot())
    }

    /// What would settle a change that was not significant: the sample count, or failing that the number of profiles
    /// per side, at which its z reaches `critical` (the change's size staying the same); nil unless the method is
    /// the counts test, or when the change is zero.
    public func settlement(baseSum: Int64, headSum: Int64, critical: Double) -> Settlement? {
        guard let v = variance(baseSum: baseSum, headSum: headSum), v.delta != 0 else { return nil }
        let allowed = v.delta * v.delta / (critical * critical)  // the variance at which |z| = critical
        if v.betweenRun < allowed && v.binomial > 0 {
            let factor = max(1, v.binomial / (allowed - v.betweenRun))
            // Enough when every profile has the factor times the larger side's samples per profile.
            let k1 = Double(baseTotals.count), k2 = Double(headTotals.count)
            let perProfile = max((baseSamples ?? 0) / k1, (headSamples ?? 0) / k2)
            return .moreSamples(factor: factor, perProfile: Int64(clampingDouble: (factor * perProfile).rounded(.up)))
        }
        // K profiles per side, each like this side's average one: every term of the variance shrinks as 1/K.
        let perProfileVariance = (v.binomial + v.betweenRun) * Double(min(baseTotals.count, headTotals.count))
        let profiles = (perProfileVariance / allowed).rounded(.up)
        return .moreProfiles(perSide: Int(clampingDouble: max(2, profiles)))
    }

    /// The change (shares or per-profile values) and its variance split into the part that shrinks with more
    /// samples (binomial or Poisson) and the part that does not (between runs).
    private func variance(baseSum: Int64, headSum: Int64) -> (delta: Double, binomial: Double, betweenRun: Double)? {
        guard case .countsWithRunNoise(let rho) = method, let baseSamples, let headSamples else { return nil }
        let n1 = max(baseSamples, 1), n2 = max(headSamples, 1)
        let k1 = Double(baseTotals.count), k2 = Double(headTotals.count)
        if normalize {
            let p1 = baseTotal > 0 ? Double(baseSum) / baseTotal : 0
            let p2 = headTotal > 0 ? Double(headSum) / headTotal : 0
            // Under "no change" both sides share one proportion: the pooled one, as in the two-proportion z-test.
            let pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
            let spread = pooled * (1 - pooled)
            return (p2 - p1, spread * (1 / n1 + 1 / n2), spread * rho * (1 / k1 + 1 / k2))
        }
        // Absolute: per-profile means v of values whose Poisson variance is v × (value per sample) w per profile,
        // and whose between-run variance is a share's, ρ·p·T², without the (1 − p): in an absolute comparison the
        // profile's total T varies between runs too, so even a function holding all of it moves (by √ρ of itself).
        let w1 = baseTotal / n1, w2 = headTotal / n2
        let v1 = Double(baseSum) / k1, v2 = Double(headSum) / k2
        let t1 = baseTotal / k1, t2 = headTotal / k2
        return (v2 - v1, (v1 * w1) / k1 + (v2 * w2) / k2, rho * (v1 * t1 / k1 + v2 * t2 / k2))
    }

    /// Welch's t-test on per-profile values (shares when normalized). Each side's variance is at least what
    /// binomial sampling alone gives, so that two sides of identical profiles are not "certainly" different.
    private func welch(base: [Int64], head: [Int64]) -> Double {
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
}

extension Int {
    init(clampingDouble value: Double) {
        self = Int(Int64(clampingDouble: value))
    }
}

extension ChangeTest {
    /// The method-of-moments estimate of the between-run variance ρ from profiles of one unchanged program (A/A
    /// runs, one `HotspotReport` and sample count each): over every pair and every function whose pooled self
    /// share is at least 1%, Σ(Δ² − p(1−p)(1/n₁ + 1/n₂)) / Σ 2p(1−p), where Δ is the change of share. Multiply
    /// by `DiffOptions.calibrationMargin` for a ρ to test with (docs/diff.md § Calibration).
    public static func estimateBetweenRunVariance(_ runs: [(report: HotspotReport, samples: Int64)]) -> Double {
        var excess = 0.0, weight = 0.0
        let selfs = runs.map { run in
            Dictionary(run.report.functions.map { ($0.name, $0.selfValue) }, uniquingKeysWith: +)
        }
        for i in runs.indices {
            for j in runs.indices where j > i {
                let t1 = Double(runs[i].report.total), t2 = Double(runs[j].report.total)
                let n1 = Double(runs[i].samples), n2 = Double(runs[j].samples)
                guard t1 > 0, t2 > 0, n1 > 0, n2 > 0 else { continue }
                for name in Set(selfs[i].keys).union(selfs[j].keys).sorted() {  // sorted: the same sum every time
                    let x1 = Double(selfs[i][name] ?? 0) / t1, x2 = Double(selfs[j][name] ?? 0) / t2
                    let pooled = (x1 * n1 + x2 * n2) / (n1 + n2)
                    guard pooled >= 0.01 else { continue }
                    let spread = pooled * (1 - pooled)
                    excess += (x2 - x1) * (x2 - x1) - spread * (1 / n1 + 1 / n2)
                    weight += 2 * spread
                }
            }
        }
        return weight > 0 ? max(0, excess / weight) : 0
    }
}
