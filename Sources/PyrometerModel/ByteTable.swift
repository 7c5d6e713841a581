/// A hash table from byte strings to `Int32` values whose keys live in one arena: looking up a key that is
/// already present allocates nothing, which is what lets importers avoid making a `String` per input line.
public struct ByteTable: Sendable {
    private var arena: [UInt8] = []
    private var keyStart: [Int] = []
    private var keyLength: [Int32] = []
    private var hashes: [UInt64] = []
    public private(set) var values: [Int32] = []
    private var slots: [Int32]

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
    }

    public var count: Int { values.count }

    /// The value stored for `key`, if any.
    public func find(_ key: UnsafeRawBufferPointer) -> Int32? {
        let hash = StableHash.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let index = Int(entry - 1)
            if hashes[index] == hash && equals(index, key) { return values[index] }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `value` for `key` (which must not be present yet).
    public mutating func insert(_ key: UnsafeRawBufferPointer, value: Int32) {
        let hash = StableHash.hash(key)
        let index = values.count
        keyStart.append(arena.count)
        keyLength.append(Int32(key.count))
        arena.append(contentsOf: key)
        hashes.append(hash)
        values.append(value)
        if values.count * 2 > slots.count {
            rehash(to: slots.count * 2)
        } else {
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
        }
    }

    private func equals(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = keyStart[index]
        return arena.withUnsafeBytes { all in
            ByteOrder.equal(UnsafeRawBufferPointer(rebasing: all[start ..< start + Int(keyLength[index])]), key)
        }
    }

    private mutating func rehash(to size: Int) {
        var newSlots = [Int32](repeating: 0, count: size)
        let mask = size - 1
        for index in 0 ..< values.count {
            var slot = Int(truncatingIfNeeded: hashes[index]) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(index + 1)
        }
        slots = newSlots
    }
}
