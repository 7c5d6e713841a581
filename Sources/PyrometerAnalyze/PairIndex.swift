import PyrometerModel

/// Dense ids for pairs of `Int32` (e.g. call edges caller → callee), numbered in the order first seen; the pairs
/// are found through an `IntegerIndex` rather than `Dictionary`'s seeded SipHash.
struct PairIndex {
    private var keys: [UInt64] = []
    private var index: IntegerIndex

    init(capacity: Int = 1024) {
        index = IntegerIndex(capacity: capacity)
    }

    var count: Int { keys.count }

    /// The id of the pair (a, b), adding it if new.
    mutating func id(_ a: Int32, _ b: Int32) -> Int {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        if let id = index[key] { return Int(id) }
        index.set(key, Int32(keys.count))
        keys.append(key)
        return keys.count - 1
    }

    /// Pair `id`.
    func pair(_ id: Int) -> (Int32, Int32) {
        (Int32(truncatingIfNeeded: keys[id] >> 32), Int32(truncatingIfNeeded: keys[id]))
    }

    /// The first element of pair `id`.
    func first(_ id: Int) -> Int32 { Int32(truncatingIfNeeded: keys[id] >> 32) }
}
