import Foundation
import PyrometerServe
import PyrometerTestSupport

/// The real request bodies in Tests/Fixtures/serve/ (README there), with the path and headers each came with.
enum Captures {
    struct Request: Decodable {
        var path: String
        var headers: [[String]]
        func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }?.last
        }
        /// The query items as a server hands them over: percent-decoded, in order.
        var query: [(String, String)] {
            (URLComponents(string: path)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }
        }
    }

    static let requests: [String: Request] = {
        let data = FileManager.default.contents(atPath: Repository.fixture("serve/requests.json"))!
        return try! JSONDecoder().decode([String: Request].self, from: data)
    }()

    static func body(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: Repository.fixture("serve/\(name)"))!)
    }

    /// Decodes a captured `/ingest` request the way the server will.
    static func ingest(_ name: String, limits: IngestLimits = IngestLimits()) throws(IngestError) -> [IngestedProfile] {
        let request = requests[name]!
        return try IngestRequestDecoder.pyroscopeIngest(query: request.query, contentType: request.header("Content-Type"),
                                                        body: body(name), limits: limits)
    }

    /// Decodes a captured Connect push the way the server will.
    static func push(_ name: String, limits: IngestLimits = IngestLimits()) throws(IngestError) -> [IngestedProfile] {
        let request = requests[name]!
        return try IngestRequestDecoder.connectPush(contentType: request.header("content-type"),
                                                    contentEncoding: request.header("content-encoding"),
                                                    body: body(name), limits: limits)
    }
}
