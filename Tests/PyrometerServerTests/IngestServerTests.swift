import Foundation
import PyrometerModel
import PyrometerServer
import PyrometerStore
import PyrometerTestSupport
import Testing

/// The push endpoints over HTTP on 127.0.0.1, with the store behind them: what a push stores, and what a bad,
/// oversized or unauthenticated one does not.
@Suite struct IngestServerTests {
    static let token = "0123456789abcdef-token"

    @Test func ourEndpointStoresEverySampleTypeWithItsServiceAndLabels() async throws {
        try await ServerHarness.with { server in
            let reply = try await server.post("/api/v1/profiles?service=api&label=host:canary-1&label=version:1.4",
                                              try ServerHarness.fixture("samples/go-heap.pb.gz"))
            #expect(reply.status == 200, "\(reply.text)")
            let stored = try server.stored()
            #expect(stored.count == 4, "Go heap profiles have four sample types")
            #expect(stored.allSatisfy { $0.service == "api" && $0.labels == ["host": "canary-1", "version": "1.4"] })
            #expect(Set(stored.map(\.sampleType)) == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
            #expect(reply.text.contains("\"service\":\"api\""), "the reply lists what was added: \(reply.text)")
        }
    }

    @Test func badProfilesAreRefusedWithAReasonAndStoreNothing() async throws {
        try await ServerHarness.with { server in
            let garbage = try await server.post("/api/v1/profiles?service=api", Data("\u{1f}\u{8b}not gzip".utf8))
            #expect(garbage.status == 400 && !garbage.text.isEmpty, "\(garbage.status) \(garbage.text)")
            var truncated = try ServerHarness.fixture("samples/go-cpu.pb.gz")
            truncated = truncated.prefix(truncated.count / 2)
            let half = try await server.post("/api/v1/profiles?service=api", truncated)
            #expect(half.status == 400, "\(half.text)")
            #expect(try server.stored().isEmpty, "no half profile is stored")
        }
    }

    /// Query values are decoded once: `%2541` is the text `%41`, `+` a space, `%2B` a plus.
    @Test func queryValuesAreDecodedOnce() async throws {
        try await ServerHarness.with { server in
            let profile = try ServerHarness.fixture("samples/go-cpu.pb.gz")
            let reply = try await server.post("/api/v1/profiles?service=api&label=note:100%2541+done%2B", profile)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try server.stored().first?.labels == ["note": "100%41 done+"])
        }
    }

    @Test func oversizedBodiesGet413() async throws {
        try await ServerHarness.with({ $0.maxBodyMiB = 1 }) { server in
            // One byte over the cap: refused whole, before anything is decoded.
            let folded = Data(repeating: UInt8(ascii: "a"), count: (1 << 20) - 2) + Data(" 1".utf8) + Data("\n".utf8)
            let reply = try await server.post("/api/v1/profiles?service=api&format=folded", folded)
            #expect(reply.status == 413, "\(reply.status) \(reply.text)")
            #expect(try server.stored().isEmpty)
        }
    }

    @Test func aTokenGuardsEveryWrite() async throws {
        try await ServerHarness.with({ $0.token = Self.token }) { server in
            let profile = try ServerHarness.fixture("samples/go-cpu.pb.gz")
            let path = "/api/v1/profiles?service=api"
            let none = try await server.post(path, profile)
            let wrong = try await server.post(path, profile, headers: ["Authorization": "Bearer " + Self.token.dropLast() + "X"])
            let short = try await server.post(path, profile, headers: ["Authorization": "Bearer 0123"])
            #expect([none.status, wrong.status, short.status] == [Int](repeating: 401, count: 3))
            #expect(try server.stored().isEmpty, "an unauthenticated write stores nothing")
            let bearer = try await server.post(path, profile, headers: ["Authorization": "Bearer " + Self.token])
            let basic = "Basic " + Data("pyroscope:\(Self.token)".utf8).base64EncodedString()
            let viaBasic = try await server.post(path, profile, headers: ["Authorization": basic])
            #expect(bearer.status == 200 && viaBasic.status == 200, "\(bearer.text) \(viaBasic.text)")
            #expect(try server.stored().count == 4, "two pushes of two sample types")
        }
    }

    /// A folded `/ingest` push as an agent sends it: times relative to when the server received it.
    @Test func pyroscopeIngestWithRelativeTimes() async throws {
        try await ServerHarness.with { server in
            let before = Int64(Date().timeIntervalSince1970 * 1e9)
            let reply = try await server.post("/ingest?name=shop.cpu%7Benv%3Dprod%7D&from=now-1h&until=now&sampleRate=100",
                                              Data("main;work;hash 30\nmain;idle 10\n".utf8))
            #expect(reply.status == 200, "\(reply.text)")
            let stored = try #require(try server.stored().first)
            #expect(stored.service == "shop" && stored.labels == ["env": "prod"], "\(stored)")
            let hour: Int64 = 3_600_000_000_000
            #expect(abs(stored.timeNanos - (before - hour)) < 60_000_000_000, "from = now - 1h")
        }
    }

    @Test func aBasePathPrefixesEveryRoute() async throws {
        try await ServerHarness.with({ $0.basePath = "/pyrometer" }) { server in
            let reply = try await server.post("/api/v1/profiles?service=api", try ServerHarness.fixture("samples/go-cpu.pb.gz"))
            #expect(reply.status == 200, "\(reply.text)")
            let root = URL(string: server.base.absoluteString.replacingOccurrences(of: "/pyrometer", with: ""))!
            let bare = ServerHarness(base: root, store: server.store)
            let missing = try await bare.post("/api/v1/profiles?service=api", try ServerHarness.fixture("samples/go-cpu.pb.gz"))
            #expect(missing.status == 404)
        }
    }
}

/// The requests Pyroscope's clients sent (Tests/Fixtures/serve: pyroscope-io's Connect pushes, pyroscope-go's
/// multipart `/ingest`), replayed byte for byte over HTTP with their paths and headers: each is stored.
@Suite struct CapturedClientRequestTests {
    @Test func replayedClientRequestsAreStored() async throws {
        let requests = try ServerHarness.capturedRequests()
        #expect(requests.count >= 4)
        for (file, request) in requests {
            try await ServerHarness.with { server in
                let reply = try await server.replay(file, request)
                #expect(reply.status == 200, "\(file): \(reply.status) \(reply.text)")
                let stored = try server.stored()
                #expect(!stored.isEmpty, "\(file)")
                if (request["path"] as? String)?.hasPrefix("/push.v1") == true {
                    #expect(stored.allSatisfy { $0.service == "pyrotest.app" && $0.labels["region"] == "eu" }, "\(stored)")
                }
            }
        }
    }
}
