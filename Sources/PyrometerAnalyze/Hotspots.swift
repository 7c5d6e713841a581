import PyrometerModel

/// Options of the hotspot analysis; each field documents its default.
public struct HotspotOptions: Sendable {
    /// The share (0...1) at which a function is a finding; nil (the default) picks 20% for CPU and other profiles
    /// and 10% for wall-clock profiles.
    public var threshold: Double? = nil
    /// Keep only this many functions in the report, the first in its order, plus every finding (flagged or hot
    /// path); nil (the default) keeps all. A report that is printed with a limit needs no more, and ordering tens of
    /// thousands of rarely sampled functions by name was a fifth of a large profile's analysis.
    public var keepTop: Int? = nil
    public init() {}

    public static func defaultThreshold(for kind: ProfileKind) -> Double {
        kind == .wall ? 0.10 : 0.20
    }
}

/// One function's row in a hotspot report.
public struct HotspotEntry: Sendable, Equatable {
    public var name: String
    /// Value of stacks whose leaf is this function.
    public var selfValue: Int64
    /// Value of stacks containing this function (each stack counted once, so recursion does not inflate it).
    public var totalValue: Int64
    public var selfShare: Double
    public var totalShare: Double
    /// The function itself burns at least the threshold (self share ≥ threshold).
    public var flagged: Bool
    /// The cost under this function reaches the threshold but is spread over callees none of which reaches it
    /// alone, and the function's own self share is below it.
    public var hotPath: Bool
}

/// The functions of a profile with self and inclusive values, and the findings.
public struct HotspotReport: Sendable {
    public var total: Int64
    public var valueType: ValueType
    public var kind: ProfileKind
    public var threshold: Double
    /// Sorted by self value, then total value (both descending), then name; with `HotspotOptions.keepTop`, only
    /// the first of them and the findings.
    public var functions: [HotspotEntry]
    /// How many functions the profile has (`functions` may list fewer).
    public var functionCount: Int

    public var flagged: [HotspotEntry] { functions.filter(\.flagged) }
    public var hotPaths: [HotspotEntry] { functions.filter(\.hotPath) }
}

/// Computes hotspots from folded stacks (function granularity: one frame name is one function).
public struct HotspotAnalyzer: Sendable {
    public var options: HotspotOptions
    public init(options: HotspotOptions = HotspotOptions()) { self.options = options }

    /// Folds `profile` and analyzes it at function granularity, as pprof's `-top` does: the process root frame
    /// (`comm`) is left out (it is not a function, and its total is always 100%; folded text cannot tell it apart,
    /// so `fold | hotspots` lists it), inlined functions are not marked (one function is one row however it was
    /// compiled in), and unsymbolized code counts per module (`[libc.so.6]`).
    public func analyze(_ profile: Profile, fold: FoldOptions, kind: ProfileKind? = nil) -> HotspotReport {
        var folded = Self.functionStacks(profile, fold: fold)
        if let kind { folded.kind = kind }
        return analyze(folded)
    }

    /// `profile` folded at function granularity, as `analyze(_:fold:kind:)` analyzes it (see there); `merge`
    /// into another such fold to analyze several profiles as one.
    public static func functionStacks(_ profile: Profile, fold: FoldOptions) -> FoldedStacks {
        var options = fold
        options.processRoot = false
        options.markInlined = false
        options.unsymbolizedByModule = true
        // Sums per function do not need equal stacks merged first.
        return Folder(options: options).fold(profile, mergingEqualStacks: false)
    }

    /// - Complexity: O(unique stacks × depth).
    public func analyze(_ folded: FoldedStacks) -> HotspotReport {
        let threshold = options.threshold ?? HotspotOptions.defaultThreshold(for: folded.kind)
        let nameCount = folded.names.count
        var selfValues = [Int64](repeating: 0, count: nameCount)
        var totalValues = [Int64](repeating: 0, count: nameCount)
        // Per stack: which functions were counted already (stamp = stack index + 1).
        var seenInStack = [Int](repeating: 0, count: nameCount)
        var total = folded.unattributed

        // Pass 1, self and total. On unsafe buffers: slices per stack cost a retain and a release each (the loops
        // are O(all frames)).
        folded.stacks.frames.withUnsafeBufferPointer { stackFrames in
        folded.stacks.offsets.withUnsafeBufferPointer { stackOffsets in
        folded.values.withUnsafeBufferPointer { stackValues in
        seenInStack.withUnsafeMutableBufferPointer { seen in
        selfValues.withUnsafeMutableBufferPointer { selfs in
        totalValues.withUnsafeMutableBufferPointer { totals in
            for id in 0 ..< stackValues.count {
                let value = stackValues[id]
                if value == 0 { continue }
                total.saturatingAdd(value)
                let start = Int(stackOffsets[id]), end = Int(stackOffsets[id + 1])
                guard end > start else { continue }
                selfs[Int(stackFrames[end - 1])].saturatingAdd(value)
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
            ? Self.largestCalleeValues(folded, isCandidate: isCandidate) : [Int64](repeating: 0, count: nameCount)
        var entries: [HotspotEntry] = []
        for i in 0 ..< nameCount where totalValues[i] != 0 {
            let selfValue = selfValues[i], totalValue = totalValues[i]
            let flagged = total > 0 && Double(selfValue) >= limit
            let hotPath = total > 0 && !flagged && Double(totalValue) >= limit && Double(largestCallee[i]) < limit
            entries.append(HotspotEntry(
                name: folded.names[i], selfValue: selfValue, totalValue: totalValue,
                selfShare: total > 0 ? Double(selfValue) / Double(total) : 0,
                totalShare: total > 0 ? Double(totalValue) / Double(total) : 0,
                flagged: flagged, hotPath: hotPath))
        }
        let functionCount = entries.count
        entries = Self.ordered(entries, keepingTop: options.keepTop)
        return HotspotReport(total: total, valueType: folded.valueType, kind: folded.kind, threshold: threshold,
                             functions: entries, functionCount: functionCount)
    }

    /// For each candidate caller, the largest value of the stacks through one of its calls to another function,
    /// each stack counted once per edge (stamp = stack index + 1); 0 for other functions.
    /// `denseLimit` is the most (candidate, callee) slots a dense table may have.
    static func largestCalleeValues(_ folded: FoldedStacks, isCandidate: [Bool],
                                    denseLimit: Int = 1 << 20) -> [Int64] {
        let nameCount = folded.names.count
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

        folded.stacks.frames.withUnsafeBufferPointer { stackFrames in
        folded.stacks.offsets.withUnsafeBufferPointer { stackOffsets in
        folded.values.withUnsafeBufferPointer { values in
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
