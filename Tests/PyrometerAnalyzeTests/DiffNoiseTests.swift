import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

/// The noise model of one profile per side, on the recordings of one session (scripts/make-diff-fixtures.sh small):
/// 12 unchanged runs sampled at 199 Hz (`small-aa`, ≈560 samples), 12 at 1999 Hz (`big-aa`, ≈5,700) and 12 small
/// runs with hash_block doing 30% more work (`small-slow`), interleaved on one shared machine (docs/diff.md).
@Suite struct DiffNoiseTests {
    static func names(_ prefix: String) -> [String] { (1 ... 12).map { prefix + String(format: "%02d.folded", $0) } }
    static let small = names("small-aa-"), big = names("big-aa-"), slowed = names("small-slow-")

    static func runs(_ names: [String]) throws -> [(report: HotspotReport, samples: Int64)] {
        try names.map { name in
            let profile = try DiffTests.profile(name)
            return (HotspotAnalyzer().analyze(profile, fold: FoldOptions()),
                    try #require(SampleCounts.count(in: profile, sampleType: 0)))
        }
    }

    /// Binomial z² of every function over 1% in every pair, averaged: the constant multiplier φ the old model used.
    static func meanBinomialZSquared(_ runs: [(report: HotspotReport, samples: Int64)]) -> Double {
        var squares: [Double] = []
        for i in runs.indices {
            for j in runs.indices where j > i {
                let n1 = Double(runs[i].samples), n2 = Double(runs[j].samples)
                for entry in runs[i].report.functions {
                    let other = runs[j].report.functions.first { $0.name == entry.name }?.selfValue ?? 0
                    let pooled = (Double(entry.selfValue) + Double(other)) / (n1 + n2)
                    guard pooled >= 0.01 else { continue }
                    let z = (Double(other) / n2 - Double(entry.selfValue) / n1)
                        / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
                    squares.append(z * z)
                }
            }
        }
        return squares.reduce(0, +) / Double(squares.count)
    }

    /// The session's ρ to test with: the margin times the moment estimate over both sizes.
    static func sessionOptions() throws -> DiffOptions {
        var options = DiffOptions()
        options.betweenRunVariance = DiffOptions.calibrationMargin
            * ChangeTest.estimateBetweenRunVariance(try runs(small + big))
        return options
    }

    /// The model's choice: between-run variance added to the binomial one (a beta-binomial), not a constant
    /// multiplier. Ten times fewer samples of the same runs leave the additive ρ about the same, whereas the
    /// multiplier that fits the big profiles is several times the one that fits the small ones.
    @Test func runNoiseIsAdditiveNotAMultiplier() throws {
        let small = try Self.runs(Self.small), big = try Self.runs(Self.big)
        let rhoSmall = ChangeTest.estimateBetweenRunVariance(small), rhoBig = ChangeTest.estimateBetweenRunVariance(big)
        #expect(rhoSmall / rhoBig > 0.5 && rhoSmall / rhoBig < 2, "ρ small \(rhoSmall), big \(rhoBig)")
        let phiSmall = Self.meanBinomialZSquared(small), phiBig = Self.meanBinomialZSquared(big)
        #expect(phiBig / phiSmall > 3, "φ small \(phiSmall), big \(phiBig)")
        // The additive model predicts the small profiles' multiplier from the big ones': 1 + ρ·n.
        let predicted = 1 + rhoBig * Double(small.map(\.samples).reduce(0, +)) / Double(small.count)
        #expect(abs(predicted - phiSmall) < 0.5 * phiSmall, "predicted \(predicted), measured \(phiSmall)")
    }

    /// At the session's calibrated ρ, no pair of unchanged runs of either size flags anything (132 pairs).
    @Test(arguments: ["small-aa-", "big-aa-"])
    func aaPairsFlagNothing(prefix: String) throws {
        let options = try Self.sessionOptions()
        let names = Self.names(prefix)
        for i in names.indices {
            for j in names.indices where j > i {
                let report = try DiffTests.diff([names[i]], [names[j]], options: options)
                let flagged = report.regressions.map(\.name) + report.improvements.map(\.name)
                #expect(flagged.isEmpty, "\(names[i]) vs \(names[j]): \(flagged)")
            }
        }
    }

    /// The planted regression in small profiles (+30% of a function holding 28% of ≈560 samples: +5.5 points on
    /// average): its detection rate in the 144 small pairs at the session's noise, and at the quieter calibration
    /// machine's default (docs/diff.md § Calibration has the figures). No other function is ever reported as
    /// regressed, and every pair that does not find it says what would settle it.
    @Test func plantedRegressionInSmallPairs() throws {
        func found(_ options: DiffOptions) throws -> Int {
            var found = 0
            for base in Self.small {
                for head in Self.slowed {
                    let report = try DiffTests.diff([base], [head], options: options)
                    #expect(report.regressions.allSatisfy { $0.name == "hash_block" }, "\(base) vs \(head)")
                    let hash = try #require(report.functions.first { $0.name == "hash_block" })
                    if hash.regressed { found += 1 }
                    if hash.exceedsThreshold && !hash.significant { #expect(hash.settlement != nil) }
                }
            }
            return found
        }
        let atSessionNoise = try found(Self.sessionOptions()), atDefault = try found(DiffOptions())
        #expect(atSessionNoise >= 14, "found in \(atSessionNoise) of 144 pairs at the session's noise")
        #expect(atDefault >= 65, "found in \(atDefault) of 144 pairs at the default noise")
        #expect(atDefault > atSessionNoise)
    }

    /// A change that is not significant says how many samples would make it so, and they do: the same profiles
    /// with every count multiplied by that factor make the change significant.
    @Test func moreSamplesSettleTheChange() throws {
        let options = try Self.sessionOptions()
        var checked = 0
        for (base, head) in zip(Self.small, Self.slowed) {
            let report = try DiffTests.diff([base], [head], options: options)
            let hash = try #require(report.functions.first { $0.name == "hash_block" })
            guard case .moreSamples(let factor, let perProfile)? = hash.settlement else { continue }
            #expect(factor > 1)
            let scale = Int64(factor.rounded(.up))
            #expect(perProfile <= scale * max(report.baseSamples!, report.headSamples!))
            let scaled = try DiffTests.diff([base], [head], scaledBy: scale, options: options)
            let again = try #require(scaled.functions.first { $0.name == "hash_block" })
            #expect(again.regressed,
                    "\(base) vs \(head) with \(scale)× the samples: p(Holm) \(again.adjustedPValue ?? 1)")
            checked += 1
        }
        #expect(checked > 0)
    }

    /// When the between-run variance alone hides the change, no number of samples settles it: more profiles do.
    @Test func runNoiseNeedsMoreProfiles() throws {
        var options = DiffOptions()
        options.betweenRunVariance = 0.05  // a very noisy fleet: a 30% share moves by ±10 points between runs
        let report = try DiffTests.diff(["small-aa-01.folded"], ["small-slow-01.folded"], options: options)
        let unsettled = report.functions.compactMap(\.settlement)
        #expect(!unsettled.isEmpty)
        for settlement in unsettled {
            guard case .moreProfiles(let perSide) = settlement else {
                Issue.record("expected more profiles, got \(settlement)")
                continue
            }
            #expect(perSide >= 2)
        }
    }
}
