import PyrometerModel

/// Computes hotspots at function granularity, with self time charged as `Attributor` charges it.
public struct HotspotAnalyzer: Sendable {
    public var options: HotspotOptions
    public init(options: HotspotOptions = HotspotOptions()) { self.options = options }

    /// Analyzes `profile` at function granularity, as pprof's `-top -noinlines` does by default (see
    /// `AttributionOptions`): the process root frame (`comm`) is left out (it is not a function, and its total is
    /// always 100%; folded text cannot tell it apart, so `fold | hotspots` lists it), and unsymbolized code counts
    /// per module (`[libc.so.6]`).
    public func analyze(_ profile: Profile, fold: FoldOptions, kind: ProfileKind? = nil) -> HotspotReport {
        var stacks = Self.functionStacks(profile, fold: fold, attribution: options.attribution)
        if let kind { stacks.kind = kind }
        return analyze(stacks)
    }

    /// `profile` at function granularity, as `analyze(_:fold:kind:)` analyzes it; `merge` into another such
    /// value to analyze several profiles as one.
    public static func functionStacks(_ profile: Profile, fold: FoldOptions,
                                      attribution: AttributionOptions) -> FunctionStacks {
        Attributor(options: attribution).functionStacks(profile, fold: fold)
    }

    /// Analyzes folded stacks whose every frame is a function (no inlined callees or native frames inside them).
    public func analyze(_ folded: FoldedStacks) -> HotspotReport {
        analyze(FunctionStacks(folded))
    }

    /// - Complexity: O(stacks × depth).
    public func analyze(_ stacks: FunctionStacks) -> HotspotReport {
        let threshold = options.threshold ?? HotspotOptions.defaultThreshold(for: stacks.kind)
        let nameCount = stacks.names.count
        var selfValues = [Int64](repeating: 0, count: nameCount)
        var totalValues = [Int64](repeating: 0, count: nameCount)
        // Per stack: which functions were counted already (stamp = stack index + 1).
        var seenInStack = [Int](repeating: 0, count: nameCount)
        var total = stacks.unattributed
        // Self values spent inside functions: (function, charge) → value.
        var chargedPairs = PairIndex(capacity: 64)
        var chargedValues: [Int64] = []

        // Pass 1, self and total. On unsafe buffers: slices per stack cost a retain and a release each (the loops
        // are O(all frames)).
        stacks.stacks.frames.withUnsafeBufferPointer { stackFrames in
        stacks.stacks.offsets.withUnsafeBufferPointer { stackOffsets in
        stacks.values.withUnsafeBufferPointer { stackValues in
        stacks.charges.withUnsafeBufferPointer { charges in
        seenInStack.withUnsafeMutableBufferPointer { seen in
        selfValues.withUnsafeMutableBufferPointer { selfs in
        totalValues.withUnsafeMutableBufferPointer { totals in
            for id in 0 ..< stackValues.count {
                let value = stackValues[id]
                if value == 0 { continue }
                total.saturatingAdd(value)
                let start = Int(stackOffsets[id]), end = Int(stackOffsets[id + 1])
                guard end > start else { continue }
                let leaf = stackFrames[end - 1]
                selfs[Int(leaf)].saturatingAdd(value)
                if charges[id] != .none {
                    let pair = chargedPairs.id(leaf, charges[id].code)
                    if pair == chargedValues.count { chargedValues.append(0) }
                    chargedValues[pair].saturatingAdd(value)
                }
                for index in start ..< end {
                    let frame = Int(stackFrames[index])
                    if seen[frame] != id + 1 {
                        seen[frame] = id + 1
                        totals[frame].saturatingAdd(value)
                    }
                }
            }
        }
        }
        }
        }
        }
        }
        }

        // A share exactly at the threshold is a finding; the tolerance absorbs the rounding of `pct / 100`.
        let limit = Double(total) * threshold * (1 - 1e-9)

        // Pass 2, call edges, only out of the few functions that could be hot paths (total at or above the
        // threshold, self below it): for each, the largest value of the stacks through one of its calls to another
        // function.
        var isCandidate = [Bool](repeating: false, count: nameCount)
        var anyCandidate = false
        for i in 0 ..< nameCount where total > 0 && Double(totalValues[i]) >= limit && Double(selfValues[i]) < limit {
            isCandidate[i] = true
            anyCandidate = true
        }
        let largestCallee = anyCandidate
            ? Self.largestCalleeValues(stacks, isCandidate: isCandidate) : [Int64](repeating: 0, count: nameCount)
        let breakdown = Breakdown(stacks, pairs: chargedPairs, values: chargedValues, total: total)
        var entries: [HotspotEntry] = []
        for i in 0 ..< nameCount where totalValues[i] != 0 {
            let selfValue = selfValues[i], totalValue = totalValues[i]
            let flagged = total > 0 && Double(selfValue) >= limit
            let hotPath = total > 0 && !flagged && Double(totalValue) >= limit && Double(largestCallee[i]) < limit
            entries.append(HotspotEntry(
                name: stacks.names[i], selfValue: selfValue, totalValue: totalValue,
                selfShare: total > 0 ? Double(selfValue) / Double(total) : 0,
                totalShare: total > 0 ? Double(totalValue) / Double(total) : 0,
                flagged: flagged, hotPath: hotPath,
                inlined: breakdown.inside(Int32(i), .inlined), native: breakdown.inside(Int32(i), .native)))
        }
        let functionCount = entries.count
        entries = Self.ordered(entries, keepingTop: options.keepTop)
        return HotspotReport(total: total, valueType: stacks.valueType, kind: stacks.kind, threshold: threshold,
                             functions: entries, functionCount: functionCount,
                             inlinedFindings: breakdown.inlinedFindings(atLeast: limit),
                             attribution: options.attribution)
    }

