import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The API a push speaks.
public enum PushAPI: String, Sendable, CaseIterable {
    /// `pyrometer serve`'s `POST /api/v1/profiles?service=S&label=K:V&time=T`.
    case pyrometer
    /// Pyroscope's `POST /ingest?name=S{K=V}&from=&until=&format=pprof`: Pyroscope, Grafana Cloud Profiles, and
    /// `pyrometer serve` too.
    case pyroscope
}

/// One profile to push: a gzip'd pprof body and what to file it under.
public struct ProfileUpload: Sendable {
    public var body: [UInt8]
    public var service: String
    public var labels: [String: String]
    /// When the recording started (Unix nanoseconds) and how long it ran.
    public var startNanos: Int64
    public var durationNanos: Int64
    /// Sent as `Idempotency-Key` with every attempt of this upload: a server that keeps keys (`pyrometer serve`)
    /// answers a retry whose first attempt was stored, with only its answer lost, without storing it twice.
    public var idempotencyKey: String

    public init(body: [UInt8], service: String, labels: [String: String], startNanos: Int64, durationNanos: Int64,
                idempotencyKey: String = UUID().uuidString.lowercased()) {
        (self.body, self.service, self.labels) = (body, service, labels)
        (self.startNanos, self.durationNanos) = (startNanos, durationNanos)
        self.idempotencyKey = idempotencyKey
    }
}

/// Where pushes go: a server's base URL (`http://host:4040`, or `https://proxy/pyrometer` behind a base path),
/// the API, and the write token.
public struct PushDestination: Sendable {
    public var baseURL: URL
    public var api: PushAPI
    /// Sent as `Authorization: Bearer TOKEN`, which `pyrometer serve --token-file` and Pyroscope's auth proxies take.
    public var token: String?

    /// `text` must be an http or https URL with a host.
    public init(_ text: String, api: PushAPI, token: String?) throws(PushError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil, url.query == nil else {
            throw .invalid("--to \(text) is not a server's base URL such as http://127.0.0.1:4040 (no query)")
        }
        baseURL = url
        self.api = api
        self.token = token
    }

    /// The request that pushes `upload`.
    public func request(for upload: ProfileUpload, timeout: TimeInterval) throws(PushError) -> URLRequest {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        let base = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        let labels = upload.labels.sorted { $0.key < $1.key }
        switch api {
        case .pyrometer:
            components.path = base + "/api/v1/profiles"
            components.queryItems = [URLQueryItem(name: "service", value: upload.service)]
                + labels.map { URLQueryItem(name: "label", value: "\($0.key):\($0.value)") }
                + [URLQueryItem(name: "time", value: String(upload.startNanos))]
        case .pyroscope:
            components.path = base + "/ingest"
            let name = try Self.pyroscopeName(service: upload.service, labels: labels)
            let from = upload.startNanos / 1_000_000_000
            let until = (upload.startNanos + upload.durationNanos + 999_999_999) / 1_000_000_000
            components.queryItems = [URLQueryItem(name: "name", value: name),
                                     URLQueryItem(name: "from", value: String(from)),
                                     URLQueryItem(name: "until", value: String(max(until, from + 1))),
                                     URLQueryItem(name: "format", value: "pprof"),
                                     URLQueryItem(name: "spyName", value: "pyrometer")]
        }
        // `+` reads as a space in form-encoded queries, which both servers decode.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = URLRequest(url: components.url!, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(upload.body)
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        request.setValue("pyrometer-push/0.1", forHTTPHeaderField: "User-Agent")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        // A Structured Fields string, as draft-ietf-httpapi-idempotency-key-header writes it.
        request.setValue("\"\(upload.idempotencyKey)\"", forHTTPHeaderField: "Idempotency-Key")
        return request
    }

    /// `service{k=v,...}`, with the characters Pyroscope's `labelset.Parse` accepts (it has no quoting).
    static func pyroscopeName(service: String, labels: [(key: String, value: String)]) throws(PushError) -> String {
        func check(_ text: String, _ what: String, allowed: (UInt8) -> Bool) throws(PushError) {
            guard !text.isEmpty, text.utf8.allSatisfy(allowed) else {
                throw .invalid("\(what) `\(text)` cannot go in a Pyroscope application name: use letters, digits and _ . - /")
            }
        }
        func isNameByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        try check(service, "service", allowed: { isNameByte($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "/") })
        var parts: [String] = []
        for (key, value) in labels {
            try check(key, "label key", allowed: isNameByte)
            try check(value, "label value", allowed: { isNameByte($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "/")
                || $0 == UInt8(ascii: ":") })
            parts.append("\(key)=\(value)")
        }
        return service + "{" + parts.joined(separator: ",") + "}"
    }
}
