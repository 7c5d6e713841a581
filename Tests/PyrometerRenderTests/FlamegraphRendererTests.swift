import Foundation
import Testing
import PyrometerAnalyze
import PyrometerModel
@testable import PyrometerRender

private let hostileNames = [
    "<script>alert(1)</script>",
    "end]]>of<![CDATA[x",
    "q\"uo'te & <amp> &amp; &#x3c;",
    "ctl\u{01}\u{1B}\r\u{7F}tab\there",
    "nonchar\u{FFFE}\u{FFFF}",
    "emoji 🔥 über",
    "</title></g></svg><g onload=\"alert(2)\">",
]

/// `name` as the renderer stores it: XML-illegal characters replaced by U+FFFD.
private func sanitized(_ name: String) -> String {
    String(String.UnicodeScalarView(name.unicodeScalars.map { s in
        (s.value < 0x20 && s.value != 0x09 && s.value != 0x0A) || s.value == 0xFFFE || s.value == 0xFFFF
            ? "\u{FFFD}" : s
    }))
}

private func sampleTree() -> FlameTree {
    makeTree([
        (["main", "parse", "lex"], 30),
        (["main", "parse"], 10),
        (["main", "render", "draw_rect"], 40),
        (["main", "render", "lex"], 5),
        (["idle"], 15),
    ])
}

