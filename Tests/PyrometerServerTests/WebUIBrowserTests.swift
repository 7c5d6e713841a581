import Foundation
import PyrometerTestSupport
import Testing

/// The web UI in headless Chromium, driven by scripts/ui-check.py (Selenium) against a server on 127.0.0.1 behind
/// a base path, on profiles pushed through the ingest route. Skipped, with the reason, on a machine without
/// Chromium, chromedriver or Selenium; scripts/test.sh installs them and requires them.
@Suite("Web UI in a browser", .serialized,
       .enabled(if: ExternalTool.chromium.shouldRun, Comment(rawValue: ExternalTool.chromium.skipReason)))
struct WebUIBrowserTests {
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]

    /// 50 samples: `hash` is 60% of them.
    static let shop = """
        main;work;hash 30
        main;work;\(hostile[0]) 5
        main;\(hostile[1]) 5
        main;idle 10

        """

    @Test("load a service, zoom, back, search, icicle, keyboard, hostile names, no console errors")
    func interactive() async throws {
        try await ServerHarness.with({ $0.basePath = "/pyrometer" }) { server in
            try await server.push(Self.shop, "service=shop&label=host:canary-1")
            var arguments = [server.base.absoluteString + "/", "--service", "shop", "--zoom", "work",
                             "--search", "hash", "--expect-matched", "60"]
            for name in Self.hostile { arguments += ["--hostile", name] }
            if let directory = ProcessInfo.processInfo.environment["PYROMETER_SCREENSHOT_DIR"] {
                arguments += ["--screenshot", directory + "/web-ui.png"]
            }
            let result = await Self.uiCheck(arguments)
            Self.expectPass(result)
            print(result.output, terminator: "")
        }
    }

    /// `hash` doubles its share from last week (a `stable` build) to this week (a `canary` build); the hostile
    /// names shrink, `steady` stays.
    static let lastWeek = "main;work;hash 300\nmain;steady 300\nmain;work;\(hostile[0]) 200\nmain;\(hostile[1]) 200\n"
    static let thisWeek = "main;work;hash 600\nmain;steady 300\nmain;work;\(hostile[0]) 50\nmain;\(hostile[1]) 50\n"

    @Test("diff this week vs last week and canary vs baseline, the differential graph, a trend chart, hostile names")
    func diffAndTrend() async throws {
        try await ServerHarness.with({ $0.basePath = "/pyrometer" }) { server in
            // Seven days ago is always in the previous ISO week, now in the current one.
            let now = Int(Date().timeIntervalSince1970)
            try await server.push(Self.lastWeek, "service=shop&label=version:stable&time=\(now - 7 * 86_400)")
            try await server.push(Self.thisWeek, "service=shop&label=version:canary&time=\(now)")
            var arguments = [server.base.absoluteString + "/", "--service", "shop", "--diff", "hash",
                             "--canary", "version", "--trend-weeks", "2"]
            for name in Self.hostile { arguments += ["--hostile", name] }
            let result = await Self.uiCheck(arguments)
            Self.expectPass(result)
            print(result.output, terminator: "")
        }
    }

    /// 100k unique stacks: the page fetches, lays out and draws them; the times are printed, not asserted.
    @Test("a profile of 100,000 unique stacks renders",
          .disabled(if: Sanitizer.isActive, Comment(rawValue: Sanitizer.scaleTestReason)))
    func hundredThousandStacks() async throws {
        try await ServerHarness.with { server in
            try await server.push(BigProfile.folded(stacks: 100_000).text, "service=big")
            let result = await Self.uiCheck([server.base.absoluteString + "/", "--service", "big", "--timing-only"])
            Self.expectPass(result)
            print(result.output, terminator: "")
        }
    }

    /// Runs scripts/ui-check.py; waits for it without holding one of Swift concurrency's threads, which the
    /// in-process server needs to answer the browser.
    static func uiCheck(_ arguments: [String]) async -> (status: Int32, output: String) {
        let script = CLI.repository.appendingPathComponent("scripts/ui-check.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    try TiedProcess.run(process)
                } catch {
                    continuation.resume(returning: (127, "cannot run python3 \(script): \(error)"))
                    return
                }
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: output, as: UTF8.self)))
            }
        }
    }

    static func expectPass(_ result: (status: Int32, output: String)) {
        if result.status == 2 || result.status == 127 {
            Issue.record("""
                Browser tooling is missing (install with `apt-get install -y chromium chromium-driver` and \
                `pip install selenium`, as scripts/test.sh does):
                \(result.output)
                """)
        } else {
            #expect(result.status == 0, "scripts/ui-check.py failed (exit \(result.status)):\n\(result.output)")
        }
    }
}
