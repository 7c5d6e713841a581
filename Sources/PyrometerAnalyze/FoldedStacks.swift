import PyrometerModel

/// A profile reduced to one value per unique stack of frame names (root first): what folded text, flamegraphs and
/// hotspots are computed from.
public struct FoldedStacks: Sendable {
    /// Frame-name id → name.
    public private(set) var names: [String] = []
    private var nameIndex: [String: Int32] = [:]
    /// Unique stacks of frame-name ids, root first.
    public private(set) var stacks = StackTable()
    /// The value of each stack in `stacks`.
    public private(set) var values: [Int64] = []
    /// What the values measure.
    public var valueType: ValueType
    /// Whether the profile measures CPU, wall-clock or other values (chooses the hotspot threshold).
    public var kind: ProfileKind

    public init(valueType: ValueType, kind: ProfileKind = .cpu) {
        self.valueType = valueType
        self.kind = kind
    }

    /// The number of unique stacks.
    public var count: Int { values.count }

    /// The sum of all values.
    public var total: Int64 { values.reduce(0, &+) }

    /// The id of frame name `name`.
    public mutating func intern(name: String) -> Int32 {
        if let id = nameIndex[name] { return id }
        let id = Int32(names.count)
        names.append(name)
        nameIndex[name] = id
        return id
    }

    /// Adds `value` to the stack of frame-name ids `frames` (root first).
    public mutating func add(frames: UnsafeBufferPointer<Int32>, value: Int64) {
        let id = Int(stacks.intern(frames))
        if id == values.count { values.append(value) } else { values[id] &+= value }
    }

    public mutating func add(frames: [String], value: Int64) {
        let ids = frames.map { intern(name: $0) }
        ids.withUnsafeBufferPointer { add(frames: $0, value: value) }
    }

    /// The frame names of stack `id`, root first.
    public func frames(_ id: Int) -> [String] {
        stacks[StackID(id)].map { names[Int($0)] }
    }

    /// `(stack text, value)` pairs sorted by the bytes of the stack text, as folded output lists them.
    /// Frames are joined with `;`. Stacks whose value is 0 are left out.
    public func sortedLines() -> [(stack: [UInt8], value: Int64)] {
        let utf8Names = names.map { Array($0.utf8) }
        var lines: [(stack: [UInt8], value: Int64)] = []
        lines.reserveCapacity(count)
        for id in 0 ..< count where values[id] != 0 {
            var text: [UInt8] = []
            var first = true
            for frame in stacks[StackID(id)] {
                if !first { text.append(UInt8(ascii: ";")) }
                first = false
                text.append(contentsOf: utf8Names[Int(frame)])
            }
            lines.append((text, values[id]))
        }
        lines.sort { a, b in
            a.stack.withUnsafeBytes { pa in
                b.stack.withUnsafeBytes { pb in
                    let n = min(pa.count, pb.count)
                    let c = n == 0 ? 0 : memcmpBytes(pa.baseAddress!, pb.baseAddress!, n)
                    return c != 0 ? c < 0 : pa.count < pb.count
                }
            }
        }
        return lines
    }
}

@inline(__always)
private func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Int {
    var i = 0
    while i < n {
        let x = a.load(fromByteOffset: i, as: UInt8.self)
        let y = b.load(fromByteOffset: i, as: UInt8.self)
        if x != y { return Int(x) - Int(y) }
        i += 1
    }
    return 0
}
