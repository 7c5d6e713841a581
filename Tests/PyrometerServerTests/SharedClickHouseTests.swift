import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PyrometerModel
import PyrometerStore
import PyrometerTestSupport
import Testing

/// A fleet: two `serve` processes on one ClickHouse database (scripts/clickhouse.sh's server on 127.0.0.1). The
/// requests Pyroscope's clients sent (Tests/Fixtures/serve) go to either: pyroscope-go's multipart `/ingest` to one,
/// pyroscope-io's Connect pushes to the other; both land in ClickHouse, and each server lists what the other took.
@Suite struct SharedClickHouseTests {
    @Test(ExternalTool.clickhouse.needed) func twoServersShareOneClickHouse() async throws {
        let store = try LocalClickHouse.freshStoreSpecification()
        let requests = try ServerHarness.capturedRequests()
        try await ServerHarness.with({ $0.store = store }) { first in
            try await ServerHarness.with({ $0.store = store }) { second in
                for (file, request) in requests {
                    let server = (request["path"] as? String)?.hasPrefix("/push.v1") == true ? second : first
                    let reply = try await server.replay(file, request)
                    #expect(reply.status == 200, "\(file): \(reply.status) \(reply.text)")
                }
                let stored = try first.stored()
                #expect(Set(stored.map(\.service)) == ["pyrotest.app", "pyrotest.goapp"], "\(stored)")
                #expect(stored.filter { $0.service == "pyrotest.app" }.allSatisfy { $0.labels["region"] == "eu" })
                #expect(stored.contains { $0.service == "pyrotest.goapp" && $0.sampleType == "cpu" })
                for server in [first, second] {
                    let (body, _) = try await URLSession.shared.data(from: server.base.appendingPathComponent("api/v1/services"))
                    let listing = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                    let names = (listing["services"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    #expect(Set(names) == ["pyrotest.app", "pyrotest.goapp"], "\(server.base): \(listing)")
                }
            }
        }
    }
}
