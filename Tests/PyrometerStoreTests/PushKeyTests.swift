import Foundation
@testable import PyrometerStore
import PyrometerModel
import Testing

/// Push keys (`Idempotency-Key`) in both backends: a push retried after its answer was lost is stored once.
@Suite struct PushKeyTests {
    static let week = "2026-W47"

    static func push() throws -> [NewProfile] {
        [try Sample.profile(week: week, labels: ["host": "canary-1"], stacks: [("api;main;handle", 7), ("api;main;gc", 3)]),
         try Sample.profile(week: week, labels: ["host": "canary-1"], type: "alloc_space", unit: "bytes",
                            isDefault: false, stacks: [("api;main;handle", 4096)])]
    }

    @Test(arguments: Backend.allCases)
    func aKeyedPushIsStoredOnce(_ backend: Backend) throws {
        let store = try backend.freshStore()
        let key = PushKey(key: "8e03978e-40d5-43e8-bc93-6894a57f9324", digest: 42)
        let first = try store.add(try Self.push(), pushKey: key)
        #expect(!first.replayed)
        #expect(first.stored.count == 2)

        let again = try store.add(try Self.push(), pushKey: key)
        #expect(again.replayed)
        #expect(again.stored == first.stored, "the first attempt's answer, in its order")
        #expect(Set(try store.list(ProfileQuery()).map(\.id)) == Set(first.stored.map(\.id)))
        // Neither the samples nor the weekly rollup counted the retry.
        for query in ["service=api,type=cpu,week=\(Self.week)", "service=api,type=cpu,host=canary-1"] {
            #expect(Sample.sums(try store.stacks(try ProfileQuery(parsing: query))) == ["api;main;handle": 7, "api;main;gc": 3],
                    "\(query)")
        }

        // The key with another push is refused, and stores nothing.
        var reused = key
        reused.digest = 43
        let error = #expect(throws: PushKeyReused.self) { try store.add(try Self.push(), pushKey: reused) }
        #expect(error?.description.contains("8e03978e-40d5-43e8-bc93-6894a57f9324") == true)
        #expect(try store.list(ProfileQuery()).count == 2)

        // Another key is another push.
        let second = try store.add(try Self.push(), pushKey: PushKey(key: "second-push", digest: 42))
        #expect(!second.replayed)
        #expect(Set(second.stored.map(\.id)).isDisjoint(with: first.stored.map(\.id)))
        #expect(try store.list(ProfileQuery()).count == 4)
    }
}
