import ArgumentParser
import Foundation
import PyrometerCLI
import PyrometerPush
import PyrometerRender

/// `pyrometer push` and `pyrometer agent`: a program of their own, `pyrometer-push`, because they link Foundation's
/// HTTP client (libcurl, TLS), which the other commands do not load (docs/architecture.md § Start-up).
@main
struct PushProgram: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyrometer",
        abstract: "Push profiles to a pyrometer serve or a Pyroscope-compatible server.",
        subcommands: [PushCommand.self, AgentCommand.self])
}

/// Where to push and as what: shared by `push` and `agent`.
struct DestinationOptions: ParsableArguments {
    @Option(help: "The server's base URL, e.g. http://127.0.0.1:4040 (with the path of a --base-path, if any).")
    var to: String
    @Option(help: "The API: pyrometer (pyrometer serve's /api/v1/profiles) or pyroscope (/ingest, as pyroscope-go).")
    var api: PushAPI = .pyrometer
    @Option(help: "The service the profiles belong to.")
    var service: String
    @Option(name: .customLong("label"), help: "A label KEY=VALUE for every profile pushed; repeatable.")
    var labels: [String] = []
    @Option(name: .customLong("token-file"), help: "A file holding the server's write token (sent as a Bearer token).")
    var tokenFile: String?
    @Option(help: "Attempts per profile, retried with jittered exponential backoff on network errors and 5xx/429 (never on 400).")
    var attempts = 5
    @Option(help: "Seconds each attempt may take.")
    var timeout = 30.0

    func validate() throws {
        guard attempts >= 1 else { throw ValidationError("--attempts must be 1 or more") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        _ = try parsedLabels()
    }

    func parsedLabels() throws -> [String: String] {
        var result: [String: String] = [:]
        for label in labels {
            guard let equals = label.firstIndex(of: "="), equals != label.startIndex,
                  label.index(after: equals) != label.endIndex else {
                throw ValidationError("--label \(label): expected KEY=VALUE, e.g. --label host=canary-1")
            }
            guard result.updateValue(String(label[label.index(after: equals)...]),
                                     forKey: String(label[..<equals])) == nil else {
                throw ValidationError("--label \(label[..<equals]) is given twice")
            }
        }
        return result
    }

    func uploader() throws -> ProfileUploader {
        var token: String?
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CLIError("cannot read --token-file \(tokenFile)")
            }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let destination = try PushDestination(to, api: api, token: token)
        let uploader = ProfileUploader(destination: destination, policy: RetryPolicy(attempts: attempts), timeout: timeout)
        uploader.onRetry = { attempt, reason, wait in
            Console.writeStderr("pyrometer: attempt \(attempt) failed (\(reason)); retrying in \(String(format: "%.1f", wait)) s\n")
        }
        return uploader
    }
}

extension PushAPI: ExpressibleByArgument {}
