/// Gives each distinct value a dense `Int32` id, in order of first appearance.
public struct Interner<Element: Hashable & Sendable>: Sendable {
    public private(set) var elements: [Element] = []
    private var index: [Element: Int32] = [:]
    /// `elements[..<indexed]` are in `index`; `append` leaves the rest for the next `intern` to index.
    private var indexed = 0

    public init() {}

    /// The number of values.
    public var count: Int { elements.count }

    /// The id of `element`, adding it if new.
    public mutating func intern(_ element: Element) -> Int32 {
        while indexed < elements.count {
            if index[elements[indexed]] == nil { index[elements[indexed]] = Int32(indexed) }
            indexed += 1
        }
        if let id = index[element] { return id }
        let id = Int32(elements.count)
        elements.append(element)
        index[element] = id
        indexed += 1
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
}
