import Hummingbird
import PyrometerServe

/// Refuses writes without the server's token (401), before their bodies are read. Reads stay open: the UI and its
/// queries serve whoever can reach the address, which is loopback unless `--listen` says otherwise.
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response {
        guard request.method == .post || request.method == .put || request.method == .delete else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], Self.credential(header).map(matches) == true else {
            // JSON with Connect's code: the Connect clients log it, the others read the status.
            return IngestRoutes.response(.http(IngestError(status: 401, "this server takes pushes with its token "
                + "only: send 'Authorization: Bearer TOKEN', or basic auth with the token as the password")))
        }
        return try await next(request, context)
    }

    /// The secret of an Authorization header: a Bearer token, or the password of Basic credentials.
    static func credential(_ header: String) -> [UInt8]? {
        if header.hasPrefix("Bearer ") { return Array(header.utf8.dropFirst("Bearer ".utf8.count)) }
        guard header.hasPrefix("Basic "), let decoded = Base64.decode(header.dropFirst("Basic ".count)),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return Array(decoded[decoded.index(after: colon)...])
    }

    /// Compares in time that depends on the lengths only, never on where the first difference is.
    func matches(_ candidate: [UInt8]) -> Bool {
        var difference = UInt8(candidate.count == token.count ? 0 : 1)
        for index in 0 ..< max(candidate.count, token.count) {
            let left = index < candidate.count ? candidate[index] : 0
            let right = index < token.count ? token[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}

/// RFC 4648 base64, for Basic credentials.
enum Base64 {
    static func decode(_ text: Substring) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A") ... UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a") ... UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}
