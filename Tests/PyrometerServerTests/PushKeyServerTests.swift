import Foundation
import PyrometerTestSupport
import Testing

/// `Idempotency-Key` on every ingest endpoint of a live `serve`: a retried push is answered from the first attempt
/// and stored once; the key with another push is refused; and `pyrometer push`, whose first answer a proxy drops,
/// retries into one stored profile.
@Suite struct PushKeyServerTests {
    static let folded = Data("main;handle;parse 5\nmain;gc 2\n".utf8)

    /// The same request twice, then the key with another body, on each endpoint.
    @Test func retriesAreAnsweredFromTheFirstAttempt() async throws {
        try await ServerHarness.with { server in
            let connect = try #require(try ServerHarness.capturedRequests().first {
                ($0.request["path"] as? String)?.contains("PusherService") == true
            })
            let connectBody = try ServerHarness.fixture("Tests/Fixtures/serve/" + connect.file)
            let connectHeaders = Dictionary(((connect.request["headers"] as? [[String]]) ?? []).filter {
                !["host", "content-length"].contains($0[0].lowercased())
            }.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
            let endpoints: [(path: String, body: Data, headers: [String: String], reusedStatus: Int)] = [
                ("/api/v1/profiles?service=api&label=host:canary-1&time=1795168800", Self.folded, [:], 422),
                ("/ingest?name=web%7Bhost%3Dcanary-1%7D&from=1795168800&until=1795168810&format=folded", Self.folded,
                 [:], 422),
                (try #require(connect.request["path"] as? String), connectBody, connectHeaders, 400),
            ]
            var stored = 0
            for (index, endpoint) in endpoints.enumerated() {
                let key = "\"push-\(index)-\(UUID().uuidString)\""
                let first = try await server.post(endpoint.path, endpoint.body,
                                                  headers: endpoint.headers.merging(["Idempotency-Key": key]) { $1 })
                #expect(first.status == 200, "\(endpoint.path): \(first.text)")
                #expect(first.headers["idempotent-replayed"] == nil)
                let added = try server.stored().count - stored
                #expect(added > 0, "\(endpoint.path)")
                stored += added

                let retry = try await server.post(endpoint.path, endpoint.body,
                                                  headers: endpoint.headers.merging(["Idempotency-Key": key]) { $1 })
                #expect(retry.status == 200, "\(endpoint.path): \(retry.text)")
                #expect(retry.headers["idempotent-replayed"] == "true", "\(endpoint.path): \(retry.headers)")
                #expect(retry.body == first.body, "\(endpoint.path): \(retry.text) against \(first.text)")
                #expect(try server.stored().count == stored, "\(endpoint.path): the retry stored again")

                // Another push under the same key: another body, or (Connect's captured body) another URL.
                let isConnect = endpoint.path.contains("Pusher")
                let otherBody = isConnect ? endpoint.body : endpoint.body + Data("main;extra 1\n".utf8)
                let otherPath = isConnect ? endpoint.path + "?attempt=other" : endpoint.path
                let reused = try await server.post(otherPath, otherBody,
                                                   headers: endpoint.headers.merging(["Idempotency-Key": key]) { $1 })
                #expect(reused.status == endpoint.reusedStatus, "\(endpoint.path): \(reused.text)")
                #expect(reused.text.contains("Idempotency-Key") && reused.text.contains("new key"), "\(reused.text)")
                #expect(try server.stored().count == stored)
            }
            let malformed = try await server.post(endpoints[0].path, Self.folded, headers: ["Idempotency-Key": "two words"])
            #expect(malformed.status == 400, "\(malformed.text)")
            #expect(malformed.text.contains("printable ASCII"), "\(malformed.text)")
            #expect(try server.stored().count == stored)
        }
    }

    /// A proxy forwards `pyrometer push`'s first attempt to the server and drops the answer, as a connection lost
    /// after the write would: the push retries with the same key, is told the profile was stored, and the store
    /// holds it once.
    @Test(ExternalTool.python.needed, arguments: ["pyrometer", "pyroscope"])
    func aPushWhoseAnswerIsLostIsStoredOnce(api: String) async throws {
        try await ServerHarness.with { server in
            let upstream = try #require(server.base.port)
            let proxy = try PythonListener.proxy(to: upstream)
            defer { proxy.stop() }
            let result = try await PushCommandTests.run([
                "push", "samples/go-cpu.pb.gz", "--to", "http://127.0.0.1:\(proxy.port)", "--api", api,
                "--service", "api", "--label", "host=canary-1", "--attempts", "3", "--timeout", "20",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("attempt 1 failed"), "\(result.stderr)")
            #expect(result.stderr.contains("2 attempts; an earlier attempt had stored it"), "\(result.stderr)")
            let log = proxy.output()
            #expect(log.contains("dropped 200") && log.contains("relayed 200"), "\(log)")
            // go-cpu.pb.gz holds two sample types: one profile each, once.
            let stored = try server.stored()
            #expect(stored.count == 2, "\(stored)")
            #expect(Set(stored.map(\.sampleType)) == ["samples", "cpu"], "\(stored)")
        }
    }
}
