import Foundation
import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import PyrometerRender
import Testing

/// The frames of our SVG must be inferno's: for inferno's own flamegraph test cases, the same frames (tooltip text:
/// name, count, share), at the same rows, spanning the same samples (`data-x`/`data-v` against inferno's
/// `fg:x`/`fg:w`) and, where colours are hashed from names, with the same colours.
@Suite struct FlamegraphConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var input: String
        var expected: String
        var reverse = false
        var inverted = false
        var palette: Palette = .hot
        /// False where inferno's colours came from a palette map file we do not read.
        var compareColors = true
        var testDescription: String { expected }
    }

    static let root = "inferno/tests/data/flamegraph/"
    static let cases: [Case] = [
        Case(input: "inferno/flamegraph/test/results/perf-vertx-stacks-01-collapsed-all.txt",
             expected: root + "perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.svg"),
        Case(input: root + "unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt",
             expected: root + "perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.svg"),
        Case(input: root + "unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt",
             expected: root + "perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all-reversed-stacks.svg", reverse: true),
        Case(input: "inferno/flamegraph/test/results/perf-vertx-stacks-01-collapsed-all.txt",
             expected: root + "inverted/inverted.svg", inverted: true),
        Case(input: "inferno/flamegraph/test/results/perf-java-stacks-01-collapsed-all.txt",
             expected: root + "colors/java.svg", palette: .java),
        Case(input: "inferno/tests/data/collapse-perf/results/example-perf-stacks-collapsed.txt",
             expected: root + "example-perf-stacks/example-perf-stacks.svg", compareColors: false),
        Case(input: root + "narrow-blocks/narrow-blocks.txt", expected: root + "narrow-blocks/narrow-blocks.svg"),
        Case(input: root + "grey-frames/grey-frames.txt", expected: root + "grey-frames/grey-frames.svg"),
    ]

    struct Frame: Hashable, CustomStringConvertible {
        var title: String
        var y: String
        var start: String
        var width: String
        var fill: String?
        var description: String { "\(title) y=\(y) x=\(start) w=\(width) \(fill ?? "")" }
    }

    static func fixture(_ path: String) -> URL {
        packageRoot().appendingPathComponent("Tests/Fixtures").appendingPathComponent(path)
    }

    /// The frames of an SVG: each `<g>` with a `<title>`, its rect's `y` and `fill`, and where it starts and how many
    /// samples it spans (our `data-x`/`data-v`, inferno's `fg:x`/`fg:w`).
    static func frames(_ svg: String, colors: Bool) throws -> [Frame] {
        let frame = try NSRegularExpression(pattern: #"<g([^>]*)>\s*<title>([^<]*)</title>\s*<rect([^>]*)/>"#)
        let attribute = try NSRegularExpression(pattern: #"([\w:-]+)="([^"]*)""#)
        let text = svg as NSString
        func attributes(_ range: NSRange) -> [String: String] {
            var result: [String: String] = [:]
            for match in attribute.matches(in: svg, range: range) {
                result[text.substring(with: match.range(at: 1))] = text.substring(with: match.range(at: 2))
            }
            return result
        }
        return frame.matches(in: svg, range: NSRange(location: 0, length: text.length)).map { match in
            let group = attributes(match.range(at: 1))
            let rect = attributes(match.range(at: 3))
            return Frame(title: text.substring(with: match.range(at: 2)), y: rect["y"] ?? "?",
                         start: group["data-x"] ?? rect["fg:x"] ?? "?", width: group["data-v"] ?? rect["fg:w"] ?? "?",
                         fill: colors ? rect["fill"] : nil)
        }
    }

    @Test(arguments: cases)
    func framesMatchInferno(_ testCase: Case) throws {
        let input = try InputFile(path: Self.fixture(testCase.input).path)
        let profile = try Importers.load(input).profile
        var options = FlamegraphOptions()
        options.hash = true
        options.inverted = testCase.inverted
        options.palette = testCase.palette
        let tree = FlameTree(Folder().fold(profile), reverse: testCase.reverse)
        let ours = try Self.frames(String(decoding: FlamegraphRenderer(options: options).render(tree), as: UTF8.self),
                                   colors: testCase.compareColors)
        let theirs = try Self.frames(String(contentsOf: Self.fixture(testCase.expected), encoding: .utf8),
                                     colors: testCase.compareColors)
        #expect(ours.count == theirs.count)
        #expect(!theirs.isEmpty)
        // Every frame says where it starts and how wide it is, on both sides (the root aside in inferno's files).
        #expect(ours.allSatisfy { $0.start != "?" && $0.width != "?" && $0.y != "?" })
        #expect(theirs.filter { $0.start == "?" || $0.width == "?" }.count <= 1)
        let missing = Set(theirs).subtracting(ours).sorted { $0.description < $1.description }
        let extra = Set(ours).subtracting(theirs).sorted { $0.description < $1.description }
        #expect(missing.isEmpty, "inferno has frames we lack, e.g. \(missing.prefix(3))")
        #expect(extra.isEmpty, "we have frames inferno lacks, e.g. \(extra.prefix(3))")
    }

    /// A differential flamegraph of inferno's 3-column input has inferno's frames (name, row, start and width from
    /// the second column). Tooltips and colours differ by design: every frame shows its own inclusive change.
    @Test func differentialFramesMatchInferno() throws {
        let input = try InputFile(path: Self.fixture(Self.root + "differential/perf-cycles-instructions-01-collapsed-all-diff.txt").path)
        let profile = try Importers.load(input).profile
        var options = FoldOptions()
        let before: Int = try #require(profile.sampleTypeIndex(named: "before"))
        options.sampleType = before
        let base = Folder(options: options).fold(profile)
        let after: Int = try #require(profile.sampleTypeIndex(named: "after"))
        options.sampleType = after
        let head = Folder(options: options).fold(profile)
        let tree = FlameTree(head)
        let svg = FlamegraphRenderer().render(tree, comparison: FlamegraphComparison(
            otherValues: tree.inclusiveValues(of: base), otherTotal: base.total))
        let expected = try String(contentsOf: Self.fixture(Self.root + "differential/diff.svg"), encoding: .utf8)
        func layout(_ frames: [Frame]) -> [String] {
            frames.map { frame in
                let name = frame.title.components(separatedBy: " (").dropLast().joined(separator: " (")
                return "\(name) y=\(frame.y) x=\(frame.start) w=\(frame.width)"
            }.sorted()
        }
        let ours = try Self.frames(String(decoding: svg, as: UTF8.self), colors: false)
        #expect(ours.count == 20)
        #expect(layout(ours) == layout(try Self.frames(expected, colors: false)))
        // cksum under main grew from 31 to 56 of 333 → 512 samples: red; the leaf-only deltas of inferno leave
        // `main` white although everything under it grew.
        let main = try #require(ours.first { $0.title.hasPrefix("main (") && $0.width == "56" })
        #expect(main.title.contains("; +"), Comment(rawValue: main.title))
    }
}
