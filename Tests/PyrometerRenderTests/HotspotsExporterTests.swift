import PyrometerAnalyze
import PyrometerIngest
import PyrometerRender
import Testing

/// Names come from profiles, which come from other machines: no name may add markup to a Markdown report (a pull
/// request comment), whether it sits in the function column, a breakdown line or an inlined finding.
@Suite struct HotspotsExporterTests {
    /// A backtick or `|` with a combining mark after it is one Swift `Character` that equals neither, yet Markdown
    /// reads the backtick.
    static let hostile = ["f`\u{301}<img src=x onerror=alert(1)>", "g|\u{301}*x*", "h`</td><script>1</script>"]

    @Test func markdownNamesCannotAddMarkup() throws {
        var text = ""
        for (i, name) in Self.hostile.enumerated() {
            // Each hostile name inlined into, and as, a function, so that it appears in breakdowns and findings.
            text += String(repeating: "p 1 1.0: 1 cpu-clock:\n\t\(100 + i) \(name)+0x1 (inlined)\n"
                           + "\t\(100 + i) \(name)x+0x1 (/bin/p)\n\n", count: 10)
        }
        let profile = try Importers.load(InputFile(name: "hostile.perf.txt", bytes: Array(text.utf8))).profile
        let report = HotspotAnalyzer().analyze(profile, fold: FoldOptions())
        #expect(report.flagged.count == 3 && report.inlinedFindings.count == 3)
        let markdown = String(decoding: HotspotsExporter(format: .markdown, limit: 0).export(report), as: UTF8.self)
        for line in markdown.split(separator: "\n") where line.hasPrefix("|") || line.hasPrefix("- ") {
            // Every backtick opens or closes one of our code spans: an even number per line, none from a name.
            #expect(line.unicodeScalars.filter { $0 == "`" }.count % 2 == 0, "\(line)")
            // Outside code spans nothing but our own text.
            let outside = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).joined()
            #expect(!outside.contains("<img") && !outside.contains("<script") && !outside.contains("*x*"), "\(line)")
            if line.hasPrefix("|") {
                // The table keeps its six columns: an unescaped `|` would add one.
                let scalars = Array(line.unicodeScalars)
                let separators = scalars.indices.filter { scalars[$0] == "|" && ($0 == 0 || scalars[$0 - 1] != "\\") }
                #expect(separators.count == 7, "\(line)")
            }
        }
    }
}
