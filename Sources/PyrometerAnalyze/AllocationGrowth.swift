#if canImport(Glibc)
import Glibc
#endif
import PyrometerModel

/// How an allocation sample type (`alloc_space`, `alloc_objects`) grew from base to head: in total and per function
/// (self values: the function that called the allocator, as attribution charges it), within the stacks that pass
/// through a root function, so that start-up allocations (libstdc++'s emergency pool, the dynamic loader, a
/// runtime's set-up) do not decide a gate. Values are means per profile of each side.
public struct AllocationGrowth: Sendable {
    public struct FunctionGrowth: Sendable {
        public var name: String
        public var base: Double
        public var head: Double
        /// Samples behind the base and head values of sampled profiles (sums over each side's profiles; 0 where
        /// a side counted every allocation); nil when every profile did.
        public var samples: (base: Double, head: Double)?
        /// head / base - 1; infinity for a function new in head.
        public var growth: Double { base > 0 ? head / base - 1 : (head > 0 ? .infinity : 0) }

        /// Whether the growth exceeds `limit` beyond sampling noise (`AllocationGrowth.exceeds`).
        public func exceeds(_ limit: Double) -> Bool {
            AllocationGrowth.exceeds(limit, base: base, head: head, samples: samples)
        }
    }

    /// The sample type compared.
    public var type: String
    /// The root the totals were restricted to; nil when none applied (no stack of either side passes through it).
    public var root: String?
    public var baseTotal: Double
    public var headTotal: Double
    /// Every profile of both sides counted every allocation; else some values are estimates from samples.
    public var exact: Bool
    /// Some profile's recorder lost events (`SourceTraits.eventsLost`): its counts are lower bounds, and no gate
    /// may decide on them.
    public var incomplete: Bool
    /// Every function with a value on either side, largest growth in absolute terms first.
    public var functions: [FunctionGrowth]
    /// Samples behind the totals, as `FunctionGrowth.samples`.
    public var totalSamples: (base: Double, head: Double)?
    /// The largest share, over both sides, of a side's total that allocating code without symbols charged (the
    /// program's binary not found): per function, such a side cannot be judged.
    public var unsymbolizedShare = 0.0
    /// Names of the unsymbolized code, largest first, for the message.
    public var unsymbolizedFunctions: [String] = []
    public var growth: Double { baseTotal > 0 ? headTotal / baseTotal - 1 : (headTotal > 0 ? .infinity : 0) }

    /// Whether the total grew past `limit` beyond sampling noise.
    public func totalExceeds(_ limit: Double) -> Bool {
        Self.exceeds(limit, base: baseTotal, head: headTotal, samples: totalSamples)
    }

    /// The one-sided z of the noise test: a growth fails when the lower 95% bound of head / base is over 1 + limit.
    public static let noiseZ = 1.645

    /// Exact counts (no samples): any growth past `limit`. Sampled: each side's value is a count of samples, each
    /// standing for about the sampling rate's bytes, so Poisson: on the log scale head / base has a standard
    /// error of sqrt(1/n_base + 1/n_head), and the growth fails only when its lower 95% bound is past the limit.
    /// A function new in head needs 3 samples there, the fewest whose Poisson lower bound is above zero.
    static func exceeds(_ limit: Double, base: Double, head: Double, samples: (base: Double, head: Double)?) -> Bool {
        guard head > base * (1 + limit) + 1e-9 * max(base, 1) else { return false }
        guard let samples, samples.base > 0 || samples.head > 0 else { return true }
        guard base > 0 else { return samples.head >= 3 || samples.head == 0 }
        let variance = (samples.base > 0 ? 1 / samples.base : 0) + (samples.head > 0 ? 1 / samples.head : 0)
        return log(head / base) - noiseZ * variance.squareRoot() > log1p(limit)
    }

    /// The smallest change, as a share of the base total, for which a function's growth can fail a gate: a site that
    /// goes from 1 block to 2 has grown 100% and does not matter.
    public static let minimumShareOfTotal = 0.01

    /// The functions whose growth exceeds `limit` (beyond noise, when sampled) by a change of at least
    /// `minimumShareOfTotal` of the base total.
    public func functions(over limit: Double) -> [FunctionGrowth] {
        let floor = Self.minimumShareOfTotal * max(baseTotal, 0)
        return functions.filter { $0.exceeds(limit) && $0.head - $0.base >= floor }
    }

    /// Functions past the limit by their estimates but within sampling noise: not failures, but worth saying.
    public func functionsWithinNoise(over limit: Double) -> [FunctionGrowth] {
        let floor = Self.minimumShareOfTotal * max(baseTotal, 0)
        return functions.filter { $0.growth > limit + 1e-12 && $0.head - $0.base >= floor && !$0.exceeds(limit) }
    }

    /// The program's entry, the default root: C's `main` (which C++, Rust and Swift programs have too), Go's
    /// `main.main`.
    public static let defaultRoots = ["main", "main.main"]