@Suite("Flamegraph SVG")
struct FlamegraphRendererTests {
    @Test("hostile frame names and option strings never change the document structure")
    func escaping() throws {
        let tree = makeTree(hostileNames.enumerated().map { i, name in (["root", name], Int64(10 + i)) })
        var options = FlamegraphOptions()
        options.title = "T<script>alert(3)</script>]]>"
        options.subtitle = "S\"'&<>"
        options.notes = "--> <!-- ]]> & notes"
        options.countName = "s<a>mples\u{02}"
        options.fontType = "Verdana\" onload=\"alert(4)"
        options.searchColor = "red\"/><script>alert(5)</script>"
        options.nameType = "F<u>nc:"
        options.backgroundColors = BackgroundColors(top: "#fff\"><x", bottom: "']]>")
        let svg = FlamegraphRenderer(options: options).render(tree)
        let doc = ParsedSVG(svg)
        #expect(doc.error == nil, "\(doc.error ?? "")")
        #expect(doc.all("script").count == 1)
        #expect(doc.all("style").count == 1)
        #expect(doc.all("svg").count == 1)
        // frames container + all + root + one per hostile name
        #expect(doc.all("g").count == 1 + 2 + hostileNames.count)
        #expect(doc.all("title").count == 2 + hostileNames.count)
        #expect(doc.all("rect").count == 1 + 2 + hostileNames.count)
        #expect(doc.all("text").count == 6 + 2 + hostileNames.count)  // title, subtitle, details, unzoom, search, matched
        #expect(Set(doc.elements.map(\.name)) == ["svg", "desc", "defs", "linearGradient", "stop", "style", "script",
                                                 "rect", "text", "g", "title"])
        let names = Set(doc.frames.map(\.frameName))
        for name in hostileNames {
            #expect(names.contains(sanitized(name)), "missing \(name.debugDescription)")
        }
        // Options come back verbatim (sanitized) as text or attribute values.
        #expect(doc.elements.first { $0.attributes["id"] == "title" }?.text == options.title)
        #expect(doc.elements.first { $0.attributes["id"] == "subtitle" }?.text == options.subtitle)
        #expect(doc.all("desc").first?.text == options.notes)
        #expect(doc.all("svg").first?.attributes["font-family"] == options.fontType + ", sans-serif")
        let frames = doc.elements.first { $0.attributes["id"] == "frames" }
        #expect(frames?.attributes["data-search-color"] == options.searchColor)
        #expect(frames?.attributes["data-name-type"] == options.nameType)
        #expect(doc.all("stop").map { $0.attributes["stop-color"] } == ["#fff\"><x", "']]>"])
        #expect(doc.frames.first?.child("title")?.text == "all (91 s<a>mples\u{FFFD}, 100%)")
        // Nothing profile- or option-derived inside the script or style sheet.
        let script = try #require(doc.all("script").first?.text)
        #expect(script == String(describing: FlamegraphAssets.script))
        #expect(doc.all("style").first?.text == String(describing: FlamegraphAssets.css))
        // No raw control characters anywhere in the bytes.
        #expect(!svg.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A })
    }

    @Test("the embedded script and style sheet cannot end their CDATA sections")
    func assetsHaveNoCDATATerminator() {
        for asset in [String(describing: FlamegraphAssets.script), String(describing: FlamegraphAssets.css)] {
            #expect(!asset.contains("]]>"))
        }
    }

    @Test("XML escaping of every special character")
    func escaper() {
        #expect(XMLEscaper.escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f")
        #expect(XMLEscaper.escape("x\u{0}y\u{1F}z\tw\nv\r") == "x\u{FFFD}y\u{FFFD}z\tw\nv\u{FFFD}")
        #expect(XMLEscaper.escape("\u{FFFE}\u{FFFF}\u{FFFD}\u{F8FF}") == "\u{FFFD}\u{FFFD}\u{FFFD}\u{F8FF}")
        #expect(XMLEscaper.escape("plain ünïcødé 🔥") == "plain ünïcødé 🔥")
        #expect(XMLEscaper.escape("") == "")
    }

    @Test("number formatting is fixed and locale-free")
    func numbers() {
        func fmt(_ body: (inout SVGBuffer) -> Void) -> String {
            var b = SVGBuffer()
            body(&b)
            return String(decoding: b.bytes, as: UTF8.self)
        }
        #expect(fmt { $0.grouped(0) } == "0")
        #expect(fmt { $0.grouped(999) } == "999")
        #expect(fmt { $0.grouped(1000) } == "1,000")
        #expect(fmt { $0.grouped(1_234_567) } == "1,234,567")
        #expect(fmt { $0.grouped(Int64.max) } == "9,223,372,036,854,775,807")
        #expect(fmt { $0.grouped(-12345) } == "-12,345")
        #expect(fmt { $0.int(Int64.min) } == "-9223372036854775808")
        #expect(fmt { $0.fixed2(12.345678) } == "12.35")
        #expect(fmt { $0.fixed2(3) } == "3.00")
        #expect(fmt { $0.fixed2(0.05) } == "0.05")
        #expect(fmt { $0.fixed2(-0.25) } == "-0.25")
        #expect(fmt { $0.fixed2(100) } == "100.00")
        #expect(fmt { $0.fixed(0.59, places: 4) } == "0.5900")
        #expect(fmt { $0.coord(10) } == "10")
        #expect(fmt { $0.coord(10.004) } == "10")
        #expect(fmt { $0.coord(10.5) } == "10.50")
    }

    @Test("same tree and options give identical bytes")
    func determinism() {
        for palette in Palette.allCases {
            for hash in [false, true] {
                var options = FlamegraphOptions()
                options.palette = palette
                options.hash = hash
                let a = FlamegraphRenderer(options: options).render(sampleTree())
                let b = FlamegraphRenderer(options: options).render(sampleTree())
                #expect(a == b, "\(palette) hash=\(hash)")
            }
        }
    }

    @Test("layout, tooltips and labels")
    func layout() throws {
        let doc = ParsedSVG(FlamegraphRenderer().render(sampleTree()))
        #expect(doc.error == nil)
        let frames = doc.frames
        #expect(frames.map(\.frameName) == ["all", "idle", "main", "parse", "lex", "render", "draw_rect", "lex"])
        let all = try #require(frames.first)
        #expect(all.rectNumber("x") == 10)
        #expect(all.rectNumber("width") == 1180)
        #expect(all.child("title")?.text == "all (100 samples, 100%)")
        let main = try #require(frames.first { $0.frameName == "main" })
        #expect(main.child("title")?.text == "main (85 samples, 85.00%)")
        #expect(main.attributes["data-x"] == "15")
        #expect(main.attributes["data-v"] == "85")
        #expect(abs(main.rectNumber("x") - (10 + 1180 * 0.15)) < 0.006)
        #expect(abs(main.rectNumber("width") - 1180 * 0.85) < 0.006)
        #expect(main.child("text")?.text == "main")
        // Children are drawn one row above (y decreases toward the leaves).
        let parse = try #require(frames.first { $0.frameName == "parse" })
        #expect(parse.rectNumber("y") == main.rectNumber("y") - 16)
        #expect(main.rectNumber("y") == all.rectNumber("y") - 16)
        #expect(all.rect["height"] == "15")
        let height = try #require(Double(doc.all("svg").first?.attributes["height"] ?? ""))
        #expect(height == Double(4 * 16 + 12 * 3 + 12 * 2 + 10))
    }

    @Test("labels are truncated with '..' to fit, and dropped when there is no room")
    func truncation() throws {
        let long = String(repeating: "abcdefghij", count: 20)
        let tree = makeTree([([long], 50), (["x", long], 50), (["tiny", "üüüüüüüüüüüüüüüüüüüü"], 1)])
        var options = FlamegraphOptions()
        options.minWidth = 0
        let doc = ParsedSVG(FlamegraphRenderer(options: options).render(tree))
        let longFrames = doc.frames.filter { $0.frameName == long }
        #expect(longFrames.count == 2)
        for frame in longFrames {
            // 50/101 of 1180 px = 584.16 px; / (12 * 0.59) px per character = 82: 80 kept + "..".
            #expect(frame.child("text")?.text == String(long.prefix(80)) + "..")
        }
        let tiny = try #require(doc.frames.first { $0.frameName == "tiny" })
        #expect(tiny.child("text")?.text == "")  // ~11.7 px: fewer than 3 characters fit
        #expect(tiny.child("title")?.text == "tiny (1 samples, 0.99%)")
    }

    @Test("frames narrower than minWidth are pruned with their descendants")
    func minWidthPruning() {
        let tree = makeTree([
            (["main", "big"], 99_990),
            (["main", "small", "smaller"], 5),
            (["main", "edge"], 10),
        ])
        // 1180 px / 100,005: `small` is ~0.059 px, `edge` ~0.118 px.
        let pruned = ParsedSVG(FlamegraphRenderer().render(tree))
        #expect(pruned.frames.map(\.frameName) == ["all", "main", "big", "edge"])
        var options = FlamegraphOptions()
        options.minWidth = 0
        let full = ParsedSVG(FlamegraphRenderer(options: options).render(tree))
        #expect(full.frames.map(\.frameName) == ["all", "main", "big", "edge", "small", "smaller"])
        options.minWidth = 0.5
        let coarse = ParsedSVG(FlamegraphRenderer(options: options).render(tree))
        #expect(coarse.frames.map(\.frameName) == ["all", "main", "big"])
        // The image is only as tall as the deepest drawn frame.
        #expect(coarse.all("svg").first?.attributes["height"] == "\(3 * 16 + 36 + 34)")
        #expect(full.all("svg").first?.attributes["height"] == "\(4 * 16 + 36 + 34)")
    }

    @Test("inverted (icicle) layout puts the root at the top")
    func inverted() throws {
        var options = FlamegraphOptions()
        options.inverted = true
        options.title = "Icicle Graph"
        let doc = ParsedSVG(FlamegraphRenderer(options: options).render(sampleTree()))
        #expect(doc.error == nil)
        let all = try #require(doc.frames.first { $0.frameName == "all" })
        let main = try #require(doc.frames.first { $0.frameName == "main" })
        let parse = try #require(doc.frames.first { $0.frameName == "parse" })
        #expect(all.rectNumber("y") == Double(12 * 4 + 4))  // just below the title and details
        #expect(main.rectNumber("y") == all.rectNumber("y") + 16)
        #expect(parse.rectNumber("y") == main.rectNumber("y") + 16)
        let details = try #require(doc.elements.first { $0.attributes["id"] == "details" })
        #expect(Double(details.attributes["y"] ?? "") ?? 0 < all.rectNumber("y"))
        #expect(doc.elements.first { $0.attributes["id"] == "frames" }?.attributes["data-inverted"] == "1")

        let upright = ParsedSVG(FlamegraphRenderer().render(sampleTree()))
        let uprightAll = try #require(upright.frames.first { $0.frameName == "all" })
        let uprightDetails = try #require(upright.elements.first { $0.attributes["id"] == "details" })
        #expect(Double(uprightDetails.attributes["y"] ?? "") ?? 0 > uprightAll.rectNumber("y"))
    }

    @Test("empty tree renders a valid SVG with inferno's error message")
    func empty() throws {
        let tree = makeTree([])
        let svg = FlamegraphRenderer().render(tree)
        let doc = ParsedSVG(svg)
        #expect(doc.error == nil)
        #expect(doc.all("text").map(\.text) == ["ERROR: No valid input provided to flamegraph"])
        #expect(doc.all("script").isEmpty)
        #expect(FlamegraphRenderer.noInputMessage == "ERROR: No valid input provided to flamegraph")
        // Stacks with value 0 only: still empty.
        let zero = ParsedSVG(FlamegraphRenderer().render(makeTree([(["a"], 0)])))
        #expect(zero.all("text").map(\.text) == ["ERROR: No valid input provided to flamegraph"])
    }

    @Test("background defaults follow the palette, and options override")
    func backgrounds() {
        #expect(BackgroundColors.default(for: .hot) == .yellow)
        #expect(BackgroundColors.default(for: .java) == .yellow)
        #expect(BackgroundColors.default(for: .mem) == .green)
        #expect(BackgroundColors.default(for: .io) == .blue)
        #expect(BackgroundColors.default(for: .wakeup) == .blue)
        #expect(BackgroundColors.default(for: .aqua) == .grey)
        var options = FlamegraphOptions()
        options.palette = .mem
        let stops = ParsedSVG(FlamegraphRenderer(options: options).render(sampleTree())).all("stop")
        #expect(stops.map { $0.attributes["stop-color"] } == ["#eef2ee", "#e0ffe0"])
        options.backgroundColors = .flat("#ffffff")
        let flat = ParsedSVG(FlamegraphRenderer(options: options).render(sampleTree())).all("stop")
        #expect(flat.map { $0.attributes["stop-color"] } == ["#ffffff", "#ffffff"])
    }
}

