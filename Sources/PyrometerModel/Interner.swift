/// Gives each distinct value a dense `Int32` id, in order of first appearance.
///
/// Ids are found through `HashSlots`, which keeps each element's hash: growing moves ids by their stored hashes
/// instead of hashing every element again, which a `Dictionary` does (resizing was a tenth of reading a perf script
/// of 100,000 distinct locations, whose hashes walk their arrays of lines).
public struct Interner<Element: Hashable & Sendable>: Sendable {
    public private(set) var elements: [Element] = []
    /// Indexes `elements[..<table.count]`; `append` leaves the rest for the next `intern` to index.
    private var table = HashSlots()

    public init() {}

    /// The number of values.
    public var count: Int { elements.count }

    /// The id of `element`, adding it if new.
    public mutating func intern(_ element: Element) -> Int32 {
        indexPending()
        let (hash, found) = lookup(element)
        if let id = found.id { return id }
        elements.append(element)
        table.insert(hash, at: found.slot)
        return Int32(elements.count - 1)
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
        while table.count < elements.count {
            let (hash, found) = lookup(elements[table.count])
            table.insert(hash, at: found.id == nil ? found.slot : nil)
        }
    }

    /// The hash of `element`, and where `table` has it (or would put it).
    private func lookup(_ element: Element) -> (hash: UInt64, found: (id: Int32?, slot: Int)) {
        let hash = UInt64(bitPattern: Int64(element.hashValue))
        return (hash, table.find(hash) { elements[Int($0)] == element })
    }
}
