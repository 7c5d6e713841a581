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

    /// The id of `string`, adding it if new.
    public mutating func intern(_ string: String) -> Int32 {
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
            slots[slot] = id
            if strings.count * 2 > slots.count { grow() }
            return id
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
