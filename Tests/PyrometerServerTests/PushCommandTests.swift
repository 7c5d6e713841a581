import Foundation
import PyrometerModel
import PyrometerServer
import PyrometerStore
import PyrometerTestSupport
import Testing

/// `pyrometer push` and `pyrometer agent` (the built programs) against a live `pyrometer serve` on 127.0.0.1, the
/// store checked afterwards.
@Suite struct PushCommandTests {
    /// `CLI.run` waits for the program: on a thread of its own, so that the server's store writes (on the
    /// cooperative pool) go on meanwhile.
    static func run(_ arguments: [String]) async throws -> CLI.Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try CLI.run(arguments) }) }.start()
        }
    }

    static func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let path = try CLI.temporaryDirectory().appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func pushStoresTheFileThroughEitherAPI() async throws {
        try await ServerHarness.with { server in
            let ours = try await Self.run(["push", "samples/go-cpu.pb.gz", "--to", server.base.absoluteString,
                                           "--service", "api", "--label", "branch=main", "--label", "commit=abc123",
                                           "--time", "2026-11-20T10:00:00Z"])
            #expect(ours.status == 0, "\(ours.stderr)")
            #expect(ours.stderr.contains("stored (HTTP 200, 1 attempt)"), "\(ours.stderr)")
            let pyroscope = try await Self.run(["push", "samples/go-cpu.pb.gz", "--to", server.base.absoluteString,
                                                "--api", "pyroscope", "--service", "api.canary",
                                                "--label", "host=canary-1"])
            #expect(pyroscope.status == 0, "\(pyroscope.stderr)")
            let stored = try server.stored()
            let direct = try CLI.run(["hotspots", "samples/go-cpu.pb.gz", "--format", "json"])
            #expect(direct.status == 0)
            let main = stored.filter { $0.service == "api" }
            #expect(Set(main.map(\.sampleType)) == ["samples", "cpu"], "\(main)")
            #expect(main.allSatisfy { $0.labels == ["branch": "main", "commit": "abc123"] })
            #expect(main.allSatisfy { $0.timeNanos == 1_795_168_800_000_000_000 }, "\(main.map(\.timeNanos))")
            let canary = stored.filter { $0.service == "api.canary" }
            #expect(Set(canary.map(\.sampleType)) == ["samples", "cpu"], "\(stored)")
            #expect(canary.allSatisfy { $0.labels["host"] == "canary-1" })
            // The same file both ways: the same totals.
            for type in ["samples", "cpu"] {
                #expect(main.first { $0.sampleType == type }?.total == canary.first { $0.sampleType == type }?.total)
            }
        }
    }

    @Test func refusalsAreNotRetriedAndSayWhatToDo() async throws {
        let token = "0123456789abcdef-token"
        try await ServerHarness.with({ $0.token = token; $0.maxBodyMiB = 1 }) { server in
            let base = ["--to", server.base.absoluteString, "--service", "api"]
            let anonymous = try await Self.run(["push", "samples/go-cpu.pb.gz"] + base)
            #expect(anonymous.status == 2)
            #expect(anonymous.stderr.contains("HTTP 401") && anonymous.stderr.contains("--token-file"), "\(anonymous.stderr)")
            #expect(!anonymous.stderr.contains("retrying"), "a refusal is final: \(anonymous.stderr)")
            let tokenFile = try Self.temporaryFile("token", token + "\n")
            // 80,000 distinct random names: about 1.5 MiB as the gzip'd pprof `push` sends, over the 1 MiB this server
            // takes.
            let names = (0 ..< 40_000).map { _ in "main;\(UUID().uuidString);\(UUID().uuidString) 1\n" }
            let largeFile = try Self.temporaryFile("large.folded", names.joined())
            let large = try await Self.run(["push", largeFile] + base + ["--token-file", tokenFile])
            #expect(large.status == 2)
            #expect(large.stderr.contains("HTTP 413") && large.stderr.contains("--max-body-size"), "\(large.stderr)")
            #expect(!large.stderr.contains("retrying"), "\(large.stderr)")
            #expect(try server.stored().isEmpty)
        }
    }

    @Test func anUnreachableServerIsRetriedThenGivenUp() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let port = try Self.closedPort()
        let result = try await Self.run(["push", "samples/go-cpu.pb.gz", "--to", "http://127.0.0.1:\(port)",
                                         "--service", "api", "--attempts", "2", "--timeout", "5"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("attempt 1 failed") && result.stderr.contains("retrying in"), "\(result.stderr)")
        #expect(result.stderr.contains("no attempt of 2 stored the profile"), "\(result.stderr)")
    }

    @Test func aBadFileIsRefusedHereWithItsLine() async throws {
        let bad = try Self.temporaryFile("bad.folded", "main;work 12\nthis is not a profile line\n")
        let result = try await Self.run(["push", bad, "--to", "http://127.0.0.1:9", "--service", "api"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.folded"), "\(result.stderr)")
    }

    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
