import Foundation
import PyrometerModel
import PyrometerServe
import Testing

/// The decoders on the bodies real clients sent (Tests/Fixtures/serve/README.md).
struct IngestDecoderTests {
    static func labelValues(_ profile: Profile, key: String) -> Set<String> {
        var values: Set<String> = []
        for sample in profile.samples {
            if let value = profile.labelString(key, in: sample.labels) { values.insert(value) }
        }
        return values
    }

    @Test func pythonPushIsOneCPUProfileOfTheService() throws {
        let profiles = try Captures.push("py_push_cpu.req.bin")
        #expect(profiles.count == 1)
        let ingested = try #require(profiles.first)
        #expect(ingested.service == "pyrotest.app")
        #expect(ingested.seriesName == "process_cpu")
        #expect(ingested.labels == [
            "region": "eu", "host": "h1", "otel.scope.name": "com.grafana.pyroscope/python",
            "otel.scope.version": "1.4.0", "process.runtime.name": "cpython", "process.runtime.version": "3.11.7",
        ])
        let profile = ingested.profile
        #expect(profile.sampleTypes == [ValueType(type: "cpu", unit: "nanoseconds")])
        #expect(profile.kind(sampleType: 0) == .cpu)
        #expect(profile.total(sampleType: 0) == 10_090_000_000)
        #expect(ingested.timeNanos == 1_796_217_984_164_673_056)
        #expect(ingested.durationNanos == 10_004_057_964)
        // The tag_wrapper's labels stay on the samples, where refinements and `hotspots --by` find them.
        #expect(Self.labelValues(profile, key: "endpoint") == ["/export"])
        #expect(profile.functions.contains { profile.strings[Int($0.name)] == "fib" })
    }

    @Test func pythonPushWithMemoryIsTwoSeries() throws {
        let profiles = try Captures.push("py_push_mem+cpu.req.bin")
        #expect(profiles.map(\.seriesName) == ["memory", "process_cpu"])
        #expect(profiles.allSatisfy { $0.service == "pyrotest.app" && $0.labels["host"] == "h1" })
        #expect(profiles[0].profile.sampleTypes.map(\.type) == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
    }

    @Test func theSamePushUncompressedAndAsJSON() throws {
        let proto = Captures.body("py_push_cpu.req.decompressed.pb")
        let plain = try IngestRequestDecoder.connectPush(contentType: "application/proto", contentEncoding: nil,
                                                         body: proto, limits: IngestLimits())
        #expect(plain.first?.profile.total(sampleType: 0) == 10_090_000_000)
        // protojson, as a Connect client with the JSON codec sends it.
        let raw = Data(Captures.body("py_cpu.raw_profile.pprof")).base64EncodedString()
        let json = """
            {"series":[{"labels":[{"name":"__name__","value":"process_cpu"},{"name":"service_name","value":"web"},\
            {"name":"env","value":"prod"}],"samples":[{"rawProfile":"\(raw)","ID":"x"}]}]}
            """
        let fromJSON = try IngestRequestDecoder.connectPush(contentType: "application/json; charset=utf-8",
                                                            contentEncoding: "identity", body: Array(json.utf8),
                                                            limits: IngestLimits())
        #expect(fromJSON.first?.service == "web")
        #expect(fromJSON.first?.labels == ["env": "prod"])
        #expect(fromJSON.first?.profile.total(sampleType: 0) == 10_090_000_000)
    }

    @Test func goMultipartCPU() throws {
        let profiles = try Captures.ingest("go_ingest_cpu.multipart.bin")
        let ingested = try #require(profiles.first)
        #expect(profiles.count == 1)
        #expect(ingested.service == "pyrotest.goapp")
        #expect(ingested.labels == ["__session_id__": "77e425ea48b3919f", "host": "h1", "region": "eu",
                                    "pyroscope_spy": "gospy"])
        #expect(ingested.seriesName == "process_cpu")
        #expect(ingested.profile.sampleTypes.map(\.description) == ["samples/count", "cpu/nanoseconds"])
        #expect(ingested.profile.total(sampleType: 0) > 0)
        #expect(Self.labelValues(ingested.profile, key: "endpoint") == ["/export"])
        // The pprof's own window (a real time), close to the request's `from`.
        let time = try #require(ingested.timeNanos)
        #expect(abs(time - 1_796_218_139_752_658_198) < 1_000_000_000)
    }

    @Test(arguments: [("go_ingest_heap.multipart.bin", "memory"), ("go_ingest_mutex.multipart.bin", "mutex"),
                      ("go_ingest_goroutines.multipart.bin", "goroutines")])
    func goMultipartOtherTypes(file: String, series: String) throws {
        let ingested = try #require(try Captures.ingest(file).first)
        #expect(ingested.service == "pyrotest.goapp")
        #expect(ingested.seriesName == series)
        #expect(!ingested.profile.sampleTypes.isEmpty)
    }

    @Test func gzipBombIs413() throws {
        var limits = IngestLimits()
        limits.maxInflatedBytes = 1 << 20
        let bomb = Captures.body("bomb-16MiB-folded.gz")
        let push = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.connectPush(contentType: "application/proto", contentEncoding: "gzip", body: bomb,
                                                 limits: limits)
        }
        #expect(push?.status == 413)
        let native = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.native(query: [("service", "api")], body: bomb, limits: limits)
        }
        #expect(native?.status == 413)
        let pprof = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.pyroscopeIngest(query: [("name", "app"), ("format", "pprof")], contentType: nil,
                                                     body: bomb, limits: limits)
        }
        #expect(pprof?.status == 413)
    }

    @Test func bodyOverTheLimitIs413() {
        var limits = IngestLimits()
        limits.maxBodyBytes = 100
        let error = #expect(throws: IngestError.self) { try Captures.push("py_push_cpu.req.bin", limits: limits) }
        #expect(error?.status == 413)
    }

    @Test func truncatedProtobufIs400WithAnOffset() {
        let proto = Captures.body("py_push_cpu.req.decompressed.pb")
        let push = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.connectPush(contentType: "application/proto", contentEncoding: nil,
                                                 body: Array(proto.prefix(1000)), limits: IngestLimits())
        }
        #expect(push?.status == 400)
        // The series' length runs past the end.
        #expect(push?.description == "PushRequest: byte 3: invalid protobuf: length 2282 past the end")
        // A pprof cut short inside: the importer's position.
        let pprof = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.pyroscopeIngest(query: [("name", "app"), ("format", "pprof")], contentType: nil,
                                                     body: Array(Captures.body("py_cpu.raw_profile.pprof").prefix(1700)),  // inside a string of the table
                                                     limits: IngestLimits())
        }
        #expect(pprof?.status == 400)
        #expect(pprof?.description == "body: byte 1700: invalid profile.proto: the field at byte 1687 needs 28 bytes, the input ends after 13")
    }

    @Test func unknownEncodingOrMediaTypeIs415() {
        let body = Captures.body("py_push_cpu.req.bin")
        let encoding = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.connectPush(contentType: "application/proto", contentEncoding: "br", body: body,
                                                 limits: IngestLimits())
        }
        #expect(encoding?.status == 415)
        let media = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.connectPush(contentType: "text/plain", contentEncoding: "gzip", body: body,
                                                 limits: IngestLimits())
        }
        #expect(media?.status == 415)
        let jfr = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.pyroscopeIngest(query: [("name", "app"), ("format", "jfr")],
                                                     contentType: "application/octet-stream", body: Array("x".utf8),
                                                     limits: IngestLimits())
        }
        #expect(jfr?.status == 415)
    }

    /// `format=speedscope` (py-spy's output, as an agent would upload it) is read by the speedscope importer.
    @Test func speedscopeBodyIsAProfile() throws {
        let body = Captures.body("../speedscope/work.sampled.json")
        let profiles = try IngestRequestDecoder.pyroscopeIngest(
            query: [("name", "worker.cpu{host=a}"), ("format", "speedscope"), ("from", "1764000000")],
            contentType: "application/json", body: body, limits: IngestLimits())
        #expect(profiles.count == 1)
        #expect(profiles.first?.service == "worker" && profiles.first?.labels == ["host": "a"])
        #expect(profiles.first?.profile.sourceFormat == "speedscope")
        #expect(profiles.first?.timeNanos == 1_764_000_000_000_000_000)
        let bad = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.pyroscopeIngest(query: [("name", "app"), ("format", "speedscope")],
                                                     contentType: "application/json", body: Array("{}".utf8),
                                                     limits: IngestLimits())
        }
        #expect(bad?.status == 400)
    }

    @Test func emptyOrMalformedPushesAre400() {
        for (type, body, message) in [("application/proto", "", "no profiles received"),
                                      ("application/json", #"{"series":[{"samples":[{"rawProfile":"!!"}]}]}"#,
                                       "series[0].samples[0].rawProfile is not base64"),
                                      ("application/json", #"{"series":{}}"#, "PushRequest JSON: at .series")] {
            let error = #expect(throws: IngestError.self, "\(body)") {
                try IngestRequestDecoder.connectPush(contentType: type, contentEncoding: nil, body: Array(body.utf8),
                                                     limits: IngestLimits())
            }
            #expect(error?.status == 400)
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        }
    }

    @Test func foldedBodyTakesItsTypeFromTheAppName() throws {
        let body = Array("main;work;fib 3\nmain;idle 2\n".utf8)
        let cpu = try #require(try IngestRequestDecoder.pyroscopeIngest(
            query: [("name", "myapp.cpu{env=prod}"), ("from", "1796218135"), ("until", "1796218145"),
                    ("sampleRate", "100"), ("spyName", "rbspy")],
            contentType: "text/plain", body: body, limits: IngestLimits()).first)
        #expect(cpu.service == "myapp")
        #expect(cpu.labels == ["env": "prod", "pyroscope_spy": "rbspy"])
        #expect(cpu.seriesName == "process_cpu")
        #expect(cpu.timeNanos == 1_796_218_135_000_000_000)
        #expect(cpu.durationNanos == 10_000_000_000)
        #expect(cpu.profile.sampleTypes == [.samples])
        #expect(cpu.profile.periodType == ValueType(type: "cpu", unit: "nanoseconds"))
        #expect(cpu.profile.period == 10_000_000)
        #expect(cpu.profile.total(sampleType: 0) == 5)

        let heap = try #require(try IngestRequestDecoder.pyroscopeIngest(
            query: [("name", "myapp.inuse_space"), ("units", "bytes"), ("format", "folded")], contentType: nil,
            body: body, limits: IngestLimits()).first)
        #expect(heap.service == "myapp")
        #expect(heap.seriesName == "memory")
        #expect(heap.profile.sampleTypes == [ValueType(type: "inuse_space", unit: "bytes")])
        #expect(heap.timeNanos == nil)

        // A window wider than Int64 (a date in 1678 to 2262 in ns) has no duration.
        let wide = try #require(try IngestRequestDecoder.pyroscopeIngest(
            query: [("name", "app"), ("from", "16780101"), ("until", "9000000000000000000")], contentType: nil,
            body: body, limits: IngestLimits()).first)
        #expect(wide.durationNanos == nil)

        // Not a profile type: the whole name is the service, the body CPU samples.
        let plain = try #require(try IngestRequestDecoder.pyroscopeIngest(
            query: [("name", "pyrotest.app{service_name=checkout}")], contentType: nil, body: body,
            limits: IngestLimits()).first)
        #expect(plain.service == "checkout")
        #expect(plain.labels == ["app_name": "pyrotest.app"])
    }

    @Test func linesCountOnePerLine() throws {
        let ingested = try #require(try IngestRequestDecoder.pyroscopeIngest(
            query: [("name", "app"), ("format", "lines")], contentType: nil, body: Array("a;b\r\na;b\nc\n\n".utf8),
            limits: IngestLimits()).first)
        #expect(ingested.profile.total(sampleType: 0) == 3)
        #expect(ingested.profile.samples.count == 2)
    }

    @Test func prevProfileAndMissingNameAre400() {
        let form = Array("--b\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\nxx\r\n--b\r\nContent-Disposition: form-data; name=\"prev_profile\"\r\n\r\nyy\r\n--b--\r\n".utf8)
        let previous = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.pyroscopeIngest(query: [("name", "app")], contentType: "multipart/form-data; boundary=b",
                                                     body: form, limits: IngestLimits())
        }
        #expect(previous?.status == 400)
        let missing = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.pyroscopeIngest(query: [], contentType: nil, body: [], limits: IngestLimits())
        }
        #expect(missing?.status == 400)
    }

    @Test func nativeTakesAnyFormat() throws {
        let go = Captures.body("go_ingest_cpu.multipart.bin")
        let form = try MultipartForm(body: go, boundary: "76e40f6210707b501fbf43a9c53da47da35cccfd4568b65b405380db30da")
        let pprof = Array(go[try #require(form.part("profile")).range])  // a gzipped pprof
        let ingested = try #require(try IngestRequestDecoder.native(
            query: [("service", "api"), ("label", "host:h1"), ("label", "canary:true"), ("time", "2026-11-20T10:30:00Z")],
            body: pprof, limits: IngestLimits()).first)
        #expect(ingested.service == "api")
        #expect(ingested.labels == ["host": "h1", "canary": "true"])
        #expect(ingested.timeNanos == 1_795_170_600_000_000_000)
        #expect(ingested.profile.sampleTypes.count == 2)

        let folded = try #require(try IngestRequestDecoder.native(
            query: [("service", "api"), ("time", "1796218135000")], body: Array("a;b 7\n".utf8),
            limits: IngestLimits()).first)
        #expect(folded.timeNanos == 1_796_218_135_000_000_000)
        #expect(folded.profile.total(sampleType: 0) == 7)

        let noService = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.native(query: [], body: Array("a 1\n".utf8), limits: IngestLimits())
        }
        #expect(noService?.status == 400)
        let garbage = #expect(throws: IngestError.self) {
            try IngestRequestDecoder.native(query: [("service", "api")], body: Array("\u{1}\u{2}garbage".utf8),
                                            limits: IngestLimits())
        }
        #expect(garbage?.status == 400)
    }
}
