/// Dense ids for pairs of `Int32` (e.g. call edges caller → callee): an open-addressing table with a multiplicative
/// hash, several times faster than `Dictionary`'s seeded SipHash on the hot-spot loop.
struct PairIndex {
    private var keys: [UInt64] = []
    private var slots: [Int32]

    init(capacity: Int = 1024) {
        var size = 64
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
    }

    var count: Int { keys.count }

    /// The id of the pair (a, b), adding it if new.
    mutating func id(_ a: Int32, _ b: Int32) -> Int {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if keys[Int(entry)] == key { return Int(entry) }
            slot = (slot + 1) & mask
        }
        let id = keys.count
        keys.append(key)
        slots[slot] = Int32(id)
        if keys.count * 2 > slots.count { grow() }
        return id
    }

    /// The first element of pair `id`.
    func first(_ id: Int) -> Int32 { Int32(truncatingIfNeeded: keys[id] >> 32) }

    private mutating func grow() {
        var newSlots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = newSlots.count - 1
        for (id, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(id)
        }
        slots = newSlots
    }
}
