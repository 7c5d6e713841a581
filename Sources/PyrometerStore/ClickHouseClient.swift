import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// ClickHouse's HTTP interface, synchronously: one POST per statement, bounded timeouts, and retries with
/// exponential backoff for statements that may run twice (reads and idempotent DDL), so that a server that is down
/// or slow gives an error in bounded time, never a hang.
final class ClickHouseClient: @unchecked Sendable {
    let endpoint: URL
    let database: String
    let user: String?
    let password: String?
    /// Per request.
    let timeout: TimeInterval
    /// Further attempts after a failed idempotent request, waiting 0.25 s, 0.5 s, 1 s, ... between them.
    let retries: Int
    private let session: URLSession

    init(endpoint: URL, database: String, user: String?, password: String?, timeout: TimeInterval, retries: Int) {
        self.endpoint = endpoint
        self.database = database
        self.user = user
        self.password = password
        self.timeout = timeout
        self.retries = retries
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 2
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Runs `sql`; with `data`, the statement is sent in the URL and `data` is its input (an INSERT's rows).
    /// `idempotent` statements are retried on transport errors; others fail at once, and the caller decides.
    @discardableResult
    func execute(_ sql: String, data: Data? = nil, settings: [String: String] = [:], idempotent: Bool,
                 useDatabase: Bool = true) throws -> Data {
        var attempt = 0
        while true {
            do {
                return try send(sql, data: data, settings: settings, useDatabase: useDatabase)
            } catch let error as TransportError {
                guard idempotent, attempt < retries else {
                    throw StoreError("ClickHouse at \(endpoint.absoluteString) \(error.reason)"
                                     + (attempt > 0 ? " (after \(attempt + 1) attempts)" : ""), isUnreachable: true)
                }
                Thread.sleep(forTimeInterval: 0.25 * Double(1 << attempt))
                attempt += 1
            }
        }
    }

    /// Rows of a `FORMAT TabSeparated` result, split into unescaped fields.
    func rows(_ sql: String) throws -> [[String]] {
        let data = try execute(sql + " FORMAT TabSeparated", idempotent: true)
        return TabSeparated.parse(data)
    }

    struct TransportError: Error { var reason: String }

    private func send(_ sql: String, data: Data?, settings: [String: String], useDatabase: Bool) throws -> Data {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
        var items: [URLQueryItem] = useDatabase ? [URLQueryItem(name: "database", value: database)] : []
        items += settings.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        if data != nil { items.append(URLQueryItem(name: "query", value: sql)) }
        components.queryItems = items
        // `+` is a space in form encoding, which ClickHouse applies to query parameters.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = URLRequest(url: components.url!, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = data ?? Data(sql.utf8)
        if let user { request.setValue(user, forHTTPHeaderField: "X-ClickHouse-User") }
        if let password { request.setValue(password, forHTTPHeaderField: "X-ClickHouse-Key") }

        final class Outcome: @unchecked Sendable {
            var data: Data?
            var response: HTTPURLResponse?
            var error: Error?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.data = data
            outcome.response = response as? HTTPURLResponse
            outcome.error = error
            done.signal()
        }
        task.resume()
        // URLSession enforces the timeout; the extra margin guards against a task that never calls back.
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw TransportError(reason: "did not answer within \(Int(timeout)) s")
        }
        if let error = outcome.error {
            let code = (error as? URLError)?.code
            let reason = code == .timedOut ? "did not answer within \(Int(timeout)) s"
                : code == .cannotConnectToHost ? "refused the connection (is the server running?)"
                : "could not be reached: \(error.localizedDescription)"
            throw TransportError(reason: reason)
        }
        guard let response = outcome.response else { throw TransportError(reason: "gave no HTTP response") }
        let body = outcome.data ?? Data()
        guard response.statusCode == 200 else {
            if response.statusCode == 503 || response.statusCode == 502 {
                throw TransportError(reason: "is unavailable (HTTP \(response.statusCode))")
            }
            let message = String(decoding: body.prefix(600), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw StoreError("ClickHouse at \(endpoint.absoluteString): HTTP \(response.statusCode): \(message)")
        }
        return body
    }
}

/// ClickHouse's TabSeparated format: `\`-escapes for tab, newline, backslash and a few more.
enum TabSeparated {
    static func escape(_ text: String, into output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0: output += [UInt8(ascii: "\\"), UInt8(ascii: "0")]
            default: output.append(byte)
            }
        }
    }

    static func parse(_ data: Data) -> [[String]] {
        var rows: [[String]] = []
        forEachRow(data) { fields in rows.append(fields.map { String(decoding: $0, as: UTF8.self) }) }
        return rows
    }

    /// Each row's unescaped fields, as bytes valid during the call.
    static func forEachRow(_ data: Data, _ body: ([[UInt8]]) throws -> Void) rethrows {
        var fields: [[UInt8]] = [[]]
        var escaped = false
        for byte in data {
            if escaped {
                switch byte {
                case UInt8(ascii: "t"): fields[fields.count - 1].append(UInt8(ascii: "\t"))
                case UInt8(ascii: "n"): fields[fields.count - 1].append(UInt8(ascii: "\n"))
                case UInt8(ascii: "r"): fields[fields.count - 1].append(UInt8(ascii: "\r"))
                case UInt8(ascii: "0"): fields[fields.count - 1].append(0)
                case UInt8(ascii: "b"): fields[fields.count - 1].append(8)
                case UInt8(ascii: "f"): fields[fields.count - 1].append(12)
                default: fields[fields.count - 1].append(byte)
                }
                escaped = false
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "\t"): fields.append([])
            case UInt8(ascii: "\n"):
                try body(fields)
                fields.removeAll(keepingCapacity: true)
                fields.append([])
            default: fields[fields.count - 1].append(byte)
            }
        }
    }
}
