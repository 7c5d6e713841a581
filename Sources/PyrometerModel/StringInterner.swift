/// Gives each distinct string a dense `Int32` id, like `Interner<String>` but hashing the UTF-8 bytes with
/// `StableHash` in an open-addressing table: Swift's `String` hashing (seeded SipHash with a Unicode
/// normalization pass) was a tenth of folding a large pprof profile.
///
/// Strings are compared by their UTF-8 bytes (`"é"` precomposed and decomposed are two strings), which is what
/// folded output, whose lines are compared as bytes, needs anyway.
public struct StringInterner: Sendable {
    public private(set) var strings: [String] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)

    public init() {}

    public var count: Int { strings.count }

    public subscript(id: Int32) -> String { strings[Int(id)] }

    /// `strings[..<indexed]` are in the table; `append` leaves the rest for the next `intern` to index.
    private var indexed = 0

    /// Adds `string` without looking for an equal one, for tables already free of duplicates (a pprof string
    /// table): hashing is deferred to the next `intern`, if any. A duplicate gets a second id.
    public mutating func append(_ string: String) -> Int32 {
        strings.append(string)
        return Int32(strings.count - 1)
    }

    /// The id of `string`, adding it if new.
    public mutating func intern(_ string: String) -> Int32 {
        if indexed < strings.count { indexPending() }
        var copy = string
        return copy.withUTF8 { bytes in
            let hash = StableHash.hash(UnsafeRawBufferPointer(bytes))
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let id = slots[slot]
                if id < 0 { break }
                if hashes[Int(id)] == hash && Self.equal(strings[Int(id)], bytes) { return id }
                slot = (slot + 1) & mask
            }
            let id = Int32(strings.count)
            strings.append(string)
            hashes.append(hash)
            indexed += 1
            slots[slot] = id
            if strings.count * 2 > slots.count { grow() }
            return id
        }
    }

    /// Indexes the strings added by `append` (the first of equal ones keeps the lookup).
    private mutating func indexPending() {
        while indexed < strings.count {
            var copy = strings[indexed]
            let hash = copy.withUTF8 { StableHash.hash(UnsafeRawBufferPointer($0)) }
            if (indexed + 1) * 2 > slots.count { grow() }
            hashes.append(hash)
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            var duplicate = false
            while slots[slot] >= 0 {
                let other = Int(slots[slot])
                if hashes[other] == hash && strings[other].utf8.elementsEqual(strings[indexed].utf8) {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & mask
            }
            if !duplicate { slots[slot] = Int32(indexed) }
            indexed += 1
        }
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var copy = string
        return copy.withUTF8 { own in
            ByteOrder.equal(UnsafeRawBufferPointer(own), UnsafeRawBufferPointer(bytes))
        }
    }

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
