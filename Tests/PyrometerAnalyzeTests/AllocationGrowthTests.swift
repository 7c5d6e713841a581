import PyrometerAnalyze
import PyrometerModel
import Testing

/// The allocation gate's rule on sampled heap profiles (Go's, jemalloc's at its default rate): a function's growth
/// past the limit fails only beyond sampling noise. Profiles made here with known sample counts: pprof's heap
/// sampling keeps about one sample per `period` bytes, so a function with `n` samples' worth of bytes is a Poisson
/// count of about `n`.
@Suite struct AllocationGrowthTests {
    static let rate: Int64 = 512 * 1024

    /// main → churn and main → steady; values in samples' worth of bytes at `rate`.
    static func heap(churn: Int64, steady: Int64, exact: Bool = false) -> Profile {
        var builder = ProfileBuilder(sampleTypes: [.allocatedObjects, .allocatedSpace], sourceFormat: "test",
                                     sourceTraits: exact ? .exactAllocationCounts : [])
        builder.periodType = ValueType(type: "space", unit: "bytes")
        builder.period = rate
        func location(_ name: String) -> LocationID {
            builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: builder.function(named: name))]))
        }
        let main = location("main")
        for (name, samples) in [("churn", churn), ("steady", steady)] {
            let stack = builder.intern(stack: [location(name), main])
            builder.add(stack: stack, values: [samples * 100, samples * rate])
        }
        return builder.build()
    }

    static func growth(_ base: Profile, _ head: Profile) throws -> AllocationGrowth {
        try #require(try AllocationGrowth.measure(type: "alloc_space", base: [base], head: [head], root: nil,
                                                  fold: { _ in FoldOptions() }, attribution: AttributionOptions()))
    }

    /// +30% on 10 samples is noise; on 10,000 it is a regression; the estimates are the same shares either way.
    @Test func smallSampledGrowthIsNoise() throws {
        let small = try Self.growth(Self.heap(churn: 10, steady: 100), Self.heap(churn: 13, steady: 100))
        #expect(!small.exact)
        let churn = try #require(small.functions.first { $0.name == "churn" })
        #expect(abs(churn.growth - 0.3) < 1e-9)
        #expect(small.functions(over: 0.10).isEmpty)
        #expect(small.functionsWithinNoise(over: 0.10).map(\.name) == ["churn"])
        let large = try Self.growth(Self.heap(churn: 10_000, steady: 100_000), Self.heap(churn: 13_000, steady: 100_000))
        #expect(large.functions(over: 0.10).map(\.name) == ["churn"])
        #expect(large.functions(over: 0.40).isEmpty)
    }

    /// Exact counts need no test: 10 → 13 blocks fails at 10%.
    @Test func exactCountsNeedNoNoiseTest() throws {
        let exact = try Self.growth(Self.heap(churn: 10, steady: 100, exact: true),
                                    Self.heap(churn: 13, steady: 100, exact: true))
        #expect(exact.exact && exact.totalSamples == nil)
        #expect(exact.functions(over: 0.10).map(\.name) == ["churn"])
    }

    /// The total's rule is the same: +2.7% of 110 samples passes a 2% limit as noise, of 110,000 fails it.
    @Test func sampledTotals() throws {
        let small = try Self.growth(Self.heap(churn: 10, steady: 100), Self.heap(churn: 13, steady: 100))
        #expect(small.growth > 0.02 && !small.totalExceeds(0.02))
        let large = try Self.growth(Self.heap(churn: 10_000, steady: 100_000), Self.heap(churn: 13_000, steady: 100_000))
        #expect(large.totalExceeds(0.02) && !large.totalExceeds(0.05))
    }
}
