import Foundation
import Hummingbird
import PyrometerModel
import PyrometerServe
import PyrometerStore

/// The push endpoints: Pyroscope's `/ingest` (pyroscope-go and other agents), its Connect `Push` (Grafana Alloy,
/// pyroscope-rs and the clients built on it) and ours, `/api/v1/profiles`. Each reads the body up to the size
/// limit, decodes it with `IngestRequestDecoder` and stores every profile of it or none; routing only.
struct IngestRoutes: Sendable {
    let writer: ProfileWriter
    let limits: IngestLimits

    func add(to router: some RouterMethods<BasicRequestContext>) {
        router.post("api/v1/profiles") { request, _ in
            await self.ingest(request, source: "push", errors: IngestErrorResponse.http) {
                (body: [UInt8]) throws(IngestError) -> [IngestedProfile] in
                try IngestRequestDecoder.native(query: try Self.query(request), body: body, limits: limits)
            } reply: { stored in
                try Self.json(StoredList(added: stored.map(StoredEntry.init)))
            }
        }
        for path in ["ingest", "pyroscope/ingest"] {
            router.post(RouterPath(path)) { request, _ in
                await self.ingest(request, source: "pyroscope-ingest", errors: IngestErrorResponse.http) {
                    (body: [UInt8]) throws(IngestError) -> [IngestedProfile] in
                    try IngestRequestDecoder.pyroscopeIngest(query: try Self.query(request),
                                                             contentType: request.headers[.contentType],
                                                             body: body, limits: limits,
                                                             receivedAtNanos: Int64(Date().timeIntervalSince1970 * 1e9))
                } reply: { _ in Response(status: .ok) }
            }
        }
        router.post("push.v1.PusherService/Push") { request, _ in
            await self.ingest(request, source: "connect-push", errors: IngestErrorResponse.connect) {
                (body: [UInt8]) throws(IngestError) -> [IngestedProfile] in
                // Optional, but when sent it must be 1 (connect-go answers any other with invalid_argument).
                if let version = request.headers.first(where: { $0.name.canonicalName == "connect-protocol-version" })?.value,
                   version != "1" {
                    throw .badRequest("Connect-Protocol-Version \(version) is not supported (1 is)")
                }
                return try IngestRequestDecoder.connectPush(contentType: request.headers[.contentType],
                                                     contentEncoding: request.headers[.contentEncoding],
                                                     body: body, limits: limits)
            } reply: { _ in
                // Connect's empty PushResponse, in the request's encoding.
                let isJSON = request.headers[.contentType]?.hasPrefix("application/json") == true
                return Response(status: .ok, headers: [.contentType: isJSON ? "application/json" : "application/proto"],
                                body: .init(byteBuffer: ByteBuffer(string: isJSON ? "{}" : "")))
            }
        }
    }

    /// Reads, decodes and stores one push; a failure at any step is answered by `errors` and stores nothing.
    private func ingest(_ request: Request, source: String, errors: (IngestError) -> IngestErrorResponse,
                        decode: @escaping @Sendable ([UInt8]) throws(IngestError) -> [IngestedProfile],
                        reply: ([StoredProfile]) throws -> Response) async -> Response {
        do {
            let body: [UInt8]
            do {
                body = Array(try await request.body.collect(upTo: limits.maxBodyBytes).readableBytesView)
            } catch let error as HTTPResponseError where error.status == .contentTooLarge {
                throw IngestError.tooLarge("the body is over this server's limit of \(limits.maxBodyBytes) bytes "
                                           + "(serve --max-body-size)")
            }
            let pushKey = try Self.pushKey(request, body: body)
            let profiles = try await Self.offThePool { () throws(IngestError) in try decode(body) }
            let (stored, replayed) = try await writer.add(profiles, source: source, pushKey: pushKey)
            var response = try reply(stored)
            // Says that the answer is the first attempt's and nothing was stored now (Stripe's name for it).
            if replayed { response.headers.append(.init(name: .init("Idempotent-Replayed")!, value: "true")) }
            return response
        } catch let error as IngestError {
            return Self.response(errors(error))
        } catch let error as PushKeyReused {
            return Self.response(errors(IngestError(status: 422, error.description)))
        } catch {
            // The store failed (disk full, ClickHouse down): the client may retry later.
            return Self.response(errors(IngestError(status: 503, "the store did not take the profile: \(error)")))
        }
    }

    /// The request's `Idempotency-Key`, with a digest of its path, query and body: a retry sends all of them
    /// unchanged, and the same key with anything else is a reused key.
    static func pushKey(_ request: Request, body: [UInt8]) throws(IngestError) -> PushKey? {
        guard let header = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value else {
            return nil
        }
        let target = request.uri.path + "?" + (request.uri.query ?? "")
        let key = try RequestHeaders.idempotencyKey(header)
        let seed = StableHash.hash(target, seed: 0)
        return PushKey(key: key, digest: body.withUnsafeBytes { StableHash.hash($0, seed: seed) })
    }

    /// Runs `work` (decoding: a large body takes seconds) on a Dispatch thread, not on one of Swift concurrency's
    /// few, which every other request needs meanwhile.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws(IngestError) -> T) async throws(IngestError) -> T {
        let result: Result<T, IngestError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(IngestError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    static func response(_ error: IngestErrorResponse) -> Response {
        Response(status: .init(code: error.status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: error.body)))
    }

    /// The query's pairs, each decoded once (`QueryParameters`): Hummingbird's `queryParameters` has decoded the
    /// values already, and decoding them again turned a literal `%41` in a label into `A`.
    static func query(_ request: Request) throws(IngestError) -> [(String, String)] {
        do {
            return try QueryParameters(request.uri.query).pairs.map { ($0.name, $0.value) }
        } catch {
            throw .badRequest(error.message)
        }
    }

    struct StoredList: Encodable { var added: [StoredEntry] }

    struct StoredEntry: Encodable {
        var id: Int64, service: String, labels: [String: String], sampleType: String, unit: String, timeNanos: Int64
        init(_ stored: StoredProfile) {
            (id, service, labels, sampleType, unit, timeNanos) = (stored.id, stored.service, stored.labels,
                                                                  stored.sampleType, stored.unit, stored.timeNanos)
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
