/// The open-addressing table of ids behind `Interner` and `StringInterner`: ids found by hash (linear probing, at
/// most half full), with each id's hash kept, so that growing never hashes an element again. The tables themselves
/// hold the elements and say when two are equal.
struct HashSlots: Sendable {
    /// The hash of each indexed id, by id.
    private var hashes: [UInt64] = []
    /// Ids by hash, -1 for an empty slot.
    private var slots = [Int32](repeating: -1, count: 64)

    /// How many ids are indexed (ids `0 ..< count`).
    var count: Int { hashes.count }

    /// The first indexed id with hash `hash` for which `matches` holds, else nil and the empty slot where such an
    /// element goes.
    func find(_ hash: UInt64, where matches: (Int32) -> Bool) -> (id: Int32?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[slot]
            if id < 0 { return (nil, slot) }
            if hashes[Int(id)] == hash && matches(id) { return (id, slot) }
            slot = (slot + 1) & mask
        }
    }

    /// Indexes the next id (`count`) with hash `hash`, at `slot` as `find` gave it; with no slot (a duplicate of an
    /// indexed element) it is not found by lookups until the table grows, after the id before it.
    mutating func insert(_ hash: UInt64, at slot: Int?) {
        if let slot { slots[slot] = Int32(hashes.count) }
        hashes.append(hash)
        if hashes.count * 2 > slots.count { grow() }
    }

    /// Doubles the table, placing every id by its stored hash (in id order, so that the first of equal elements
    /// is found first).
    private mutating func grow() {
        var newSlots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = newSlots.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(id)
        }
        slots = newSlots
    }
}