@Suite("Flamegraph colours")
struct FlamegraphColorTests {
    private func family(_ name: String, _ palette: Palette) -> HueFamily {
        FlamegraphColors.family(of: Array(name.utf8), palette: palette)
    }

    @Test("java palette rules")
    func java() {
        #expect(family("Interpreter_[j]", .java) == .green)
        #expect(family("inlined_[i]", .java) == .aqua)
        #expect(family("do_syscall_64_[k]", .java) == .orange)
        #expect(family("java/util/HashMap.get", .java) == .green)
        #expect(family("Lcom/example/Foo;.bar", .java) == .green)
        #expect(family("org.scalatest.Suite.run", .java) == .green)
        #expect(family("Compile", .java) == .green)
        #expect(family("JavaThread::run", .java) == .yellow)
        #expect(family("-[NSObject init]", .java) == .yellow)
        #expect(family("[unknown]", .java) == .red)
        #expect(family("read", .java) == .red)
        #expect(family("_[jk]", .java) == .red)
        #expect(family("_[j]_[]", .java) == .red)
    }

    @Test("rust, js, perl and wakeup palette rules")
    func otherRules() {
        #expect(family("core::ptr::drop_in_place", .rust) == .orange)
        #expect(family("std::io::Write::write_all", .rust) == .orange)
        #expect(family("<alloc::vec::Vec<T> as Drop>::drop", .rust) == .orange)
        #expect(family("libfoo.so`std::rt::lang_start", .rust) == .orange)
        #expect(family("myapp::server::handle", .rust) == .aqua)
        #expect(family("malloc", .rust) == .yellow)
        #expect(family("node::Start", .js) == .yellow)
        #expect(family("LazyCompile:~foo /app/server.js:10", .js) == .aqua)
        #expect(family("/app/node_modules/express/index", .js) == .purple)
        #expect(family("run /app/lib/main.js", .js) == .green)
        #expect(family("fs_read_[k]", .js) == .orange)
        #expect(family("   ", .js) == .green)
        #expect(family("uv_run", .js) == .red)
        #expect(family("Perl_runops_standard", .perl) == .green)
        #expect(family("Foo::bar", .perl) == .yellow)
        #expect(family("main", .perl) == .red)
        #expect(family("anything", .wakeup) == .aqua)
        #expect(family("anything", .hot) == .hot)
    }

