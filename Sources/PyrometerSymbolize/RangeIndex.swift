/// Address ranges with values, for "which ranges contain this address" when ranges may overlap (identical code
/// folded by the linker gives many functions, in several units, the same range). Sorted by start, with the running
/// maximum of the ends, so that a lookup walks back only while an earlier range could still reach the address.
struct RangeIndex {
    private(set) var lows: [UInt64] = []
    private(set) var highs: [UInt64] = []
    private(set) var values: [Int32] = []
    private var reach: [UInt64] = []

    mutating func append(low: UInt64, high: UInt64, value: Int32) {
        lows.append(low)
        highs.append(high)
        values.append(value)
    }

    /// Sorts by start (stably, so that equal ranges keep their DWARF order) and builds the reach table.
    mutating func finish() {
        _ = finish(groupedBy: [Int32](repeating: 0, count: lows.count))
    }

    /// Sorts by (group, start), stably, and builds the reach table within each group; returns the groups in the
    /// new order.
    mutating func finish(groupedBy groups: [Int32]) -> [Int32] {
        var sorted = true
        for i in lows.indices.dropFirst() where (groups[i - 1], lows[i - 1]) > (groups[i], lows[i]) {
            sorted = false
            break
        }
        var newGroups = groups
        if !sorted {
            let order = lows.indices.sorted {
                (groups[$0], lows[$0], $0) < (groups[$1], lows[$1], $1)
            }
            lows = order.map { lows[$0] }
            highs = order.map { highs[$0] }
            values = order.map { values[$0] }
            newGroups = order.map { groups[$0] }
        }
        reach = []
        reach.reserveCapacity(highs.count)
        var maximum: UInt64 = 0
        for i in highs.indices {
            if i > 0 && newGroups[i] != newGroups[i - 1] { maximum = 0 }
            maximum = max(maximum, highs[i])
            reach.append(maximum)
        }
        return newGroups
    }

    /// Indexes (within `bounds`) of the ranges containing `address`, nearest start first.
    func containing(_ address: UInt64, in bounds: Range<Int>? = nil) -> [Int] {
        let bounds = bounds ?? 0 ..< lows.count
        let low = lows[bounds].partitionPoint { $0 <= address }
        var result: [Int] = []
        var index = low - 1
        while index >= bounds.lowerBound && reach[index] > address {
            if address < highs[index] { result.append(index) }
            index -= 1
        }
        return result
    }

    /// The value of the smallest range containing `address` (the first in DWARF order among equal ones).
    func innermost(containing address: UInt64, in bounds: Range<Int>? = nil) -> Int32? {
        var best: Int?
        for index in containing(address, in: bounds) {
            guard let current = best else {
                best = index
                continue
            }
            let size = highs[index] - lows[index], bestSize = highs[current] - lows[current]
            if size < bestSize || (size == bestSize && index < current) { best = index }
        }
        return best.map { values[$0] }
    }
}
