import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a stored push took.
public struct PushReceipt: Sendable {
    public var status: Int
    public var attempts: Int
    /// The server's answer (our API lists the stored profiles as JSON; Pyroscope's says nothing).
    public var body: [UInt8]
    /// The server said an earlier attempt had stored the profile, whose answer was lost (`Idempotent-Replayed`).
    public var replayed: Bool = false

    /// "HTTP 200, 2 attempts", and what a replayed answer means.
    public var summary: String {
        "HTTP \(status), \(attempts) attempt\(attempts == 1 ? "" : "s")"
            + (replayed ? "; an earlier attempt had stored it, so it is stored once" : "")
    }
}

/// Sends profiles to a destination, retrying as `RetryPolicy` says. Blocking: the agent and `push` do one thing at
/// a time, and a push that cannot finish must end in bounded time (`timeout` per attempt).
public final class ProfileUploader: @unchecked Sendable {
    public let destination: PushDestination
    public let policy: RetryPolicy
    public let timeout: TimeInterval
    /// Told each failed attempt that will be retried, and the wait before the retry.
    public var onRetry: (_ attempt: Int, _ reason: String, _ wait: Double) -> Void = { _, _, _ in }
    /// Waits (replaced by tests that count waits instead of sleeping).
    public var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    public var random: () -> Double = { Double.random(in: 0 ..< 1) }
    private let session: URLSession

    public init(destination: PushDestination, policy: RetryPolicy = RetryPolicy(), timeout: TimeInterval = 30) {
        self.destination = destination
        self.policy = policy
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func upload(_ upload: ProfileUpload) throws(PushError) -> PushReceipt {
        let request = try destination.request(for: upload, timeout: timeout)
        var attempt = 1
        while true {
            let reason: String
            var retryAfter: Double?
            switch send(request) {
            case .answered(let status, let headers, let body):
                switch RetryPolicy.verdict(status: status) {
                case .stored:
                    return PushReceipt(status: status, attempts: attempt, body: body,
                                       replayed: headers["idempotent-replayed"] == "true")
                case .refused: throw .refused(status: status, message: Self.message(body))
                case .retry:
                    reason = "HTTP \(status): \(Self.message(body))"
                    retryAfter = headers["retry-after"].flatMap { Double($0) }
                }
            case .failed(let why):
                reason = why
            }
            guard attempt < policy.attempts else { throw .gaveUp(attempts: attempt, lastReason: reason) }
            let wait = policy.delay(beforeRetry: attempt, unit: random(), retryAfter: retryAfter)
            onRetry(attempt, reason, wait)
            sleep(wait)
            attempt += 1
        }
    }

    /// A server's error body in one line: our JSON's `message`, or the text, cut short.
    static func message(_ body: [UInt8]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let message = object["message"] as? String {
            return message
        }
        let text = String(decoding: body.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(no message)" : text
    }

    enum Outcome {
        case answered(status: Int, headers: [String: String], body: [UInt8])
        case failed(String)
    }

    private func send(_ request: URLRequest) -> Outcome {
        final class Box: @unchecked Sendable { var outcome = Outcome.failed("no answer") }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            if let response = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in response.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                box.outcome = .answered(status: response.statusCode, headers: headers, body: Array(data ?? Data()))
            } else if let error {
                let code = (error as? URLError)?.code
                box.outcome = .failed(code == .timedOut ? "no answer within \(Int(self.timeout)) s"
                    : code == .cannotConnectToHost ? "connection refused (is the server running?)"
                    : error.localizedDescription)
            }
            done.signal()
        }
        task.resume()
        // URLSession enforces the timeout; the margin guards against a task that never calls back.
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            return .failed("no answer within \(Int(timeout)) s")
        }
        return box.outcome
    }
}
