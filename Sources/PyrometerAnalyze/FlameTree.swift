import PyrometerModel

/// The merged call tree a flamegraph draws: one node per distinct path of frame names from the root.
///
/// Node 0 is the synthetic root ("all"). Children are in the byte order of the folded text of the stacks through
/// them, as flamegraph.pl and inferno lay them out, so layouts are deterministic and match theirs.
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
        /// Child node ids, in drawing order.
        public var children: [Int32]
    }

    public private(set) var names: [String]
    /// Short labels of names that have one (see `FoldedStacks.labels`), by name index.
    public private(set) var labels: [Int32: String]
    public private(set) var nodes: [Node]
    public let valueType: ValueType
    /// The depth of the deepest frame (the root is depth 0).
    public private(set) var maxDepth: Int

    /// Builds the tree from folded stacks. With `reverse`, each stack is read leaf first, so the roots are the
    /// functions that were on-CPU and their callers grow above them (flamegraph.pl `--reverse`).
    ///
    /// As flamegraph.pl and inferno do, the stacks are taken in the byte order of their folded text and each one
    /// shares with the previous one only their common prefix: siblings come out in that order, and the layout (every
    /// frame's position) is the same as theirs.
    /// Stacks whose texts are equal are drawn once, as those tools key stacks by their text.
    /// - Complexity: O(n log n) in the unique stacks for the sort, then O(total frames).
    public init(_ folded: FoldedStacks, reverse: Bool = false) {
        names = folded.names
        labels = folded.labels
        valueType = folded.valueType
        nodes = [Node(name: -1, parent: -1, depth: 0, total: 0, selfValue: 0, children: [])]
        maxDepth = 0

        let text = folded.sortedText(reversed: reverse)
        var path: [Int32] = [0]  // the nodes of the previous stack, from the root
        var previous: [Int32] = []
        for index in text.order {
            let stack = folded.stacks[StackID(text.stacks[index])]
            let frames: [Int32] = reverse ? stack.reversed() : Array(stack)
            let value = text.values[index]
            var common = 0
            while common < min(frames.count, previous.count) && frames[common] == previous[common] { common += 1 }
            path.removeLast(path.count - 1 - common)
            for node in path { nodes[Int(node)].total.saturatingAdd(value) }
            for frame in frames[common...] {
                let parent = path.last!
                let child = Int32(nodes.count)
                nodes.append(Node(name: frame, parent: parent, depth: Int32(path.count), total: value, selfValue: 0,
                                  children: []))
                nodes[Int(parent)].children.append(child)
                path.append(child)
            }
            nodes[Int(path.last!)].selfValue.saturatingAdd(value)
            maxDepth = max(maxDepth, frames.count)
            previous = frames
        }
    }

    /// The total of the root: the sum of all stacks.
    public var total: Int64 { nodes[0].total }

    /// The display name of a node ("all" for the root).
    public func name(of node: Int) -> String {
        nodes[node].name < 0 ? "all" : names[Int(nodes[node].name)]
    }

    /// For every node, the inclusive value that `other`'s stacks give the same path of frame names (0 where
    /// `other` has no such path): what a differential flamegraph compares each frame with.
    /// - Complexity: O(frames of `other`).
    public func inclusiveValues(of other: FoldedStacks, reverse: Bool = false) -> [Int64] {
        var nameIDs: [String: Int32] = [:]
        for (id, name) in names.enumerated() { nameIDs[name] = Int32(id) }
        let translated = other.names.map { nameIDs[$0] ?? -1 }
        var childIndex: [UInt64: Int32] = [:]
        for (id, node) in nodes.enumerated() where id > 0 {
            childIndex[UInt64(UInt32(bitPattern: node.parent)) << 32 | UInt64(UInt32(bitPattern: node.name))] = Int32(id)
        }
        var values = [Int64](repeating: 0, count: nodes.count)
        for id in 0 ..< other.count where other.values[id] != 0 {
            let value = other.values[id]
            values[0].saturatingAdd(value)
            let stack = other.stacks[StackID(id)]
            var node: Int32 = 0
            for frame in reverse ? Array(stack.reversed()) : Array(stack) {
                let name = translated[Int(frame)]
                guard name >= 0, let child = childIndex[UInt64(UInt32(bitPattern: node)) << 32
                                                        | UInt64(UInt32(bitPattern: name))] else { break }
                node = child
                values[Int(node)].saturatingAdd(value)
            }
        }
        values[0] = other.total
        return values
    }
}
