import Foundation
import PyrometerModel
import PyrometerServer
import PyrometerStore
import PyrometerTestSupport
import Testing

/// `pyrometer agent --once` against a live `pyrometer serve`: perf records a busy process found by name, and the
/// recording arrives in the store under the service with the host's name.
@Suite struct AgentTests {
    /// A shell spinning under a name of its own (a copy of /bin/sh), so that `--program` has one process to find.
    static func busyProcess(named name: String) throws -> Process {
        let program = try CLI.temporaryDirectory().appendingPathComponent(name)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath(), to: program)
        let process = Process()
        process.executableURL = program
        process.arguments = ["-c", "while :; do :; done"]
        try TiedProcess.run(process)
        return process
    }

    @Test(ExternalTool.perf.needed) func onceRecordsANamedProcessAndPushesIt() async throws {
        let busy = try Self.busyProcess(named: "agent-test-spin")
        // SIGKILL: the test runner ignores SIGTERM, and the shell inherits that.
        defer { kill(busy.processIdentifier, SIGKILL); busy.waitUntilExit() }
        let started = Int64(Date().timeIntervalSince1970 * 1e9)
        try await ServerHarness.with { server in
            let result = try await PushCommandTests.run([
                "agent", "--once", "--to", server.base.absoluteString, "--service", "spinner",
                "--program", "agent-test-spin", "--duration", "2s", "--every", "2s", "--label", "ring=canary"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("pushed (HTTP 200"), "\(result.stderr)")
            let stored = try server.stored()
            #expect(!stored.isEmpty, "\(result.stderr)")
            let host = ProcessInfo.processInfo.hostName
            #expect(stored.allSatisfy { $0.service == "spinner" && $0.labels == ["host": host, "ring": "canary"] },
                    "\(stored)")
            // 2 s at 99 Hz of a process that never sleeps: up to 198 samples, far fewer when the other tests and
            // a sanitizer share the two CPUs (70 seen under the whole suite, 19 under AddressSanitizer beside a
            // build): some, all of that process (perf -p).
            let samples = try #require(stored.first { $0.sampleType == "samples" } ?? stored.first)
            #expect(samples.total >= 1, "\(stored)")
            // Filed at the round's start: after the test began, before it checked.
            #expect(samples.timeNanos >= started && samples.timeNanos <= Int64(Date().timeIntervalSince1970 * 1e9),
                    "\(samples.timeNanos)")
        }
    }

    @Test func onceWithNoMatchingProcessPushesNothing() async throws {
        try await ServerHarness.with { server in
            let result = try await PushCommandTests.run([
                "agent", "--once", "--to", server.base.absoluteString, "--service", "x",
                "--program", "no-such-program-here", "--duration", "1s"])
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("no process matches"), "\(result.stderr)")
            #expect(try server.stored().isEmpty)
        }
    }

    @Test func optionsAreCheckedBeforeAnythingRuns() throws {
        let none = try CLI.run(["agent", "--to", "http://127.0.0.1:1", "--service", "x"])
        #expect(none.status != 0 && none.stderr.contains("--pid, --program"), "\(none.stderr)")
        let long = try CLI.run(["agent", "--to", "http://127.0.0.1:1", "--service", "x", "--all",
                                "--every", "10s", "--duration", "1m"])
        #expect(long.status != 0 && long.stderr.contains("--duration"), "\(long.stderr)")
        let help = try CLI.run(["agent", "--help"])
        #expect(help.text.contains("pyrometer agent --to"), "every command has an example")
    }
}
