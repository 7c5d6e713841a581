import Foundation
import PyrometerAnalyze
import Testing

@Suite struct StatisticsTests {
    @Test func normalTailsMatchTables() {
        #expect(abs(Statistics.normalTwoSided(1.959964) - 0.05) < 1e-6)
        #expect(abs(Statistics.normalTwoSided(-2.575829) - 0.01) < 1e-6)
        #expect(Statistics.normalTwoSided(0) == 1)
        #expect(Statistics.normalTwoSided(.infinity) == 0)
        #expect(Statistics.normalTwoSided(.nan) == 1)
    }

    /// The inverse of `normalTwoSided`: the tables' critical values, and a round trip far in the tail.
    @Test func normalCriticalValuesMatchTables() {
        #expect(abs(Statistics.normalCritical(0.05) - 1.959964) < 1e-6)
        #expect(abs(Statistics.normalCritical(0.01) - 2.575829) < 1e-6)
        #expect(abs(Statistics.normalCritical(0.05 / 4) - 2.497705) < 1e-6)  // Bonferroni over 4 tests
        #expect(abs(Statistics.normalTwoSided(Statistics.normalCritical(1e-9)) - 1e-9) < 1e-15)
        #expect(Statistics.normalCritical(1) == 0)
        #expect(Statistics.normalCritical(0) == .infinity)
    }

    /// Critical values from Student's t tables, and the closed form for one degree of freedom (Cauchy).
    @Test func studentTailsMatchTables() {
        #expect(abs(Statistics.studentTwoSided(2.228139, degreesOfFreedom: 10) - 0.05) < 1e-5)
        #expect(abs(Statistics.studentTwoSided(3.169273, degreesOfFreedom: 10) - 0.01) < 1e-5)
        #expect(abs(Statistics.studentTwoSided(2.570582, degreesOfFreedom: 5) - 0.05) < 1e-5)
        #expect(abs(Statistics.studentTwoSided(1.983972, degreesOfFreedom: 100) - 0.05) < 1e-5)
        for t in [0.1, 1, 3, 12.7062] {
            let cauchy = 1 - 2 / Double.pi * atan(t)
            #expect(abs(Statistics.studentTwoSided(-t, degreesOfFreedom: 1) - cauchy) < 1e-9)
        }
        // Welch's degrees of freedom are not integers.
        let between = Statistics.studentTwoSided(2.5, degreesOfFreedom: 7.5)
        #expect(between > Statistics.studentTwoSided(2.5, degreesOfFreedom: 8))
        #expect(between < Statistics.studentTwoSided(2.5, degreesOfFreedom: 7))
    }

    @Test func incompleteBetaKnownValues() {
        // I_x(1, 1) = x; I_x(2, 1) = x²; I_0.5(a, a) = 1/2.
        #expect(abs(Statistics.regularizedIncompleteBeta(x: 0.3, a: 1, b: 1) - 0.3) < 1e-12)
        #expect(abs(Statistics.regularizedIncompleteBeta(x: 0.7, a: 2, b: 1) - 0.49) < 1e-12)
        #expect(abs(Statistics.regularizedIncompleteBeta(x: 0.5, a: 7.3, b: 7.3) - 0.5) < 1e-12)
    }

    /// Holm's step-down: sorted p-values times (m, m-1, ...), made monotone.
    @Test func holmAdjustment() {
        let adjusted = Statistics.holmAdjusted([0.01, 0.04, 0.03, 0.005])
        let expected = [0.03, 0.06, 0.06, 0.02]
        for (a, e) in zip(adjusted, expected) { #expect(abs(a - e) < 1e-12) }
        #expect(Statistics.holmAdjusted([]) == [])
        #expect(Statistics.holmAdjusted([0.9, 0.8]) == [1, 1])
    }
}
