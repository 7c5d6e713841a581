import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PyrometerModel
import PyrometerStore
import PyrometerTestSupport
import Testing

/// A real `pyrometer serve` process on 127.0.0.1 (a free port) over a fresh SQLite store (or the one configured), for
/// the length of `body`;
/// it is killed, and waited for, before this returns, whatever `body` does.
///
/// A process of its own, not a server inside the test runner: in the runner, request handlers would share Swift
/// concurrency's threads (two, on a two-core machine) with every other suite, and tests that block them for a minute
/// (a perf recording, a heaptrack run) left the server answering nobody. Pyroscope's client timed out twice so (CI,
/// under ThreadSanitizer). A separate process is also what users run: flags, the port it announces, its exit.
struct ServerHarness {
    let base: URL
    let store: String

    /// What the server is started with, as `pyrometer serve`'s flags.
    struct Configuration {
        var basePath = ""
        var token: String?
        var maxBodyMiB: Int?
        /// The store: a fresh SQLite file unless set (a ClickHouse database that several servers share).
        var store: String?
    }

    static func with(_ configure: (inout Configuration) -> Void = { _ in },
                     _ body: (ServerHarness) async throws -> Void) async throws {
        var configuration = Configuration()
        configure(&configuration)
        let dir = try CLI.temporaryDirectory()
        let store = configuration.store ?? "sqlite:" + dir.appendingPathComponent("profiles.sqlite").path
        var arguments = ["serve", "--listen", "127.0.0.1:0", "--store", store]
        if !configuration.basePath.isEmpty { arguments += ["--base-path", configuration.basePath] }
        if let token = configuration.token {
            let tokenFile = dir.appendingPathComponent("token")
            try Data((token + "\n").utf8).write(to: tokenFile)
            arguments += ["--token-file", tokenFile.path]
        }
        if let maxBodyMiB = configuration.maxBodyMiB { arguments += ["--max-body-size", String(maxBodyMiB)] }

        let log = dir.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = CLI.repository
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        // A file, not a pipe: nobody reads the server's log while it runs, and a full pipe would stop it.
        process.standardError = try FileHandle(forWritingTo: log)
        try TiedProcess.run(process)
        defer {
            // SIGKILL: the test runner's children inherit its blocked SIGTERM; SQLite's journal makes a kill safe.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let port = try await announcedPort(process, log: log)
        let harness = ServerHarness(base: URL(string: "http://127.0.0.1:\(port)\(configuration.basePath)")!,
                                    store: store)
        try await body(harness)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(process.isRunning, "the server died during the test: \(text.suffix(4000))")
        #expect(!text.contains("Sanitizer"), "the server's log has a sanitizer report: \(text.suffix(8000))")
    }

    /// The port from the server's "listening on http://127.0.0.1:PORT" line; a server that exits first, or says
    /// nothing for two minutes (a sanitizer build beside a busy suite starts slowly), fails the test with its log.
    private static func announcedPort(_ process: Process, log: URL) async throws -> Int {
        let marker = "listening on http://127.0.0.1:"
        let deadline = Date().addingTimeInterval(120)
        while true {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: marker) {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), text[range.upperBound...].dropFirst(digits.count).first != nil {
                    return port
                }
            }
            guard process.isRunning, Date() < deadline else {
                struct ServerDidNotStart: Error, CustomStringConvertible { var description: String }
                throw ServerDidNotStart(description: "pyrometer serve did not announce a port: \(text)")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    struct Reply {
        var status: Int
        var body: Data
        /// Response headers, names in lower case.
        var headers: [String: String] = [:]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// POSTs `body` to `path` (with its query) with these headers.
    func post(_ path: String, _ body: Data, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = "POST"
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return Reply(status: http?.statusCode ?? 0, body: data, headers: headers)
    }

    /// A request a Pyroscope client sent (Tests/Fixtures/serve/requests.json: `file`'s path and headers), replayed
    /// byte for byte.
    func replay(_ file: String, _ request: [String: Any]) async throws -> Reply {
        let path = try #require(request["path"] as? String)
        let headers = (request["headers"] as? [[String]] ?? []).filter {
            !["host", "content-length"].contains($0.first?.lowercased() ?? "")
        }
        return try await post(path, try Self.fixture("Tests/Fixtures/serve/" + file),
                              headers: Dictionary(headers.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The captured requests, by file.
    static func capturedRequests() throws -> [(file: String, request: [String: Any])] {
        let data = try fixture("Tests/Fixtures/serve/requests.json")
        let requests = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        return requests.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The profiles in the store now.
    func stored() throws -> [StoredProfile] {
        try StoreLocation.open(store, create: false).list(ProfileQuery())
    }

    static func fixture(_ path: String) throws -> Data {
        try Data(contentsOf: CLI.repository.appendingPathComponent(path))
    }
}