    @Test("colour ranges per palette, deterministic, separators grey")
    func colours() {
        let names = ["main", "parse", "core::fmt::write", "myapp::main", "x_[k]", "java/lang/Thread.run", "", "🔥"]
        for name in names {
            for hash in [false, true] {
                let hot = FlamegraphColors.color(for: name, palette: .hot, hash: hash)
                #expect(hot.r >= 205 && hot.b <= 55, "\(name) \(hot)")
                #expect(hot == FlamegraphColors.color(for: name, palette: .hot, hash: hash))
                let mem = FlamegraphColors.color(for: name, palette: .mem, hash: hash)
                #expect(mem.r == 0 && mem.g >= 190)
                let io = FlamegraphColors.color(for: name, palette: .io, hash: hash)
                #expect(io.r == io.g && io.b >= 190)
                let red = FlamegraphColors.color(for: name, palette: .red, hash: hash)
                #expect(red.r >= 200 && red.g == red.b && red.g <= 130)
                let green = FlamegraphColors.color(for: name, palette: .green, hash: hash)
                #expect(green.g >= 200 && green.r == green.b)
                let orange = FlamegraphColors.color(for: name, palette: .orange, hash: hash)
                #expect(orange.r >= 190 && orange.b == 0)
            }
        }
        let rustStd = FlamegraphColors.color(for: "core::fmt::write", palette: .rust, hash: false)
        #expect(rustStd.b == 0 && rustStd.r >= 190)
        let rustUser = FlamegraphColors.color(for: "myapp::main", palette: .rust, hash: false)
        #expect(rustUser.g == rustUser.b && rustUser.g >= 165)
        let jit = FlamegraphColors.color(for: "foo_[j]", palette: .java, hash: false)
        #expect(jit.g >= 200 && jit.r == jit.b)
        #expect(FlamegraphColors.color(for: "--", palette: .hot, hash: false) == FrameColor(r: 160, g: 160, b: 160))
        #expect(FlamegraphColors.color(for: "-", palette: .java, hash: true) == FrameColor(r: 200, g: 200, b: 200))
        // Colours vary between names (not one constant colour), and with hash similar prefixes are similar.
        let distinct = Set(["a", "b", "main", "parse", "lex", "draw"].map {
            FlamegraphColors.color(for: $0, palette: .hot, hash: false)
        })
        #expect(distinct.count >= 5)
        #expect(FlamegraphColors.color(for: "ext4_write", palette: .hot, hash: true).g
                == FlamegraphColors.color(for: "ext4_read", palette: .hot, hash: true).g)
        #expect(FlamegraphColors.color(for: "main", palette: .hot, hash: false).description.hasPrefix("rgb("))
    }

    @Test("annotations are stripped from labels but still pick the colour")
    func annotations() throws {
        var options = FlamegraphOptions()
        options.palette = .java
        let doc = ParsedSVG(FlamegraphRenderer(options: options).render(makeTree([(["do_sys_open_[k]"], 5)])))
        let frame = try #require(doc.frames.last)
        #expect(frame.frameName == "do_sys_open")
        #expect(frame.child("title")?.text == "do_sys_open (5 samples, 100.00%)")
        let fill = frame.rect["fill"] ?? ""
        #expect(fill.hasSuffix(",0)"))  // orange: no blue
    }
}

