import Foundation
@testable import PyrometerStore
import PyrometerModel
import PyrometerTestSupport
import Testing

/// What happens when things go wrong: an ingest killed half-way, a server that is down or never answers.
@Suite struct StoreReliabilityTests {
    /// A ClickHouse ingest killed after its sample and rollup rows but before its profile row: nothing of it is
    /// visible, and the week's rollup (now counting one profile too many) is bypassed for the sample rows.
    @Test func clickHouseIngestKilledBeforePublishingLeavesNothingVisible() throws {
        let store = try #require(try Backend.clickhouse.freshStore() as? ClickHouseStore)
        let published = try store.add([try Sample.profile(week: "2026-W47", stacks: [("a;b", 10), ("a;c", 5)])])
        // What `add` writes before publishing, for a profile whose process then died.
        let week = ClickHouseStore.dateLiteral(IsoWeek(label: "2026-W47")!)
        let hash = StackValue.hash("a;orphan")
        try store.client.execute("INSERT INTO stacks FORMAT TabSeparated", data: Data("\(hash)\ta;orphan\n".utf8),
                                 idempotent: true)
        try store.client.execute("INSERT INTO samples FORMAT TabSeparated",
                                 data: Data("424242\tapi\tcpu\t\(week)\t\(hash)\t1000\n".utf8), idempotent: false)
        try store.client.execute("INSERT INTO weekly_rollup FORMAT TabSeparated",
                                 data: Data("api\tcpu\t\(week)\t\(hash)\t1000\napi\tcpu\t\(week)\t0\t1\n".utf8),
                                 idempotent: false)
        #expect(try store.list(ProfileQuery()) == published)
        let weekly = try ProfileQuery(parsing: "service=api,type=cpu,week=2026-W47")
        #expect(weekly.isWeekly)
        #expect(Sample.sums(try store.stacks(weekly)) == ["a;b": 10, "a;c": 5])
        #expect(try store.trend(service: "api", sampleType: "cpu", function: "a").map(\.value) == [15])
        // Published afterwards, a profile still counts once: the week is summed from sample rows while the
        // rollup's marker count differs from the published profiles.
        let second = try store.add([try Sample.profile(week: "2026-W47", day: 1, stacks: [("a;b", 1)])])
        #expect(second.count == 1)
        #expect(Sample.sums(try store.stacks(weekly)) == ["a;b": 11, "a;c": 5])
    }

    /// Nothing listens: a clear error after the bounded retries, within seconds.
    @Test(ExternalTool.python.needed) func clickHouseDownGivesAClearErrorInBoundedTime() throws {
        let port = try Self.unusedPort()
        let started = Date()
        let error = #expect(throws: StoreError.self) {
            try StoreLocation.open("clickhouse://127.0.0.1:\(port)/db?retries=2&timeout=2")
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(error?.description.contains("refused the connection") == true, "\(String(describing: error))")
        #expect(error?.description.contains("after 3 attempts") == true, "\(String(describing: error))")
        #expect(elapsed >= 0.7 && elapsed < 10, "\(elapsed) s")  // 0.25 + 0.5 s of backoff
    }

    /// A server that accepts connections and never answers: the request times out, is retried, then fails.
    @Test(ExternalTool.python.needed) func clickHouseThatNeverAnswersTimesOut() throws {
        let listener = try PythonListener(script: """
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
            """)
        defer { listener.stop() }
        let started = Date()
        let error = #expect(throws: StoreError.self) {
            try StoreLocation.open("clickhouse://127.0.0.1:\(listener.port)/db?retries=1&timeout=1")
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(error?.description.contains("did not answer within 1 s") == true, "\(String(describing: error))")
        #expect(elapsed >= 1.5 && elapsed < 15, "\(elapsed) s")
    }

    /// The insert that publishes lands, but its answer is lost (the connection drops): the retry finds the
    /// profiles published and returns them, rather than storing them a second time under new ids.
    @Test(ExternalTool.python.needed) func clickHousePublishWhoseAnswerIsLostIsStoredOnce() throws {
        let direct = try Backend.clickhouse.freshSpecification()  // clickhouse://127.0.0.1:PORT/DATABASE
        let address = try #require(direct.split(separator: "/").dropFirst().first)  // 127.0.0.1:PORT
        let database = try #require(direct.split(separator: "/").last)
        let upstream = try #require(address.split(separator: ":").last)
        // A proxy to the server that forwards the first `INSERT INTO profiles` and drops its answer.
        let proxy = try PythonListener.proxy(to: try #require(Int(upstream)),
                                             droppingFirstAnswerWhere: "'INSERT INTO profiles' in urllib.parse.unquote(path)")
        defer { proxy.stop() }
        let store = try StoreLocation.open("clickhouse://127.0.0.1:\(proxy.port)/\(database)?retries=2&timeout=10")
        let added = try store.add([try Sample.profile(week: "2026-W47", stacks: [("a;b", 10), ("a;c", 5)])])
        #expect(proxy.output().contains("dropped"))
        let server = try StoreLocation.open(direct)
        #expect(try server.list(ProfileQuery()) == added)
        #expect(Sample.sums(try server.stacks(try ProfileQuery(parsing: "service=api,type=cpu,week=2026-W47")))
                == ["a;b": 10, "a;c": 5])
    }

    /// A SQL error is reported with the server's message, not retried.
    @Test func clickHouseErrorsCarryTheServersMessage() throws {
        let store = try #require(try Backend.clickhouse.freshStore() as? ClickHouseStore)
        let error = #expect(throws: StoreError.self) { try store.client.execute("SELECT * FROM no_such_table", idempotent: true) }
        #expect(error?.description.contains("no_such_table") == true, "\(String(describing: error))")
    }

    /// A newer schema than this build knows is refused rather than misread.
    @Test func newerClickHouseSchemaIsRefused() throws {
        let specification = try Backend.clickhouse.freshSpecification()
        let store = try #require(try StoreLocation.open(specification) as? ClickHouseStore)
        try store.client.execute("INSERT INTO schema_versions VALUES (99, 0)", idempotent: true)
        let error = #expect(throws: StoreError.self) { try StoreLocation.open(specification) }
        #expect(error?.description.contains("schema version 99") == true, "\(String(describing: error))")
    }

    @Test func notASQLiteStoreIsAClearError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-notdb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("profiles.sqlite").path
        try Data("this is not a database, just text that is long enough to have a header".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try StoreLocation.open("sqlite:" + path) }
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
    }

    static func unusedPort() throws -> Int {
        let result = Shell.run(["python3", "-c",
                                "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        return try #require(Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
