#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few distributions and corrections the diff's significance tests need.
public enum Statistics {
    /// Two-sided p-value of a standard normal statistic `z`.
    public static func normalTwoSided(_ z: Double) -> Double {
        guard z.isFinite else { return z.isNaN ? 1 : 0 }
        return erfc(abs(z) / 2.0.squareRoot())
    }

    /// The z at which the two-sided p-value is `p` (the critical value of a test at level `p`: 1.96 for 0.05), by
    /// bisection on `normalTwoSided`; 0 for p ≥ 1, infinity for p ≤ 0.
    public static func normalCritical(_ p: Double) -> Double {
        guard p < 1 else { return 0 }
        guard p > 0 else { return .infinity }
        var low = 0.0, high = 40.0
        for _ in 0 ..< 200 {
            let middle = (low + high) / 2
            if normalTwoSided(middle) > p { low = middle } else { high = middle }
            if high - low < 1e-12 { break }
        }
        return (low + high) / 2
    }

    /// Two-sided p-value of Student's t statistic `t` with `degreesOfFreedom` (need not be an integer, as Welch's
    /// are not): P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2).
    public static func studentTwoSided(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? 1 : 0 }
        guard nu.isFinite, nu > 0 else { return normalTwoSided(t) }
        return min(1, max(0, regularizedIncompleteBeta(x: nu / (nu + t * t), a: nu / 2, b: 0.5)))
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz), taken on
    /// whichever side of the mean converges fast.
    public static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-15
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1 ... 300 {
            let m = Double(m)
            // Even step.
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            // Odd step.
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < epsilon { break }
        }
        return result
    }

    /// Holm's step-down adjustment of p-values for testing them all at once (controls the chance of any false
    /// alarm, whatever the dependence between the tests): the adjusted p-values, in the input order.
    public static func holmAdjusted(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Mean and unbiased sample variance.
    public static func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, squares / Double(values.count - 1))
    }
}