@Suite("Flamegraph on a large tree")
struct FlamegraphLargeTreeTests {
    @Test("every frame wide enough is drawn exactly once, where its data says")
    func largeTree() throws {
        var rng: UInt64 = 42
        func next(_ bound: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(bound))
        }
        var stacks: [([String], Int64)] = []
        for _ in 0 ..< 4000 {
            let depth = 1 + next(12)
            stacks.append(((0 ..< depth).map { level in "f\(level)_\(next(level < 3 ? 3 : 8))" }, Int64(1 + next(500))))
        }
        let tree = makeTree(stacks)
        var options = FlamegraphOptions()
        options.minWidth = 0.5
        let svg = FlamegraphRenderer(options: options).render(tree)
        let doc = ParsedSVG(svg)
        #expect(doc.error == nil)

        // Independent count: a node is drawn iff it and all its ancestors are at least minWidth wide.
        let scale = 1180.0 / Double(tree.total)
        func drawn(_ node: Int) -> Int {
            guard Double(tree.nodes[node].total) * scale >= options.minWidth else { return 0 }
            return 1 + tree.nodes[node].children.reduce(0) { $0 + drawn(Int($1)) }
        }
        let frames = doc.frames
        #expect(frames.count == drawn(0))
        #expect(frames.count > 100 && frames.count < tree.nodes.count)
        for frame in frames {
            let x = try #require(Double(frame.attributes["data-x"] ?? ""))
            let v = try #require(Double(frame.attributes["data-v"] ?? ""))
            #expect(abs(frame.rectNumber("x") - (10 + x * scale)) <= 0.006)
            #expect(abs(frame.rectNumber("width") - v * scale) <= 0.006)
            #expect(v * scale >= options.minWidth)
        }
        // Same bytes on a second render.
        #expect(FlamegraphRenderer(options: options).render(tree) == svg)
    }
}
