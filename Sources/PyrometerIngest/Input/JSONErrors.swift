/// JSON formats' decoding errors in words, shared by the importers that decode a whole document (DHAT, speedscope).
enum JSONErrors {
    /// What was wrong and where (the key path, or the JSON parser's line and column).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at " + context.codingPath.map { key in
                key.intValue.map { "[\($0)]" } ?? "." + key.stringValue
            }.joined()
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field \"\(key.stringValue)\"\(path(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return context.debugDescription + path(context)
        case let .dataCorrupted(context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return context.debugDescription + path(context) + underlying
        @unknown default: return "\(error)"
        }
    }
}
