import PyrometerAnalyze
import PyrometerModel
import Testing

@Suite struct FlameTreeTests {
    static func folded(_ stacks: [(String, Int64)]) -> FoldedStacks {
        var folded = FoldedStacks(valueType: ValueType(type: "samples", unit: "count"))
        for (stack, value) in stacks { folded.add(frames: stack.split(separator: ";").map(String.init), value: value) }
        return folded
    }

    @Test func mergesPathsAndSortsChildrenByName() {
        let tree = FlameTree(Self.folded([("main;b;x", 2), ("main;a", 3), ("main;b", 1), ("main;b;x", 4)]))
        #expect(tree.total == 10)
        #expect(tree.maxDepth == 3)
        let main = tree.nodes[0].children
        #expect(main.count == 1)
        let children = tree.nodes[Int(main[0])].children.map { tree.name(of: Int($0)) }
        #expect(children == ["a", "b"])
        let b = Int(tree.nodes[Int(main[0])].children[1])
        #expect(tree.nodes[b].total == 7)
        #expect(tree.nodes[b].selfValue == 1)
    }

    @Test func reverseStartsFromTheLeaf() {
        let tree = FlameTree(Self.folded([("main;a;leaf", 2), ("main;b;leaf", 3)]), reverse: true)
        let roots = tree.nodes[0].children.map { tree.name(of: Int($0)) }
        #expect(roots == ["leaf"])
        let callers = tree.nodes[Int(tree.nodes[0].children[0])].children.map { tree.name(of: Int($0)) }
        #expect(callers == ["a", "b"])
    }

    /// flamegraph.pl and inferno merge a stack only with the one before it in byte order: `a;b.c` sorts between
    /// `a;b` and `a;b;x` (`.` < `;`), so `b` is drawn twice. Same layout as theirs, deliberately.
    @Test func mergesOnlyAdjacentStacksInTextOrder() {
        let tree = FlameTree(Self.folded([("a;b;x", 1), ("a;b", 1), ("a;b.c", 1)]))
        let a = Int(tree.nodes[0].children[0])
        #expect(tree.nodes[a].children.map { tree.name(of: Int($0)) } == ["b", "b.c", "b"])
        #expect(tree.nodes[a].children.map { tree.nodes[Int($0)].total } == [1, 1, 1])
    }
}
