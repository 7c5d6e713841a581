import Hummingbird
import PyrometerRender
import PyrometerServe

/// gzip for the read API's answers when the client accepts it (RFC 9110 § 12.5.3). A 100k-stack flame graph is
/// megabytes of JSON, mostly digits and repeated names: 4.9 MB went out as 1.8 MB at zlib's fastest level, in no
/// more time on loopback. Compressed where the answer is made, on the reader's threads, not on the event loop.
struct EncodedBody: Sendable {
    var bytes: [UInt8]
    var isGzip: Bool

    /// Smaller answers are sent as they are: compressing them saves less than a packet.
    static let minimumBytes = 1400

    init(_ bytes: [UInt8], gzip accepted: Bool) {
        if accepted && bytes.count >= Self.minimumBytes {
            (self.bytes, isGzip) = (Gzip.compress(bytes, level: Gzip.fastest), true)
        } else {
            (self.bytes, isGzip) = (bytes, false)
        }
    }

    /// Whether the request's `Accept-Encoding` allows gzip (`RequestHeaders.acceptsGzip`).
    static func acceptsGzip(_ request: Request) -> Bool {
        RequestHeaders.acceptsGzip(request.headers.filter { $0.name.canonicalName == "accept-encoding" }.map(\.value))
    }
}
