import Hummingbird
import PyrometerRender

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

    /// Whether `Accept-Encoding` allows gzip: named with a non-zero weight, or `*` when gzip is not named.
    static func acceptsGzip(_ request: Request) -> Bool {
        var gzip: Bool?, any = false
        for field in request.headers where field.name.canonicalName == "accept-encoding" {
            for item in field.value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = parts.first else { continue }
                let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                if coding == "gzip" || coding == "x-gzip" { gzip = weight > 0 } else if coding == "*" { any = weight > 0 }
            }
        }
        return gzip ?? any
    }
}
