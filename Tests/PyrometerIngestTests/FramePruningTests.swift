@testable import PyrometerIngest
import PyrometerModel
import Testing

/// pprof's drop_frames/keep_frames semantics (profile/prune.go).
@Suite struct FramePruningTests {
    @Test(arguments: [
        ("foo(int, char)", "foo"), (".foo.bar", "foo.bar"), ("pkg.(*T).Method", "pkg."),
        ("(anonymous namespace)::f(int)", "(anonymous namespace)::f"), ("Lambda::operator()(int)", "Lambda::operator()"),
        ("plain", "plain"),
    ])
    func simplifiesAsPprof(_ name: String, _ expected: String) {
        #expect(FramePruning.simplified(name) == expected)
    }

    @Test func cutsAtTheOutermostMatchingLineUnlessKept() throws {
        var diagnostics: [Diagnostic] = []
        let pruning = try #require(FramePruning(drop: "malloc|operator new", keep: "", diagnostics: &diagnostics,
                                                file: "x"))
        // Lines innermost first: an inlined helper inside malloc inside the caller.
        #expect(pruning.cut(["helper", "malloc(unsigned long)", "caller"]) == 1)
        #expect(pruning.cut(["caller"]) == nil)
        let keeping = try #require(FramePruning(drop: "mall.*", keep: "malloc", diagnostics: &diagnostics, file: "x"))
        #expect(keeping.cut(["malloc"]) == nil)
        #expect(keeping.cut(["mallocx"]) == 0)
        #expect(FramePruning(drop: "(", keep: "", diagnostics: &diagnostics, file: "x") == nil)
        #expect(diagnostics.count == 1)
    }
}
