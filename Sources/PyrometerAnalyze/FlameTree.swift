import PyrometerModel

/// The merged call tree a flamegraph draws: one node per distinct path of frame names from the root.
///
/// Node 0 is the synthetic root ("all"). Children are ordered by the bytes of their names, as flamegraph.pl and
/// inferno order them, so layouts are deterministic.
public struct FlameTree: Sendable {
    public struct Node: Sendable {
        /// Index into `FlameTree.names`; -1 for the root.
        public var name: Int32
        public var parent: Int32
        public var depth: Int32
        /// Inclusive value: this frame and everything above it.
        public var total: Int64
        /// Value of stacks that end at this frame.
        public var selfValue: Int64
        /// Child node ids, sorted by name.
        public var children: [Int32]
    }

    public private(set) var names: [String]
    public private(set) var nodes: [Node]
    public let valueType: ValueType
    /// The depth of the deepest frame (the root is depth 0).
    public private(set) var maxDepth: Int

    /// Builds the tree from folded stacks. With `reverse`, each stack is read leaf first, so the roots are the
    /// functions that were on-CPU and their callers grow above them (flamegraph.pl `--reverse`).
    public init(_ folded: FoldedStacks, reverse: Bool = false) {
        names = folded.names
        valueType = folded.valueType
        nodes = [Node(name: -1, parent: -1, depth: 0, total: 0, selfValue: 0, children: [])]
        maxDepth = 0
        var childIndex: [UInt64: Int32] = [:]
        for id in 0 ..< folded.count {
            let value = folded.values[id]
            if value == 0 { continue }
            let frames = folded.stacks[StackID(id)]
            var node: Int32 = 0
            nodes[0].total.saturatingAdd(value)
            var depth: Int32 = 0
            let ordered: [Int32] = reverse ? frames.reversed() : Array(frames)
            for frame in ordered {
                depth += 1
                let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: frame))
                let child: Int32
                if let existing = childIndex[key] {
                    child = existing
                } else {
                    child = Int32(nodes.count)
                    nodes.append(Node(name: frame, parent: node, depth: depth, total: 0, selfValue: 0, children: []))
                    nodes[Int(node)].children.append(child)
                    childIndex[key] = child
                }
                nodes[Int(child)].total.saturatingAdd(value)
                node = child
            }
            nodes[Int(node)].selfValue.saturatingAdd(value)
            maxDepth = max(maxDepth, Int(depth))
        }
        let utf8 = names.map { Array($0.utf8) }
        let nameOf = nodes.map(\.name)
        for i in nodes.indices where nodes[i].children.count > 1 {
            nodes[i].children.sort { utf8[Int(nameOf[Int($0)])].lexicographicallyPrecedes(utf8[Int(nameOf[Int($1)])]) }
        }
    }

    /// The total of the root: the sum of all stacks.
    public var total: Int64 { nodes[0].total }

    /// The display name of a node ("all" for the root).
    public func name(of node: Int) -> String {
        nodes[node].name < 0 ? "all" : names[Int(nodes[node].name)]
    }
}
