/// When to try a push again, and how long to wait first.
///
/// Network errors and answers that may pass (408, 425, 429, 500, 502, 503, 504) are retried with "full jitter"
/// exponential backoff: before retry n, a random wait in [0, min(maxDelay, initialDelay × 2^(n-1))], so that a
/// fleet whose server came back does not retry in step. Any other answer is final: a 400 says the profile is bad,
/// and sending it again cannot help.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts = 5
    public var initialDelay = 1.0
    public var maxDelay = 60.0

    public init(attempts: Int = 5, initialDelay: Double = 1.0, maxDelay: Double = 60.0) {
        (self.attempts, self.initialDelay, self.maxDelay) = (attempts, initialDelay, maxDelay)
    }

    public enum Verdict: Equatable, Sendable {
        case stored
        case retry
        case refused
    }

    public static func verdict(status: Int) -> Verdict {
        switch status {
        case 200 ..< 300: .stored
        case 408, 425, 429, 500, 502, 503, 504: .retry
        default: .refused
        }
    }

    /// The wait before retry `retry` (1 for the first retry), in seconds; `unit` is a random number in [0, 1).
    /// A server's `Retry-After` (seconds) is honoured up to `maxDelay`.
    public func delay(beforeRetry retry: Int, unit: Double, retryAfter: Double? = nil) -> Double {
        let ceiling = min(maxDelay, initialDelay * Double(1 << min(max(retry - 1, 0), 30)))
        let jittered = ceiling * min(max(unit, 0), 1)
        guard let retryAfter, retryAfter > 0 else { return jittered }
        return min(maxDelay, max(jittered, retryAfter))
    }
}
