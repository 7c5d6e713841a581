import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PyrometerModel
import PyrometerServer
import PyrometerStore
import PyrometerTestSupport
import Testing

/// A `pyrometer serve` on 127.0.0.1 (a free port) over a fresh SQLite store, for the length of `body`: the server is
/// stopped, and waited for, before this returns, whatever `body` does.
struct ServerHarness {
    let base: URL
    let store: String

    static func with(_ configure: (inout ServerOptions) -> Void = { _ in },
                     _ body: (ServerHarness) async throws -> Void) async throws {
        var configured = ServerOptions()
        configured.port = 0
        configure(&configured)
        let options = configured
        let store = "sqlite:" + (try CLI.temporaryDirectory()).appendingPathComponent("profiles.sqlite").path
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task {
            try await ProfileServer.run(options, store: store) { port in continuation.yield(port) }
        }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = try await server.value
            return
        }
        let harness = ServerHarness(base: URL(string: "http://127.0.0.1:\(port)\(options.basePath)")!, store: store)
        do {
            try await body(harness)
        } catch {
            server.cancel()
            _ = try? await server.value
            throw error
        }
        server.cancel()
        _ = try? await server.value
    }

    struct Reply {
        var status: Int
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// POSTs `body` to `path` (with its query) with these headers.
    func post(_ path: String, _ body: Data, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = "POST"
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// The profiles in the store now.
    func stored() throws -> [StoredProfile] {
        try StoreLocation.open(store, create: false).list(ProfileQuery())
    }

    static func fixture(_ path: String) throws -> Data {
        try Data(contentsOf: CLI.repository.appendingPathComponent(path))
    }
}
