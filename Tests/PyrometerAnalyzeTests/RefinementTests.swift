@testable import PyrometerAnalyze
import PyrometerModel
import Testing

/// The refinement options on a profile built by hand, whose every frame kind is there: an inlined callee sharing a
/// location with its host (`mix` in `encode`), source files, an unsymbolized frame of a library (`libgc.so`), and
/// string and numeric labels. `RefinementConformanceTests` checks the same options against `go tool pprof`.
@Suite struct RefinementTests {
    /// export: main > handle > encode (mix inlined) 50; main > handle > compress 30 (bytes=65536);
    /// no endpoint: main > [libgc.so] 20 (bytes=1024).
    static let profile: Profile = {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "samples", unit: "count")], sourceFormat: "test")
        func function(_ name: String, _ file: String) -> FunctionID {
            builder.intern(Function(name: builder.intern(name), filename: builder.intern(file)))
        }
        func location(_ address: UInt64, _ lines: [(FunctionID, Int64)], mapping: MappingID? = nil) -> LocationID {
            builder.intern(Location(mapping: mapping, address: address,
                                    lines: lines.map { Line(function: $0.0, line: $0.1) }))
        }
        let main = location(0x1000, [(function("main", "src/main.go"), 12)])
        let handle = location(0x2000, [(function("handle", "src/./server.go"), 30)])
        let encode = location(0x3000, [(function("mix", "src/enc.go"), 26), (function("encode", "src/enc.go"), 40)])
        let compress = location(0x4000, [(function("compress", "src/zip.go"), 7)])
        let gc = location(0x7f00, [], mapping: builder.intern(Mapping(file: builder.intern("/usr/lib/libgc.so"))))
        let endpoint = builder.intern("endpoint"), bytes = builder.intern("bytes")
        let export = Label(key: endpoint, string: builder.intern("/export"))
        func add(_ stack: [LocationID], _ labels: [Label], _ value: Int64) {
            builder.add(stack: builder.intern(stack: stack), labels: builder.intern(labels: labels), type: 0, value: value)
        }
        add([encode, handle, main], [export], 50)
        add([compress, handle, main], [export, Label(key: bytes, number: 65536)], 30)
        add([gc, main], [Label(key: bytes, number: 1024)], 20)
        return builder.build()
    }()

    /// Self and total per function, with inlined functions counted as functions (pprof's `-top` nodes).
    struct Node: Equatable { var flat: Int64, cum: Int64 }

    static func top(_ refinement: Refinement) -> [String: Node] {
        var options = HotspotOptions()
        options.attribution.inlineFunctions = true
        let report = HotspotAnalyzer(options: options).analyze(refinement.apply(to: profile).profile, fold: FoldOptions())
        return Dictionary(report.functions.filter { $0.totalValue != 0 }
                            .map { ($0.name, Node(flat: $0.selfValue, cum: $0.totalValue)) },
                          uniquingKeysWith: { first, _ in first })
    }

    static func refinement(_ change: (inout Refinement) throws -> Void) rethrows -> Refinement {
        var refinement = Refinement()
        try change(&refinement)
        return refinement
    }

    static func pattern(_ text: String) throws -> NamePattern { try NamePattern(text, option: "test") }
    static func tag(_ text: String) throws -> TagFilter { try TagFilter(text, option: "tag-focus") }

    @Test func focusAndIgnoreMatchNamesFilesInlineLinesAndBinaries() throws {
        #expect(Self.top(try Self.refinement { $0.focus = try Self.pattern("^encode$") })["main"]?.cum == 50)
        #expect(Self.top(try Self.refinement { $0.focus = try Self.pattern("mix") })["main"]?.cum == 50,
                "an inlined callee's line decides its location")
        #expect(Self.top(try Self.refinement { $0.focus = try Self.pattern(#"zip\.go"#) })["main"]?.cum == 30)
        #expect(Self.top(try Self.refinement { $0.focus = try Self.pattern("libgc") })["main"]?.cum == 20)
        #expect(Self.top(try Self.refinement { $0.ignore = try Self.pattern("handle") })["main"]?.cum == 20)
        let both = Self.top(try Self.refinement {
            $0.focus = try Self.pattern("handle")
            $0.ignore = try Self.pattern("compress")
        })
        #expect(both["main"]?.cum == 50 && both["compress"] == nil)
    }

    @Test func hideAndShowRemoveLinesAndFrames() throws {
        let hidden = Self.top(try Self.refinement { $0.hide = try Self.pattern("mix") })
        #expect(hidden["encode"]?.flat == 50 && hidden["mix"] == nil, "the host takes its hidden callee's time")
        let handleHidden = Self.top(try Self.refinement { $0.hide = try Self.pattern("handle|libgc") })
        #expect(handleHidden["main"] == Node(flat: 20, cum: 100), "\(handleHidden)")
        let shown = Self.top(try Self.refinement { $0.show = try Self.pattern("main|compress") })
        #expect(shown["main"]?.flat == 70 && shown["compress"]?.flat == 30 && shown.count == 2, "\(shown)")
    }

    @Test func showFromAndPruneFromCutStacks() throws {
        let from = Self.top(try Self.refinement { $0.showFrom = try Self.pattern("handle") })
        #expect(from["handle"]?.cum == 80 && from["main"] == nil && from["encode"]?.flat == 0)
        let fromInlined = Self.top(try Self.refinement { $0.showFrom = try Self.pattern("mix") })
        #expect(fromInlined.count == 1 && fromInlined["mix"]?.flat == 50, "the host line above the match goes")
        let pruned = Self.top(try Self.refinement { $0.pruneFrom = try Self.pattern("handle") })
        #expect(pruned["handle"]?.flat == 80 && pruned["main"]?.cum == 100 && pruned["encode"] == nil)
        let prunedHost = Self.top(try Self.refinement { $0.pruneFrom = try Self.pattern("encode") })
        #expect(prunedHost["encode"]?.flat == 50 && prunedHost["mix"] == nil, "the inlined callee below goes")
    }

    @Test func pruneFromMatchesNamesWithoutArgumentLists() {
        #expect(Profile.withoutArguments("foo(int, char const*)") == "foo")
        #expect(Profile.withoutArguments("(anonymous namespace)::bar(int)") == "(anonymous namespace)::bar")
        #expect(Profile.withoutArguments("Visitor::operator()(int) const") == "Visitor::operator()")
        #expect(Profile.withoutArguments("crypto/sha256.(*digest).Write") == "crypto/sha256.")
        #expect(Profile.withoutArguments(".hash_block") == "hash_block")
        #expect(Profile.withoutArguments("plain") == "plain")
    }

    @Test func tagFiltersOnStringAndNumericLabels() throws {
        func kept(_ filters: [String], ignore: [String] = []) throws -> Int64? {
            let refinement = try Self.refinement {
                $0.tagFocus = try filters.map(Self.tag)
                $0.tagIgnore = try ignore.map(Self.tag)
            }
            return refinement.apply(to: Self.profile).profile.total(sampleType: 0)
        }
        #expect(try kept(["endpoint=/export"]) == 80)
        #expect(try kept(["endpoint=/search,/exp"]) == 80, "with a key, any expression")
        #expect(try kept(["export,endpoint"]) == 80, "without a key, each expression on key:value")
        #expect(try kept(["export,search"]) == 0, "without a key, every expression must match")
        #expect(try kept([], ignore: ["endpoint=/export"]) == 20)
        #expect(try kept(["64kb"]) == 30, "bytes is in bytes: 64kb is 65,536")
        #expect(try kept(["bytes=1kb:"]) == 50)
        #expect(try kept([":1kb"]) == 20)
        #expect(try kept(["bytes=1kb:64"]) == 50, "the upper bound in the lower one's unit")
        #expect(try kept(["65536"]) == 0, "a number without a unit never matches a label in bytes")
        #expect(try kept(["1.5kb"]) == 0, "not one of pprof's range forms: a regular expression, on strings")
        #expect(try kept(["endpoint=/export", "64kb"]) == 30, "repeated filters must all match")
    }

    @Test func numericLabelUnitsAsPprofInfersThem() throws {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "samples", unit: "count")], sourceFormat: "test")
        let stack = builder.intern(stack: [builder.intern(Location(mapping: nil, address: 1, lines: [
            Line(function: builder.function(named: "f"))]))])
        let request = builder.intern("request"), retries = builder.intern("retries"), wait = builder.intern("wait")
        builder.add(stack: stack, labels: builder.intern(labels: [Label(key: request, number: 2048)]), type: 0, value: 1)
        builder.add(stack: stack, labels: builder.intern(labels: [Label(key: retries, number: 3)]), type: 0, value: 2)
        builder.add(stack: stack, labels: builder.intern(labels: [
            Label(key: wait, number: 1500, numberUnit: builder.intern("microseconds"))]), type: 0, value: 4)
        let profile = builder.build()
        func kept(_ filter: String) throws -> Int64 {
            try Self.refinement { $0.tagFocus = [try Self.tag(filter)] }.apply(to: profile).profile.total(sampleType: 0)
        }
        #expect(try kept("request=2kb") == 1, "request sizes are bytes")
        #expect(try kept("retries=3") == 2, "a key without a unit is counted in itself")
        #expect(try kept("wait=1ms:2ms") == 4, "the label's own unit")
        #expect(try kept("wait=1500") == 0)
    }

    @Test func labelFramesAtRootAndLeaf() throws {
        let roots = Self.top(try Self.refinement { $0.tagRoot = ["endpoint"] })
        #expect(roots["/export"]?.cum == 80 && roots["<unknown>"]?.cum == 20)
        let leaves = Self.top(try Self.refinement { $0.tagLeaf = ["endpoint", "bytes"] })
        #expect(leaves["65536"]?.flat == 30 && leaves["1024"]?.flat == 20 && leaves["<unknown>"]?.flat == 50,
                "the last key innermost; numbers without a unit as they are: \(leaves)")
        let atLines = Self.top(try Self.refinement {
            $0.tagRoot = ["endpoint"]
            $0.granularity = .lines
        })
        #expect(atLines["/export endpoint"]?.cum == 80 && atLines["endpoint"]?.cum == 20, "\(atLines)")
        let focused = Self.top(try Self.refinement {
            $0.tagRoot = ["endpoint"]
            $0.focus = try Self.pattern("^/export$")
        })
        #expect(focused["main"]?.cum == 80, "the name filters see label frames")
    }

    @Test func granularityNamesFramesAsPprofNodes() throws {
        let lines = Self.top(Self.refinement { $0.granularity = .lines })
        #expect(lines["mix src/enc.go:26"]?.flat == 50 && lines["encode src/enc.go:40"]?.cum == 50)
        #expect(lines["handle src/server.go:30"]?.cum == 80, "file names cleaned as Go's filepath.Clean")
        let files = Self.top(Self.refinement { $0.granularity = .files })
        #expect(files["src/enc.go"]?.flat == 50 && files["src/main.go"]?.cum == 100 && files["[libgc.so]"]?.flat == 20,
                "\(files)")
        let fileFunctions = Self.top(Self.refinement { $0.granularity = .filefunctions })
        #expect(fileFunctions["compress src/zip.go"]?.flat == 30)
        let addresses = Self.top(Self.refinement { $0.granularity = .addresses })
        #expect(addresses["0000000000003000 mix src/enc.go:26"]?.flat == 50, "\(addresses)")
        #expect(Profile.cleanPath("a/./b/../c//d/") == "a/c/d" && Profile.cleanPath("/../x") == "/x"
                && Profile.cleanPath("./") == "." && Profile.cleanPath("") == "")
    }

    @Test func scaledLabelsAsPprofPrintsThem() {
        #expect(LabelUnits.scaledLabel(65536, unit: "bytes") == "64kB")
        #expect(LabelUnits.scaledLabel(1536, unit: "bytes") == "1.50kB")
        #expect(LabelUnits.scaledLabel(0, unit: "bytes") == "0")
        #expect(LabelUnits.scaledLabel(250_000_000, unit: "nanoseconds") == "250ms")
        #expect(LabelUnits.scaledLabel(16384, unit: "") == "16384")
    }

    @Test func warningsAndErrors() throws {
        let refinement = try Self.refinement {
            $0.focus = try Self.pattern("nothing-like-this")
            $0.tagFocus = [try Self.tag("endpoint=/nowhere")]
        }
        let (refined, warnings) = refinement.apply(to: Self.profile)
        #expect(refined.samples.isEmpty)
        #expect(warnings.contains { $0.contains("--focus 'nothing-like-this' matched no function") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("--tag-focus 'endpoint=/nowhere' matched no sample") }, "\(warnings)")
        #expect(throws: RefinementError.self) { try NamePattern("(unclosed", option: "focus") }
        #expect(Refinement().isEmpty)
        #expect(Refinement().apply(to: Self.profile).profile.samples.count == Self.profile.samples.count)
    }
}
