import ArgumentParser
import Foundation
import PyrometerCLI
import PyrometerModel
import PyrometerPush
import PyrometerRender

/// `pyrometer push FILE... --to URL --service NAME`: for CI jobs that record a profile and keep it on a server.
struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push profile files to a pyrometer serve (or a Pyroscope-compatible server).",
        discussion: """
            Each file is read and symbolized here, as every command reads it (a perf.data needs this machine's \
            binaries), and pushed as one gzip'd pprof profile, stored whole or not at all. Example:
              pyrometer push perf.data --to http://profiles.internal:4040 --service api --label branch=main
              pyrometer push cpu.pb.gz --to https://pyroscope.example --api pyroscope --service api --token-file t
            """)

    @Argument(help: "Profile files (any format pyrometer reads).")
    var inputs: [String]
    @OptionGroup var destination: DestinationOptions
    @Option(help: "The profiles' time (2026-11-20T10:00:00Z, a date, or Unix seconds/ns); default: the file's own, else now.")
    var time: String?
    @OptionGroup var read: ReadOptions

    func run() throws {
        try Console.run {
            let uploader = try destination.uploader()
            let labels = try destination.parsedLabels()
            let forcedTime = try time.map(Self.parseTime)
            for input in inputs {
                let profile = try read.load([input], keepAddresses: true)
                let now = Int64(Date().timeIntervalSince1970 * 1e9)
                let upload = ProfileUpload(
                    body: PprofExporter(compress: true).export(profile), service: destination.service, labels: labels,
                    startNanos: forcedTime ?? (profile.timeNanos > 0 ? profile.timeNanos : now),
                    durationNanos: profile.durationNanos)
                let receipt = try uploader.upload(upload)
                Console.writeStderr("pyrometer push: \(input): stored (\(receipt.summary))\n")
            }
        }
    }

    /// Unix seconds or nanoseconds by size, or an ISO 8601 time or date.
    static func parseTime(_ text: String) throws -> Int64 {
        if let number = Int64(text), number > 0 {
            return number < 100_000_000_000 ? number * 1_000_000_000 : number
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1e9) }
        formatter.formatOptions = [.withFullDate]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1e9) }
        throw ValidationError("--time \(text): give 2026-11-20T10:00:00Z, 2026-11-20 or Unix seconds")
    }
}
