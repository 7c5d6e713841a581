import Foundation
import Testing

/// Paths of the test fixtures in `Tests/Fixtures` (copied from other projects; see its README).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// Decompresses a gzip fixture with the system `gzip` (the ingest library reads plain text).
    static func gunzip(_ relative: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path(relative)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
}

/// Golden files in `Tests/Golden/<suite>/<name>`: the expected output of a test, compared byte for byte.
/// `PYROMETER_BLESS=1 swift test` rewrites them from the current output (review the diff before committing).
func assertGolden(_ actual: String, _ name: String, suite: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = Fixtures.root.deletingLastPathComponent().appendingPathComponent("Golden/\(suite)/\(name)")
    if ProcessInfo.processInfo.environment["PYROMETER_BLESS"] == "1" {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("missing golden file \(url.path); run with PYROMETER_BLESS=1 to create it",
                     sourceLocation: sourceLocation)
        return
    }
    if expected != actual {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        Issue.record("""
            \(url.lastPathComponent) differs at line \(line + 1):
              expected: \(line < e.count ? String(e[line]) : "<end>")
              actual:   \(line < a.count ? String(a[line]) : "<end>")
            """, sourceLocation: sourceLocation)
    }
}
