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
        let listener = try Listener(script: """
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
        let proxy = try Listener(script: """
            import http.client, threading, urllib.parse
            dropped = []
            def serve(c):
                f = c.makefile("rb")
                while True:
                    request = f.readline()
                    if not request: return
                    headers = {}
                    while True:
                        line = f.readline().decode()
                        if line in ("\\r\\n", "\\n", ""): break
                        k, v = line.split(":", 1); headers[k.strip().lower()] = v.strip()
                    body = f.read(int(headers.get("content-length", "0")))
                    path = request.decode().split(" ")[1]
                    u = http.client.HTTPConnection("127.0.0.1", \(upstream), timeout=60)
                    u.request("POST", path, body)
                    r = u.getresponse(); data = r.read()
                    if "INSERT INTO profiles" in urllib.parse.unquote(path) and not dropped:
                        dropped.append(1); print("dropped", flush=True); c.close(); return
                    c.sendall(b"HTTP/1.1 %d OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % (r.status, len(data)) + data)
            while True:
                c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
            """)
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

    /// A Python listener on a free loopback port: `script` runs with the listening socket `s` bound; it lives at
    /// most two minutes.
    final class Listener {
        private let process = Process()
        private let out = Pipe()
        let port: Int

        init(script: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import signal, socket
                signal.alarm(120)  # never outlives a stuck test
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", 0)); s.listen(16)
                print(s.getsockname()[1], flush=True)

                """ + script]
            process.standardOutput = out
            try process.run()
            let line = try #require(Self.readLine(out.fileHandleForReading))
            port = try #require(Int(line))
        }

        /// What the script printed after the port, once it is stopped.
        func output() -> String {
            stop()
            return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        private static func readLine(_ handle: FileHandle) -> String? {
            var line = Data()
            while true {
                guard let byte = try? handle.read(upToCount: 1), !byte.isEmpty else { break }
                if byte[0] == 10 { break }
                line += byte
            }
            return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
        }
    }

    static func unusedPort() throws -> Int {
        let result = Shell.run(["python3", "-c",
                                "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        return try #require(Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
