import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(Testing)
import Testing

/// Golden files: a report's whole expected text under `Tests/Fixtures/golden/`, compared byte for byte.
///
/// `PYROMETER_BLESS=1 swift test --filter NAME` writes the current output as the golden file instead; review the
/// change with `git diff Tests/Fixtures/golden` before committing it. A missing golden file fails (it is never
/// created silently), and a mismatch reports the first differing line and writes the output beside the golden
/// file as `NAME.actual` (ignored by git) for a full `diff`.
public enum Golden {
    public static let directory = Repository.fixtures.appendingPathComponent("golden")

    /// Set by the developer: the run rewrites golden files rather than checking them.
    public static var blessing: Bool { getenv("PYROMETER_BLESS").map { String(cString: $0) == "1" } ?? false }

    public static func expect(_ actual: String, matches name: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        let actualURL = url.appendingPathExtension("actual")
        if blessing {
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(actual.utf8).write(to: url)
                try? FileManager.default.removeItem(at: actualURL)
            } catch {
                Issue.record("cannot write golden file \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("no golden file \(name) under Tests/Fixtures/golden; create it with PYROMETER_BLESS=1 swift test --filter …",
                         sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected == actual {
            try? FileManager.default.removeItem(at: actualURL)
            return
        }
        try? Data(actual.utf8).write(to: actualURL)
        Issue.record("""
            output differs from golden file \(name): \(firstDifference(expected, actual))
            (whole output in \(actualURL.path); if the change is intended: PYROMETER_BLESS=1 swift test --filter …)
            """, sourceLocation: sourceLocation)
    }

    /// `line N: expected «…», got «…»`.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let left = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let right = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0 ..< max(left.count, right.count) {
            let a = index < left.count ? String(left[index]) : "(end of file)"
            let b = index < right.count ? String(right[index]) : "(end of output)"
            if a != b { return "line \(index + 1): expected «\(a)», got «\(b)»" }
        }
        return "same lines, different line endings"
    }
}
#endif
