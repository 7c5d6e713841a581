/// Deduplicated stacks: each stack is a run of location ids, leaf first (as in pprof), stored back to back.
///
/// Stack `i` is `frames[offsets[i] ..< offsets[i + 1]]`. Memory is proportional to the number of unique stacks.
public struct StackTable: Sendable {
    public private(set) var frames: [LocationID] = []
    public private(set) var offsets: [Int32] = [0]
    // Open-addressing index from stack hash to stack id + 1 (0 = empty slot). Power-of-two sized.
    private var slots: [Int32] = Array(repeating: 0, count: 1024)
    private var hashes: [UInt64] = []

    /// False once a stack was appended without the index (`append`): `intern` may then no longer be used.
    public private(set) var isIndexed = true

    public init() {}

    /// The number of unique stacks.
    public var count: Int { offsets.count - 1 }

    /// The location ids of stack `id`, leaf first.
    @inlinable
    public subscript(id: StackID) -> ArraySlice<LocationID> {
        frames[Int(offsets[Int(id)]) ..< Int(offsets[Int(id) + 1])]
    }

    /// Returns the id of the stack made of `locations` (leaf first), adding it if it is new.
    /// - Complexity: O(n) in the stack depth, amortized; no allocation when the stack is already known.
    public mutating func intern(_ locations: UnsafeBufferPointer<LocationID>) -> StackID {
        precondition(isIndexed, "StackTable.intern after append")
        let hash = StableHash.hash(UnsafeRawBufferPointer(locations))
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == hash && matches(id, locations) { return StackID(id) }
            slot = (slot + 1) & mask
        }
        let id = count
        frames.append(contentsOf: locations)
        offsets.append(Int32(frames.count))
        hashes.append(hash)
        slots[slot] = Int32(id + 1)
        if count * 2 > slots.count { grow() }
        return StackID(id)
    }

    /// Returns the id of the stack made of `locations` (leaf first), adding it if it is new.
    public mutating func intern(_ locations: [LocationID]) -> StackID {
        locations.withUnsafeBufferPointer { intern($0) }
    }

    /// Makes room for `frames` more frames and `stacks` more stacks, so that appending them moves nothing.
    public mutating func reserveCapacity(frames: Int, stacks: Int) {
        self.frames.reserveCapacity(self.frames.count + frames)
        offsets.reserveCapacity(offsets.count + stacks)
    }

    /// Adds `locations` as a new stack without looking for an equal one (and without indexing it): for a
    /// one-pass consumer that does not need unique stacks, the hash and probe are the costly part.
    public mutating func append(_ locations: UnsafeBufferPointer<LocationID>) -> StackID {
        isIndexed = false
        let id = count
        frames.append(contentsOf: locations)
        offsets.append(Int32(frames.count))
        return StackID(id)
    }

    private func matches(_ id: Int, _ locations: UnsafeBufferPointer<LocationID>) -> Bool {
        let start = Int(offsets[id])
        let end = Int(offsets[id + 1])
        guard end - start == locations.count else { return false }
        return frames.withUnsafeBufferPointer { all in
            var i = 0
            while i < locations.count {
                if all[start + i] != locations[i] { return false }
                i += 1
            }
            return true
        }
    }

    private mutating func grow() {
        let newCount = slots.count * 2
        var newSlots = [Int32](repeating: 0, count: newCount)
        let mask = newCount - 1
        for id in 0 ..< count {
            var slot = Int(truncatingIfNeeded: hashes[id]) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(id + 1)
        }
        slots = newSlots
    }
}
