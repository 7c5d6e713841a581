import Foundation
import Hummingbird
import PyrometerModel
import PyrometerStore

/// The read-only JSON API the web UI draws from (docs/serve.md § Query API): services, a range's flame graph with
/// its top table and findings, and downloads. GET only, under the same `--base-path` as the push endpoints.
/// Errors are `{"code", "message"}`: 400 for a bad query, 404 for an unknown service, 503 when the store fails.
struct QueryRoutes: Sendable {
    let reader: ProfileReader

    func add(to router: some RouterMethods<BasicRequestContext>) {
        DiffRoutes(reader: reader).add(to: router)
        router.get("api/v1/services") { request, _ in
            await Self.answer {
                try QueryParameters(request.uri.query).check(allowed: [])
                let listing = try await reader.read { store in ServiceListing(try store.list(ProfileQuery())) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return Self.response(Array(try encoder.encode(listing)), contentType: "application/json")
            }
        }
        router.get("api/v1/flamegraph") { request, _ in
            await Self.answer {
                let parameters = try QueryParameters(request.uri.query)
                try parameters.check(allowed: RangeRequest.parameters.union(["top", "maxNodes"]))
                var range = try RangeRequest(parameters, nowNanos: Self.now())
                (range.top, range.maxNodes) = try RangeRequest.sizes(parameters)
                let (request, gzip) = (range, EncodedBody.acceptsGzip(request))
                let json = try await reader.read { store in
                    EncodedBody(FlameGraphJSON.encode(try RangeProfile.load(request, from: store), request: request),
                                gzip: gzip)
                }
                return Self.response(json, contentType: "application/json")
            }
        }
        router.get("api/v1/render") { request, _ in
            await Self.answer {
                let parameters = try QueryParameters(request.uri.query)
                try parameters.check(allowed: RangeRequest.parameters.union(["format"]))
                let range = try RangeRequest(parameters, nowNanos: Self.now())
                let format = try parameters.choice("format", default: Download.svg)
                let gzip = EncodedBody.acceptsGzip(request)
                let (bytes, disposition) = try await reader.read { store in
                    guard let profile = try RangeProfile.load(range, from: store) else {
                        throw QueryError.notFound("no profiles of '\(range.summary)' in range")
                    }
                    return (EncodedBody(format.bytes(profile, request: range), gzip: gzip),
                            format.disposition(profile, request: range))
                }
                var response = Self.response(bytes, contentType: format.contentType)
                response.headers[.contentDisposition] = disposition
                return response
            }
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    /// Runs a handler, answering its `QueryError` with that status and any other error (the store's) with 503.
    static func answer(_ handler: () async throws -> Response) async -> Response {
        do {
            return try await handler()
        } catch let error as QueryError {
            return errorResponse(error)
        } catch {
            return errorResponse(QueryError(status: 503, code: "unavailable", message: "the store failed: \(error)"))
        }
    }

    static func errorResponse(_ error: QueryError) -> Response {
        var json = JSONBytes()
        json.raw("{")
        json.field("code", error.code)
        json.field("message", error.message)
        json.raw("}\n")
        return response(json.bytes, contentType: "application/json", status: .init(code: error.status))
    }

    /// `response`, gzip'd when `body` is.
    static func response(_ body: EncodedBody, contentType: String) -> Response {
        var response = response(body.bytes, contentType: contentType)
        response.headers[.vary] = "Accept-Encoding"
        if body.isGzip { response.headers[.contentEncoding] = "gzip" }
        return response
    }

    /// The data changes with every push, and is never to be sniffed as anything but what it says it is.
    static func response(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status,
                 headers: [.contentType: contentType, .cacheControl: "no-store", .xContentTypeOptions: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
