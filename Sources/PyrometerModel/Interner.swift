/// Gives each distinct value a dense `Int32` id, in order of first appearance.
public struct Interner<Element: Hashable & Sendable>: Sendable {
    public private(set) var elements: [Element] = []
    private var index: [Element: Int32] = [:]

    public init() {}

    /// The number of distinct values.
    public var count: Int { elements.count }

    /// The id of `element`, adding it if new.
    public mutating func intern(_ element: Element) -> Int32 {
        if let id = index[element] { return id }
        let id = Int32(elements.count)
        elements.append(element)
        index[element] = id
        return id
    }

    public subscript(id: Int32) -> Element { elements[Int(id)] }
}