    /// Measures `type` on the profiles of each side that have it; nil when a side has none. `root` nil means the
    /// first of `defaultRoots` some stack passes through.
    public static func measure(type: String, base: [Profile], head: [Profile], root: String?,
                               fold: (Profile) throws -> FoldOptions, attribution: AttributionOptions) rethrows
        -> AllocationGrowth? {
        let baseStacks = try base.compactMap { try stacks($0, type: type, fold: fold, attribution: attribution) }
        let headStacks = try head.compactMap { try stacks($0, type: type, fold: fold, attribution: attribution) }
        guard !baseStacks.isEmpty, !headStacks.isEmpty else { return nil }
        // A root applies when every profile has it: one missing from a profile (a stripped build, stacks cut short
        // above it) would count as all of that profile's allocations gone.
        let wanted = root.map { [$0] } ?? defaultRoots
        let all = baseStacks + headStacks
        let through = wanted.first { name in all.allSatisfy { $0.names.contains(name) } }
        let (baseTotal, baseSelf) = sums(baseStacks, root: through)
        let (headTotal, headSelf) = sums(headStacks, root: through)
        let unsymbolized = Set((baseStacks + headStacks).flatMap { stacks in stacks.unsymbolizedNames.map { stacks.names[Int($0)] } })
        func unsymbolizedShare(_ selfValues: [String: Double], _ total: Double) -> Double {
            total > 0 ? selfValues.filter { unsymbolized.contains($0.key) }.values.reduce(0, +) / total : 0
        }
        // Sampled profiles: how many samples are behind each function's values, from its bytes and the rate.
        let baseNoise = try samples(base, root: through, fold: fold, attribution: attribution)
        let headNoise = try samples(head, root: through, fold: fold, attribution: attribution)
        let sampled = baseNoise != nil || headNoise != nil
        var functions: [FunctionGrowth] = []
        for name in Set(baseSelf.keys).union(headSelf.keys) {
            functions.append(FunctionGrowth(
                name: name, base: baseSelf[name, default: 0] / Double(baseStacks.count),
                head: headSelf[name, default: 0] / Double(headStacks.count),
                samples: sampled ? (baseNoise?.perFunction[name] ?? 0, headNoise?.perFunction[name] ?? 0) : nil))
        }
        functions.sort { abs($0.head - $0.base) != abs($1.head - $1.base)
            ? abs($0.head - $0.base) > abs($1.head - $1.base) : $0.name < $1.name }
        let measured = (base + head).filter { $0.sampleTypeIndex(named: type) != nil }
        var growth = AllocationGrowth(type: type, root: through, baseTotal: baseTotal / Double(baseStacks.count),
                                headTotal: headTotal / Double(headStacks.count),
                                exact: measured.allSatisfy { $0.sourceTraits.contains(.exactAllocationCounts) },
                                incomplete: measured.contains { $0.sourceTraits.contains(.eventsLost) },
                                functions: functions,
                                totalSamples: sampled ? (baseNoise?.total ?? 0, headNoise?.total ?? 0) : nil)
        growth.unsymbolizedShare = max(unsymbolizedShare(baseSelf, baseTotal), unsymbolizedShare(headSelf, headTotal))
        growth.unsymbolizedFunctions = functions.map(\.name).filter(unsymbolized.contains)
        return growth
    }

    /// Above this share of unsymbolized allocating code, the per-function rule cannot decide: a tenth of the
    /// allocations might hide any site's growth.
    public static let maximumUnsymbolizedShare = 0.10

    /// Bytes per sample of a sampled allocation profile: pprof's period when its type is bytes (Go's
    /// MemProfileRate, jemalloc's and gperftools' rate); nil for a profile that counted every allocation.
    public static func samplingRate(_ profile: Profile) -> Double? {
        guard !profile.sourceTraits.contains(.exactAllocationCounts), profile.periodType?.unit == "bytes",
              profile.period > 1 else { return nil }
        return Double(profile.period)
    }

    /// The samples behind a side's values, per function and in total, over its sampled profiles: each function's
    /// `alloc_space` over the rate (a sample stands for about the rate's bytes; a block larger than the rate is
    /// sampled almost surely and counts less than its share here, which widens the noise, never narrows it).
    /// nil when no profile of the side is sampled.
    private static func samples(_ profiles: [Profile], root: String?, fold: (Profile) throws -> FoldOptions,
                                attribution: AttributionOptions) rethrows -> (total: Double, perFunction: [String: Double])? {
        var total = 0.0, perFunction: [String: Double] = [:], any = false
        for profile in profiles {
            guard let rate = samplingRate(profile),
                  let space = try stacks(profile, type: ValueType.allocatedSpace.type, fold: fold, attribution: attribution)
            else { continue }
            any = true
            let (sum, selfValues) = sums([space], root: root)
            total += sum / rate
            for (name, value) in selfValues { perFunction[name, default: 0] += value / rate }
        }
        return any ? (total, perFunction) : nil
    }

    private static func stacks(_ profile: Profile, type: String, fold: (Profile) throws -> FoldOptions,
                               attribution: AttributionOptions) rethrows -> FunctionStacks? {
        guard let index = profile.sampleTypeIndex(named: type) else { return nil }
        var options = try fold(profile)
        options.sampleType = index
        options.processRoot = false  // the process name is no function
        return Attributor(options: attribution).functionStacks(profile, fold: options)
    }

    /// The total and the self value per function name, over the stacks through `root` (all when nil).
    private static func sums(_ sides: [FunctionStacks], root: String?) -> (Double, [String: Double]) {
        var total = 0.0
        var selfValues: [String: Double] = [:]
        for stacks in sides {
            let rootID = root.flatMap { name in stacks.names.firstIndex(of: name).map(Int32.init) }
            if root != nil && rootID == nil { continue }
            for id in 0 ..< stacks.count {
                let frames = stacks.stacks[StackID(id)]
                guard let leaf = frames.last, rootID.map(frames.contains) ?? true else { continue }
                let value = Double(stacks.values[id])
                total += value
                selfValues[stacks.names[Int(leaf)], default: 0] += value
            }
        }
        return (total, selfValues)
    }
}
