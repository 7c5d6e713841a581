/// Gives each distinct value a dense `Int32` id, in order of first appearance.
///
/// An open-addressing table of ids that keeps each element's hash: growing it moves ids by their stored hashes
/// instead of hashing every element again, which a `Dictionary` does (resizing was a tenth of reading a perf script
/// of 100,000 distinct locations, whose hashes walk their arrays of lines).
public struct Interner<Element: Hashable & Sendable>: Sendable {
    public private(set) var elements: [Element] = []
    private var hashes: [Int] = []
    /// Ids by hash, -1 for an empty slot; at most half full.
    private var slots: [Int32] = Array(repeating: -1, count: 64)
    /// `elements[..<indexed]` are in the table; `append` leaves the rest for the next `intern` to index.
    private var indexed = 0

    public init() {}

    /// The number of values.
    public var count: Int { elements.count }

    /// The id of `element`, adding it if new.
    public mutating func intern(_ element: Element) -> Int32 {
        if indexed < elements.count { indexPending() }
        let hash = element.hashValue
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let id = slots[slot]
            if id < 0 { break }
            if hashes[Int(id)] == hash && elements[Int(id)] == element { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(elements.count)
        elements.append(element)
        hashes.append(hash)
        indexed += 1
        slots[slot] = id
        if elements.count * 2 > slots.count { grow() }
        return id
    }

    /// Adds `element` without looking for an equal one, for tables already free of duplicates (a pprof string
    /// table, its functions): hashing is deferred to the next `intern`, if any. A duplicate gets a second id,
    /// which only costs a little space.
    public mutating func append(_ element: Element) -> Int32 {
        elements.append(element)
        return Int32(elements.count - 1)
    }

    public subscript(id: Int32) -> Element { elements[Int(id)] }

    /// Indexes the elements added by `append` (the first of equal ones keeps the lookup).
    private mutating func indexPending() {
        while indexed < elements.count {
            if (indexed + 1) * 2 > slots.count { grow() }
            let hash = elements[indexed].hashValue
            hashes.append(hash)
            let mask = slots.count - 1
            var slot = hash & mask
            var duplicate = false
            while slots[slot] >= 0 {
                let other = Int(slots[slot])
                if hashes[other] == hash && elements[other] == elements[indexed] {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & mask
            }
            if !duplicate { slots[slot] = Int32(indexed) }
            indexed += 1
        }
    }

    /// Doubles the table, placing the indexed ids by their stored hashes.
    private mutating func grow() {
        var newSlots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = newSlots.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = hash & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(id)
        }
        slots = newSlots
    }
}
