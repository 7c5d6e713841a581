import Foundation
import PyrometerTestSupport
import Testing

/// The systemd units docs/serve.md gives (the server, and the agent on canary hosts) are units systemd accepts:
/// `systemd-analyze verify` reads each, with its ExecStart pointed at the built `pyrometer`, and fails on an unknown
/// key, a missing ExecStart or a command that is not there. No systemd runs here; this checks what a reader copies.
@Suite struct DeploymentDocsTests {
    @Test(ExternalTool.systemd.needed) func unitFilesInTheDocsVerify() throws {
        let docs = try String(contentsOf: CLI.repository.appendingPathComponent("docs/serve.md"), encoding: .utf8)
        let blocks = docs.components(separatedBy: "```ini\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(blocks.count >= 2, "the server's unit and the agent's")
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, block) in blocks.enumerated() {
            #expect(block.contains("ExecStart=/usr/local/bin/pyrometer "), "\(block)")
            let unit = directory.appendingPathComponent("pyrometer-\(index).service")
            try Data(block.replacingOccurrences(of: "/usr/local/bin/pyrometer", with: CLI.executable.path).utf8).write(to: unit)
            let verified = try CLI.run(["systemd-analyze", "verify", unit.path], tool: true)
            #expect(verified.status == 0 && verified.stderr.isEmpty, "\(block)\n\(verified.stderr)")
        }
    }
}