    /// The self values charged inside functions, from pass 1's (function, charge) sums.
    private struct Breakdown {
        /// Per function: (charge, value) pairs.
        private var byFunction: [Int32: [(FunctionStacks.Charge, Int64)]] = [:]
        private let stacks: FunctionStacks
        private let total: Int64

        init(_ stacks: FunctionStacks, pairs: PairIndex, values: [Int64], total: Int64) {
            self.stacks = stacks
            self.total = total
            for (pair, value) in values.enumerated() {
                let (function, code) = pairs.pair(pair)
                byFunction[function, default: []].append((FunctionStacks.Charge(code: code), value))
            }
        }

        private func share(_ value: Int64) -> Double { total > 0 ? Double(value) / Double(total) : 0 }

        /// What `function`'s self value was spent in, of one kind, largest first (then by name).
        func inside(_ function: Int32, _ kind: ChargeKind) -> [ChargedFunction] {
            guard let charges = byFunction[function] else { return [] }
            return Self.sorted(charges.filter { $0.0.kind == kind }.map {
                ChargedFunction(name: stacks.name(of: $0.0)!, selfValue: $0.1, selfShare: share($0.1))
            })
        }

        /// Inlined functions whose self value over all their hosts is at least `limit`.
        func inlinedFindings(atLeast limit: Double) -> [InlinedHotspot] {
            var hosts: [Int32: [ChargedFunction]] = [:]
            for (function, charges) in byFunction {
                for (charge, value) in charges where charge.kind == .inlined {
                    hosts[charge.id, default: []].append(ChargedFunction(
                        name: stacks.names[Int(function)], selfValue: value, selfShare: share(value)))
                }
            }
            var findings: [InlinedHotspot] = []
            for (id, list) in hosts {
                let value = list.reduce(Int64(0)) { $0.addingSaturated($1.selfValue) }
                guard total > 0 && Double(value) >= limit else { continue }
                findings.append(InlinedHotspot(name: stacks.inlinedNames[Int(id)], selfValue: value,
                                               selfShare: share(value), hosts: Self.sorted(list)))
            }
            return findings.sorted {
                $0.selfValue != $1.selfValue ? $0.selfValue > $1.selfValue
                    : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
            }
        }

        private static func sorted(_ list: [ChargedFunction]) -> [ChargedFunction] {
            list.sorted {
                $0.selfValue != $1.selfValue ? $0.selfValue > $1.selfValue
                    : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
            }
        }
    }

