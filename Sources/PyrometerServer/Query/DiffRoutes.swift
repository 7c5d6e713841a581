import Hummingbird
import PyrometerRender

/// The comparing reads (docs/serve.md § Query API): `api/v1/diff` (two ranges' significance-tested diff with their
/// differential flame graph), `api/v1/diff/render` (the same as a file) and `api/v1/trend` (a function per week).
struct DiffRoutes: Sendable {
    let reader: ProfileReader

    /// `api/v1/diff/render?...&format=`: `pyrometer diff`'s outputs.
    enum Format: String, CaseIterable {
        /// `--svg`: the differential flame graph.
        case svg
        /// `--format json` / `markdown` / `text`: the table, every function.
        case json, markdown, text

        var contentType: String {
            switch self {
            case .svg: "image/svg+xml"
            case .json: "application/json"
            case .markdown: "text/markdown; charset=utf-8"
            case .text: "text/plain; charset=utf-8"
            }
        }

        func bytes(_ diff: RangeDiff, request: DiffRequest) -> [UInt8] {
            switch self {
            case .svg: diff.svg(request)
            case .json: DiffExporter(format: .json, limit: 0).export(diff.report)
            case .markdown: DiffExporter(format: .markdown, limit: 0).export(diff.report)
            case .text: DiffExporter(format: .text, limit: 0).export(diff.report)
            }
        }

        var fileExtension: String { self == .markdown ? "md" : self == .text ? "txt" : rawValue }
    }

    func add(to router: some RouterMethods<BasicRequestContext>) {
        router.get("api/v1/diff") { request, _ in
            await QueryRoutes.answer {
                let parameters = try QueryParameters(request.uri.query)
                try parameters.check(allowed: DiffRequest.parameters.union(["top", "maxNodes"]))
                var diff = try DiffRequest(parameters, nowNanos: QueryRoutes.now())
                (diff.top, diff.maxNodes) = try RangeRequest.sizes(parameters)
                let (request, gzip) = (diff, EncodedBody.acceptsGzip(request))
                let json = try await reader.read { store in
                    EncodedBody(DiffJSON.encode(try RangeDiff.load(request, from: store), request: request), gzip: gzip)
                }
                return QueryRoutes.response(json, contentType: "application/json")
            }
        }
        router.get("api/v1/diff/render") { request, _ in
            await QueryRoutes.answer {
                let parameters = try QueryParameters(request.uri.query)
                try parameters.check(allowed: DiffRequest.parameters.union(["format"]))
                let diff = try DiffRequest(parameters, nowNanos: QueryRoutes.now())
                let format = try parameters.choice("format", default: Format.svg)
                let gzip = EncodedBody.acceptsGzip(request)
                let bytes = try await reader.read { store in
                    EncodedBody(format.bytes(try RangeDiff.load(diff, from: store), request: diff), gzip: gzip)
                }
                var response = QueryRoutes.response(bytes, contentType: format.contentType)
                response.headers[.contentDisposition] = "attachment; filename=\""
                    + Download.safeName("\(diff.base.query.service ?? "profile")-diff") + ".\(format.fileExtension)\""
                return response
            }
        }
        router.get("api/v1/trend") { request, _ in
            await QueryRoutes.answer {
                let parameters = try QueryParameters(request.uri.query)
                try parameters.check(allowed: TrendRequest.parameters)
                let trend = try TrendRequest(parameters)
                let json = try await reader.read { store in try TrendJSON.encode(trend, from: store) }
                return QueryRoutes.response(json, contentType: "application/json")
            }
        }
    }
}
