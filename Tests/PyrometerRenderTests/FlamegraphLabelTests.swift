import Testing
import PyrometerAnalyze
import PyrometerModel
import PyrometerRender

/// Frames of functions with a short name (Swift's `Module.Type.method(_:_:)`) are told apart by their full names,
/// drawn with their short labels, and show the full name in the tooltip.
@Suite struct FlamegraphLabelTests {
    /// Two specializations of one Swift function: the same short label, different full names.
    static func profile() -> Profile {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "samples", unit: "count")], sourceFormat: "test")
        func location(_ full: String, _ short: String?) -> LocationID {
            let function = builder.intern(Function(name: builder.intern(full),
                                                   shortName: short.map { builder.intern($0) } ?? 0))
            return builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: function)]))
        }
        let main = location("main", nil)
        let int = location("generic specialization <Swift.Int> of app.sum<A>(_: [A]) -> A", "specialized app.sum(_:)")
        let double = location("generic specialization <Swift.Double> of app.sum<A>(_: [A]) -> A",
                              "specialized app.sum(_:)")
        let hostile = location("app.<script>(_: \"x\") -> ()", "app.<b>\"&'(_:)")
        builder.add(stack: builder.intern(stack: [int, main]), type: 0, value: 60)
        builder.add(stack: builder.intern(stack: [double, main]), type: 0, value: 30)
        builder.add(stack: builder.intern(stack: [hostile, main]), type: 0, value: 10)
        return builder.build()
    }

    @Test func fullNamesKeepFramesApartAndLabelsAreShort() throws {
        var options = FoldOptions()
        options.fullNames = true
        let folded = Folder(options: options).fold(Self.profile())
        // Two frames, not one merged `specialized app.sum(_:)`.
        let tree = FlameTree(folded)
        let sums = tree.nodes.indices.filter { tree.name(of: $0).contains("app.sum") }
        #expect(sums.count == 2)
        let svg = FlamegraphRenderer(options: FlamegraphOptions()).render(tree)
        let parsed = ParsedSVG(svg)
        #expect(parsed.error == nil)
        let frames = parsed.elements.filter { $0.name == "g" && $0.attributes["data-x"] != nil }
        let int = try #require(frames.first { $0.children.first?.text.contains("<Swift.Int>") == true })
        #expect(int.attributes["data-s"] == "specialized app.sum(_:)")
        #expect(int.children.first?.text == "generic specialization <Swift.Int> of app.sum<A>(_: [A]) -> A (60 samples, 60.00%)")
        #expect(int.children.last?.text == "specialized app.sum(_:)")
        // Escaped in the attribute and the text: the document keeps its structure.
        let hostile = try #require(frames.first { $0.attributes["data-s"]?.hasPrefix("app.<b>") == true })
        #expect(hostile.attributes["data-s"] == "app.<b>\"&'(_:)")
        #expect(parsed.elements.filter { $0.name == "script" }.count == 1)
        #expect(!parsed.elements.contains { $0.name == "b" })

        // Folded text (and inferno's tooling) uses the labels, as before.
        let text = Folder().fold(Self.profile()).sortedLines().map { String(decoding: $0.stack, as: UTF8.self) }
        #expect(text.contains("main;specialized app.sum(_:)"))
        #expect(!text.contains { $0.contains("generic specialization") })
    }
}
