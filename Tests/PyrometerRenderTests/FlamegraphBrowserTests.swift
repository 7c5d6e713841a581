import Foundation
import Testing
import PyrometerAnalyze
import PyrometerModel
import PyrometerRender
import PyrometerTestSupport

/// Runs scripts/browser-check.py (Selenium + headless Chromium) on a rendered flamegraph. Skipped, with the reason,
/// on a machine without Chromium, chromedriver or Selenium; scripts/test.sh installs them and requires them.
@Suite("Flamegraph in a browser", .serialized,
       .enabled(if: ExternalTool.chromium.shouldRun, Comment(rawValue: ExternalTool.chromium.skipReason)))
struct FlamegraphBrowserTests {
    static let hostile = "<script>alert(1)</script>"

    static func tree() -> FlameTree {
        makeTree([
            (["main", "parse", "lex"], 300),
            (["main", "parse"], 100),
            (["main", "render", "draw_rect"], 400),
            (["main", "render", "lex"], 50),
            (["main", "render", hostile], 25),
            (["main", "render", "q\"uo'te & ]]> <b>"], 25),
            (["idle"], 150),
            (["main", "render", "alloc", "memset"], 12),
        ])
    }

    /// Runs the checker on `svg`; returns (exit status, combined output).
    static func check(_ svg: [UInt8], name: String, arguments: [String]) throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("pyrometer-browser-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent(name)
        try Data(svg).write(to: file)

        let script = packageRoot().appendingPathComponent("scripts/browser-check.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = ["python3", script, file.path] + arguments
        if let shot = ProcessInfo.processInfo.environment["PYROMETER_SCREENSHOT_DIR"] {
            args += ["--screenshot", URL(fileURLWithPath: shot).appendingPathComponent(name + ".png").path]
        }
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (127, "cannot run python3 \(script): \(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func expectPass(_ result: (Int32, String)) {
        let (status, output) = result
        if status == 2 || status == 127 {
            Issue.record("""
                Browser tooling is missing (install with `apt-get install -y chromium chromium-driver` and \
                `pip install selenium`, as scripts/test.sh does):
                \(output)
                """)
        } else {
            #expect(status == 0, "scripts/browser-check.py failed (exit \(status)):\n\(output)")
        }
    }

    @Test("zoom, reset, search and hostile names in headless Chromium")
    func interactive() throws {
        let svg = FlamegraphRenderer().render(Self.tree())
        // main (912) contains lex (300 + 50): matches nested in matches count once.
        let result = try Self.check(svg, name: "flamegraph.svg", arguments: [
            "--expect", "all", "--expect", "main", "--expect", "parse", "--expect", "lex",
            "--expect", Self.hostile, "--expect", "q\"uo'te & ]]> <b>",
            "--search", "main|lex", "--expect-matched", String(format: "%.2f", 100.0 * 912 / 1062),
        ])
        Self.expectPass(result)
    }

    @Test("inverted graph with options in headless Chromium")
    func invertedInteractive() throws {
        var options = FlamegraphOptions()
        options.inverted = true
        options.title = "Icicle <Graph> & \"friends\""
        options.subtitle = "subtitle ]]>"
        options.palette = .rust
        options.searchColor = "rgb(0,128,255)"
        let svg = FlamegraphRenderer(options: options).render(Self.tree())
        let result = try Self.check(svg, name: "icicle.svg", arguments: [
            "--expect", "render", "--expect", "draw_rect", "--expect", Self.hostile,
            "--zoom", "render", "--search", "^lex$", "--expect-matched", String(format: "%.2f", 100.0 * 350 / 1062),
        ])
        Self.expectPass(result)
    }

    @Test("differential flamegraph in headless Chromium")
    func differentialInteractive() throws {
        var base = FoldedStacks(valueType: ValueType(type: "samples", unit: "count"))
        for (frames, value) in [(["main", "parse", "lex"], Int64(100)), (["main", "render", "draw_rect"], 700),
                                (["main", "render", Self.hostile], 50), (["idle"], 150)] {
            base.add(frames: frames, value: value)
        }
        let tree = Self.tree()
        let comparison = FlamegraphComparison(otherValues: tree.inclusiveValues(of: base), otherTotal: base.total)
        let svg = FlamegraphRenderer().render(tree, comparison: comparison)
        let result = try Self.check(svg, name: "differential.svg", arguments: [
            "--expect", "main", "--expect", "parse", "--expect", "render", "--expect", Self.hostile,
            "--zoom", "render", "--search", "^lex$", "--expect-matched", String(format: "%.2f", 100.0 * 350 / 1062),
        ])
        Self.expectPass(result)
    }
}
