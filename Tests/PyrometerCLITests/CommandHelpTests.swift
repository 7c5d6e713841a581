import Foundation
import PyrometerTestSupport
import Testing

/// Every command's `--help` shows a command line to copy (the brief: every command has an example), and
/// `pyrometer help CMD` shows the same as `CMD --help` for the commands another program runs.
@Suite struct CommandHelpTests {
    static let commands: [[String]] = [
        ["fold"], ["flamegraph"], ["hotspots"], ["diff"], ["gate"], ["record"], ["convert"], ["symbolize"],
        ["store"], ["store", "add"], ["store", "list"], ["store", "show"], ["store", "diff"], ["store", "trend"],
        ["store", "prune"], ["store", "read"], ["serve"], ["push"], ["agent"],
    ]

    @Test(arguments: commands)
    func helpShowsAnExample(_ command: [String]) throws {
        let help = try CLI.run(command + ["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        // An indented line that runs this very command (`  pyrometer store add ...`, `  perf script | pyrometer fold`).
        let invocation = "pyrometer " + command.joined(separator: " ")
        let examples = help.text.split(separator: "\n").filter {
            $0.hasPrefix("  ") && ($0.contains(invocation + " ") || $0.hasSuffix(invocation))
        }
        #expect(!examples.isEmpty, "no example of `\(invocation)` in its help:\n\(help.text)")
    }

    @Test(arguments: ["store", "serve", "push", "agent"])
    func helpCommandShowsTheProgramsOwnHelp(_ command: String) throws {
        let viaHelp = try CLI.run(["help", command])
        let direct = try CLI.run([command, "--help"])
        #expect(viaHelp.status == 0 && direct.status == 0, "\(viaHelp.stderr) \(direct.stderr)")
        #expect(viaHelp.text == direct.text)
    }
}
