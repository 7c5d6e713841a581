import PyrometerServe
import Testing

/// The small parsers of the ingest requests, on their edges.
struct ParserTests {
    @Test func appNames() throws {
        let name = try PyroscopeAppName(parsing: " pyrotest.goapp{__session_id__=77e4, host = h1,region=eu=x,} ")
        #expect(name.name == "pyrotest.goapp")
        #expect(name.labels.map(\.key) == ["__session_id__", "host", "region"])
        #expect(name.labels.map(\.value) == ["77e4", "h1", "eu=x"])
        #expect(try PyroscopeAppName(parsing: "app.alloc_objects").serviceAndType == ("app", .allocObjects))
        #expect(try PyroscopeAppName(parsing: "app.web").serviceAndType.type == nil)
        #expect(try PyroscopeAppName(parsing: ".cpu").serviceAndType == (".cpu", nil))
        for (text, fragment) in [("", "empty"), ("a b", "byte 1"), ("app{k=v", "never closed"), ("app{k}", "no `=`"),
                                 ("app{k-1=v}", "invalid label name"), ("app{k=v}x", "after `}`"),
                                 ("app{k=1,k=2}", "twice")] {
            let error = #expect(throws: IngestError.self, "\(text)") { try PyroscopeAppName(parsing: text) }
            #expect(error?.status == 400)
            #expect(error?.description.contains(fragment) == true, "\(text): \(error?.description ?? "")")
        }
    }

    @Test func timesByDigitCount() throws {
        #expect(try PyroscopeTime.parse("1796218135", now: nil) == 1_796_218_135_000_000_000)
        #expect(try PyroscopeTime.parse("1796218135123", now: nil) == 1_796_218_135_123_000_000)
        #expect(try PyroscopeTime.parse("1796218135123456", now: nil) == 1_796_218_135_123_456_000)
        #expect(try PyroscopeTime.parse("1796218139752658198", now: nil) == 1_796_218_139_752_658_198)
        #expect(try PyroscopeTime.parse("1_796_218_135", now: nil) == 1_796_218_135_000_000_000)
        #expect(try PyroscopeTime.parse("20261202", now: nil) == 1_796_169_600_000_000_000)  // a date: midnight UTC
        #expect(try PyroscopeTime.parse("20261399", now: nil) == 20_261_399_000_000_000)  // not a date: seconds
        #expect(try PyroscopeTime.parse("", now: nil) == nil)
        #expect(try PyroscopeTime.parse("now-1h", now: 10_000_000_000_000) == 10_000_000_000_000 - 3_600_000_000_000)
        #expect(try PyroscopeTime.parse("now", now: 5) == 5)
        // 10130601 is a date before 1678, past Int64 nanoseconds: found by the ingest-time fuzz target.
        for bad in ["now-1h", "12345678901234567890", "9999999999999999", "yesterday", "now-99999999999y", "now-1q",
                    "10130601"] {
            let error = #expect(throws: IngestError.self, "\(bad)") {
                try PyroscopeTime.parse(bad, now: bad == "now-1h" ? nil : 0)
            }
            #expect(error?.status == 400)
        }
    }

    @Test func multipartEdges() throws {
        #expect(try MultipartForm.boundary(contentType: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(try MultipartForm.boundary(contentType: "application/octet-stream") == nil)
        #expect(throws: IngestError.self) { try MultipartForm.boundary(contentType: "multipart/form-data") }
        // LF line ends and a preamble, as Go's reader accepts.
        let lf = Array("preamble\n--x\nContent-Disposition: form-data; name=\"profile\"; filename=\"p.pprof\"\n\nAB\n--x--\n".utf8)
        let form = try MultipartForm(body: lf, boundary: "x")
        #expect(form.parts.count == 1)
        #expect(form.part("profile")?.filename == "p.pprof")
        #expect(form.part("profile").map { Array(lf[$0.range]) } == Array("AB".utf8))
        let truncated = Array("--x\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\nAB".utf8)
        let error = #expect(throws: IngestError.self) { try MultipartForm(body: truncated, boundary: "x") }
        #expect(error?.description.contains("byte 55") == true, "\(error?.description ?? "")")
    }

    @Test func connectErrorBodies() {
        let response = IngestErrorResponse.connect(IngestError(status: 413, "too \"big\"\n"))
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self)
            == #"{"code":"invalid_argument","message":"too \"big\"\n"}"#)
        let legacy = IngestErrorResponse.http(IngestError(status: 413, "x"))
        #expect(legacy.status == 413)
        #expect(ConnectCode(httpStatus: 401) == .unauthenticated)
        #expect(ConnectCode.resourceExhausted.httpStatus == 429)
        #expect(ConnectCode.allCases.allSatisfy { ConnectCode(httpStatus: $0.httpStatus).httpStatus == $0.httpStatus })
    }

    /// `Idempotency-Key` as clients send it: a Structured Fields string or a bare token; anything else is a 400.
    @Test func idempotencyKeys() throws {
        #expect(try RequestHeaders.idempotencyKey("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"") == "8e03978e-40d5-43e8-bc93-6894a57f9324")
        #expect(try RequestHeaders.idempotencyKey("  abc-123 ") == "abc-123")
        #expect(try RequestHeaders.idempotencyKey(String(repeating: "k", count: 255)).count == 255)
        for bad in ["", "\"", "\"\"", "a\"b", "a\\b", "a b", "caf\u{e9}", "tab\there", String(repeating: "k", count: 256)] {
            let error = #expect(throws: IngestError.self, "\(bad)") { try RequestHeaders.idempotencyKey(bad) }
            #expect(error?.status == 400)
        }
    }

    /// `Accept-Encoding` weights: gzip named with q > 0, or `*` when gzip is not named.
    @Test func acceptEncodings() {
        let cases: [([String], Bool)] = [
            (["gzip, deflate, br"], true), (["br;q=1.0, gzip;q=0.5"], true), (["*"], true), (["GZIP"], true),
            (["x-gzip"], true), (["gzip;q=0"], false), (["gzip; q=0.000"], false), (["identity"], false),
            (["*, gzip;q=0"], false), (["gzip;q=0", "*"], false), ([], false), (["br", "gzip"], true),
            (["gzip;q=bogus"], false), ([";;,,"], false),
        ]
        for (values, expected) in cases {
            #expect(RequestHeaders.acceptsGzip(values) == expected, "\(values)")
        }
    }
}