    /// For each candidate caller, the largest value of the stacks through one of its calls to another function,
    /// each stack counted once per edge (stamp = stack index + 1); 0 for other functions.
    /// `denseLimit` is the most (candidate, callee) slots a dense table may have.
    static func largestCalleeValues(_ stacks: FunctionStacks, isCandidate: [Bool],
                                    denseLimit: Int = 1 << 20) -> [Int64] {
        let nameCount = stacks.names.count
        var largest = [Int64](repeating: 0, count: nameCount)
        // Candidates are few (their totals reach the threshold), so a dense table of (candidate, callee) slots
        // is small and takes one memory access per call edge, where a hash of the pair took four scattered
        // ones (most of a large profile's analysis). A table too large for that falls back to hashing.
        var candidateSlot = [Int](repeating: -1, count: nameCount)
        var candidateCount = 0
        for i in 0 ..< nameCount where isCandidate[i] {
            candidateSlot[i] = candidateCount * nameCount
            candidateCount += 1
        }
        struct Edge { var stamp = 0, value: Int64 = 0 }
        let dense = candidateCount * nameCount <= denseLimit
        var table = [Edge](repeating: Edge(), count: dense ? candidateCount * nameCount : 0)
        var pairs = PairIndex(capacity: dense ? 1 : 64)
        var pairEdges: [Edge] = []

        stacks.stacks.frames.withUnsafeBufferPointer { stackFrames in
        stacks.stacks.offsets.withUnsafeBufferPointer { stackOffsets in
        stacks.values.withUnsafeBufferPointer { values in
        candidateSlot.withUnsafeBufferPointer { slots in
        table.withUnsafeMutableBufferPointer { table in
            for id in 0 ..< values.count where values[id] != 0 {
                let value = values[id]
                let start = Int(stackOffsets[id]), end = Int(stackOffsets[id + 1])
                var index = start + 1
                while index < end {
                    let caller = stackFrames[index - 1], callee = stackFrames[index]
                    index += 1
                    let slot = slots[Int(caller)]
                    // A recursive call (f → f) is not a callee that takes the cost away from f.
                    guard slot >= 0 && caller != callee else { continue }
                    if dense {
                        let edge = slot + Int(callee)
                        if table[edge].stamp != id + 1 {
                            table[edge].stamp = id + 1
                            table[edge].value.saturatingAdd(value)
                        }
                    } else {
                        let edge = pairs.id(caller, callee)
                        if edge == pairEdges.count { pairEdges.append(Edge()) }
                        if pairEdges[edge].stamp != id + 1 {
                            pairEdges[edge].stamp = id + 1
                            pairEdges[edge].value.saturatingAdd(value)
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
        if dense {
            for caller in 0 ..< nameCount where candidateSlot[caller] >= 0 {
                let slot = candidateSlot[caller]
                for callee in 0 ..< nameCount { largest[caller] = max(largest[caller], table[slot + callee].value) }
            }
        } else {
            for (edge, entry) in pairEdges.enumerated() {
                let caller = Int(pairs.first(edge))
                largest[caller] = max(largest[caller], entry.value)
            }
        }
        return largest
    }

    /// Orders entries by self value, then total value (both descending), then name; with `keepTop`, only the first
    /// `keepTop` in that order and the findings are kept.
    private static func ordered(_ entries: [HotspotEntry], keepingTop: Int?) -> [HotspotEntry] {
        // Integer keys first: most of the order is decided without touching a name.
        var keys = entries.enumerated().map { (selfValue: $1.selfValue, totalValue: $1.totalValue, index: $0) }
        keys.sort { x, y in
            x.selfValue != y.selfValue ? x.selfValue > y.selfValue : x.totalValue > y.totalValue
        }
        var selected = keys
        if let keepTop = keepingTop, keepTop < keys.count {
            // The first `keepTop`, extended to the end of the run of equal values at the cut (names decide inside
            // it), plus the findings beyond.
            var end = keepTop
            while end > 0 && end < keys.count && keys[end].selfValue == keys[end - 1].selfValue
                    && keys[end].totalValue == keys[end - 1].totalValue {
                end += 1
            }
            selected = Array(keys[..<end])
            for key in keys[end...] where entries[key.index].flagged || entries[key.index].hotPath {
                selected.append(key)
            }
        }
        // Names compared with their bytes at hand: comparing `String.utf8` views, or copying entries in the
        // comparator, was most of the run on profiles with many functions of equal value. Names are unique, so
        // the order is total.
        var nameBytes: [UInt8] = []
        var nameRanges = [Range<Int>](repeating: 0 ..< 0, count: entries.count)  // by entry index
        for key in selected {
            let start = nameBytes.count
            nameBytes.append(contentsOf: entries[key.index].name.utf8)
            nameRanges[key.index] = start ..< nameBytes.count
        }
        nameBytes.withUnsafeBytes { names in
            selected.sort { x, y in
                if x.selfValue != y.selfValue { return x.selfValue > y.selfValue }
                if x.totalValue != y.totalValue { return x.totalValue > y.totalValue }
                return ByteOrder.precedes(UnsafeRawBufferPointer(rebasing: names[nameRanges[x.index]]),
                                          UnsafeRawBufferPointer(rebasing: names[nameRanges[y.index]]))
            }
        }
        if let keepTop = keepingTop, selected.count > keepTop {
            // Findings cut off by the run extension stay; other functions past the limit go.
            selected = selected.enumerated().filter { position, key in
                position < keepTop || entries[key.index].flagged || entries[key.index].hotPath
            }.map(\.element)
        }
        return selected.map { entries[$0.index] }
    }
}
