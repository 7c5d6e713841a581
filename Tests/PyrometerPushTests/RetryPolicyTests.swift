import Testing
@testable import PyrometerPush

@Suite struct RetryPolicyTests {
    @Test func verdictsFollowWhatMayPass() {
        #expect(RetryPolicy.verdict(status: 200) == .stored)
        #expect(RetryPolicy.verdict(status: 204) == .stored)
        for status in [408, 425, 429, 500, 502, 503, 504] { #expect(RetryPolicy.verdict(status: status) == .retry) }
        // A bad profile, a missing token, a wrong URL, too large: sending again gets the same answer.
        for status in [400, 401, 403, 404, 413, 415, 501] { #expect(RetryPolicy.verdict(status: status) == .refused) }
    }

    @Test func backoffIsExponentialJitteredAndCapped() {
        let policy = RetryPolicy(attempts: 10, initialDelay: 1, maxDelay: 20)
        #expect(policy.delay(beforeRetry: 1, unit: 0.999) < 1.0001)
        #expect(policy.delay(beforeRetry: 3, unit: 0.5) == 2)        // half of 4
        #expect(policy.delay(beforeRetry: 9, unit: 1) == 20)         // 256 capped at 20
        #expect(policy.delay(beforeRetry: 2, unit: 0) == 0)          // full jitter reaches 0
        #expect(policy.delay(beforeRetry: 1, unit: 0.1, retryAfter: 7) == 7)
        #expect(policy.delay(beforeRetry: 1, unit: 0.1, retryAfter: 900) == 20)
        #expect(policy.delay(beforeRetry: 64, unit: 1) == 20)        // no overflow past 2^30
    }

    @Test func scheduleWaitsForTheRestOfTheInterval() {
        let schedule = AgentSchedule(interval: 300, splay: 30)
        #expect(schedule.wait(roundStarted: 1000, now: 1040) == 260)
        #expect(schedule.wait(roundStarted: 1000, now: 1400) == 0)
    }
}
