import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import PyrometerPush

@Suite struct PushDestinationTests {
    let upload = ProfileUpload(body: [1, 2, 3], service: "api", labels: ["host": "canary-1", "az": "b+c"],
                               startNanos: 1_764_000_000_123_456_789, durationNanos: 10_500_000_000)

    func query(_ request: URLRequest) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for item in URLComponents(url: request.url!, resolvingAgainstBaseURL: false)!.queryItems ?? [] {
            result[item.name, default: []].append(item.value ?? "")
        }
        return result
    }

    @Test func pyrometerAPIUnderABasePath() throws {
        let destination = try PushDestination("http://127.0.0.1:4040/p/", api: .pyrometer, token: "secret-token-0123")
        let request = try destination.request(for: upload, timeout: 5)
        #expect(request.url!.path == "/p/api/v1/profiles")
        #expect(request.httpMethod == "POST")
        #expect(request.httpBody == Data([1, 2, 3]))
        #expect(request.value(forHTTPHeaderField: "Authorization") == "Bearer secret-token-0123")
        let items = query(request)
        #expect(items["service"] == ["api"])
        #expect(items["label"] == ["az:b+c", "host:canary-1"])   // sorted, `+` kept (sent as %2B)
        #expect(request.url!.absoluteString.contains("az:b%2Bc"))
        #expect(items["time"] == ["1764000000123456789"])
    }

    /// Every attempt of one upload carries its key (a Structured Fields string); another upload has another.
    @Test func uploadsCarryTheirIdempotencyKey() throws {
        var upload = upload
        upload.labels = ["host": "canary-1"]  // names Pyroscope's API can carry
        for api in PushAPI.allCases {
            let destination = try PushDestination("http://127.0.0.1:4040", api: api, token: nil)
            let key = try #require(try destination.request(for: upload, timeout: 5).value(forHTTPHeaderField: "Idempotency-Key"))
            #expect(key == "\"\(upload.idempotencyKey)\"")
            #expect(try destination.request(for: upload, timeout: 5).value(forHTTPHeaderField: "Idempotency-Key") == key)
            let another = ProfileUpload(body: upload.body, service: upload.service, labels: upload.labels,
                                        startNanos: upload.startNanos, durationNanos: upload.durationNanos)
            #expect(another.idempotencyKey != upload.idempotencyKey)
            #expect(UUID(uuidString: another.idempotencyKey) != nil)
        }
    }

    @Test func pyroscopeIngestNamesTheSeriesAndRoundsTheWindowOut() throws {
        let destination = try PushDestination("https://pyroscope.example", api: .pyroscope, token: nil)
        var plain = upload
        plain.labels = ["host": "canary-1", "region": "eu-west/1"]
        let request = try destination.request(for: plain, timeout: 5)
        #expect(request.url!.path == "/ingest")
        #expect(request.value(forHTTPHeaderField: "Authorization") == nil)
        let items = query(request)
        #expect(items["name"] == ["api{host=canary-1,region=eu-west/1}"])
        #expect(items["from"] == ["1764000000"])
        #expect(items["until"] == ["1764000011"])   // 10.6 s later, rounded up
        #expect(items["format"] == ["pprof"])
    }

    @Test func namesPyroscopeCannotParseAreRefusedBeforeSending() throws {
        let destination = try PushDestination("http://h:1", api: .pyroscope, token: nil)
        var hostile = upload
        hostile.labels = ["host": "a,b=c}"]
        #expect(throws: PushError.self) { try destination.request(for: hostile, timeout: 1) }
        hostile.labels = [:]
        hostile.service = "api{x=1}"
        #expect(throws: PushError.self) { try destination.request(for: hostile, timeout: 1) }
    }

    @Test func baseURLsMustBeHTTPWithAHostAndNoQuery() {
        for bad in ["127.0.0.1:4040", "ftp://h/", "http://", "http://h/?x=1", ""] {
            #expect(throws: PushError.self, "\(bad)") { try PushDestination(bad, api: .pyrometer, token: nil) }
        }
    }

    @Test func perfArgumentsForProcessesAndTheHost() {
        let processes = PerfRecording(target: .processes(ids: [42], names: []), seconds: 10)
        #expect(processes.arguments(output: "/t/p.data", pids: [42, 7])
                    == ["perf", "record", "-q", "-F", "99", "-o", "/t/p.data", "-g", "-p", "42,7"])
        let host = PerfRecording(target: .host, seconds: 3, frequency: 49, dwarf: true)
        #expect(host.arguments(output: "o", pids: [])
                    == ["perf", "record", "-q", "-F", "49", "-o", "o", "--call-graph", "dwarf", "-a"])
    }

    @Test func processesAreFoundByCommandNameOrProgramFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: root) }
        func process(_ pid: Int, comm: String, cmdline: [String]) throws {
            let directory = root.appendingPathComponent(String(pid))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data((comm + "\n").utf8).write(to: directory.appendingPathComponent("comm"))
            try Data(cmdline.joined(separator: "\0").utf8 + [0]).write(to: directory.appendingPathComponent("cmdline"))
        }
        try process(100, comm: "api-server", cmdline: ["/srv/api-server", "--port", "80"])
        try process(101, comm: "a-very-long-pro", cmdline: ["/opt/bin/a-very-long-program-name"])
        try process(102, comm: "postgres", cmdline: ["postgres: writer"])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("self"), withIntermediateDirectories: true)
        let recording = PerfRecording(target: .processes(ids: [], names: ["api-server", "a-very-long-program-name"]),
                                      seconds: 1)
        #expect(recording.processIDs(procRoot: root.path) == [100, 101])
        #expect(PerfRecording(target: .host, seconds: 1).processIDs(procRoot: root.path).isEmpty)
    }
}
