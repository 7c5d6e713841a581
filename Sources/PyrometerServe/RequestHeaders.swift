/// The request headers the ingest and query endpoints interpret beyond content type and encoding, parsed from their
/// text alone (no HTTP types), so that the fuzz target `request-headers` runs them as the server does.
public enum RequestHeaders {
    /// `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): a Structured Fields string (`"…"`, as the
    /// draft writes it) or the bare token most clients send. The key is printable ASCII without spaces, quotes or
    /// backslashes, 1 to `maxKeyLength` characters; anything else is a 400.
    public static func idempotencyKey(_ header: String) throws(IngestError) -> String {
        var text = Substring(header)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        if text.utf8.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
        // Quotes and backslashes would need a Structured Fields escape; no client puts them in a key.
        let allowed = { (byte: UInt8) in (0x21 ... 0x7E).contains(byte) && byte != 0x22 && byte != 0x5C }
        guard !text.isEmpty, text.utf8.count <= maxKeyLength, text.utf8.allSatisfy(allowed) else {
            throw .badRequest("Idempotency-Key must be 1 to \(maxKeyLength) printable ASCII characters without spaces, "
                              + "quotes or backslashes (a UUID is usual)")
        }
        return String(text)
    }

    /// Longer keys are refused: a UUID is 36 characters, and the key is stored with every push.
    public static let maxKeyLength = 255

    /// Whether `Accept-Encoding` (each field's value, RFC 9110 § 12.5.3) allows gzip: named with a non-zero
    /// weight, or `*` when gzip is not named. No header means no.
    public static func acceptsGzip(_ acceptEncoding: [String]) -> Bool {
        var gzip: Bool?, any = false
        for value in acceptEncoding {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
                guard let coding = parts.first else { continue }
                let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.map { Double($0.dropFirst(2)) ?? 0 } ?? 1
                if coding == "gzip" || coding == "x-gzip" { gzip = weight > 0 } else if coding == "*" { any = weight > 0 }
            }
        }
        return gzip ?? any
    }
}
