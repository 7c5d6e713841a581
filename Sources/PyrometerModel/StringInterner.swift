/// Gives each distinct string a dense `Int32` id, like `Interner<String>` but hashing the UTF-8 bytes with
/// `StableHash` (through the same `HashSlots`): Swift's `String` hashing (seeded SipHash with a Unicode
/// normalization pass) was a tenth of folding a large pprof profile.
///
/// Strings are compared by their UTF-8 bytes (`"é"` precomposed and decomposed are two strings), which is what
/// folded output, whose lines are compared as bytes, needs anyway.
public struct StringInterner: Sendable {
    public private(set) var strings: [String] = []
    /// Indexes `strings[..<table.count]`; `append` leaves the rest for the next `intern` to index.
    private var table = HashSlots()

    public init() {}

    public var count: Int { strings.count }

    public subscript(id: Int32) -> String { strings[Int(id)] }

    /// Adds `string` without looking for an equal one, for tables already free of duplicates (a pprof string
    /// table): hashing is deferred to the next `intern`, if any. A duplicate gets a second id.
    public mutating func append(_ string: String) -> Int32 {
        strings.append(string)
        return Int32(strings.count - 1)
    }

    /// The id of `string`, adding it if new.
    public mutating func intern(_ string: String) -> Int32 {
        indexPending()
        let (hash, found) = lookup(string)
        if let id = found.id { return id }
        strings.append(string)
        table.insert(hash, at: found.slot)
        return Int32(strings.count - 1)
    }

    /// Indexes the strings added by `append` (the first of equal ones keeps the lookup).
    private mutating func indexPending() {
        while table.count < strings.count {
            let (hash, found) = lookup(strings[table.count])
            table.insert(hash, at: found.id == nil ? found.slot : nil)
        }
    }

    /// The hash of `string`'s bytes, and where `table` has it (or would put it).
    private func lookup(_ string: String) -> (hash: UInt64, found: (id: Int32?, slot: Int)) {
        var copy = string
        return copy.withUTF8 { bytes in
            let hash = StableHash.hash(UnsafeRawBufferPointer(bytes))
            return (hash, table.find(hash) { Self.equal(strings[Int($0)], bytes) })
        }
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var copy = string
        return copy.withUTF8 { own in
            ByteOrder.equal(UnsafeRawBufferPointer(own), UnsafeRawBufferPointer(bytes))
        }
    }
}
