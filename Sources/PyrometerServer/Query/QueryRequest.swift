import PyrometerModel
import PyrometerServe
import PyrometerStore

/// A read request's failure: its HTTP status and `{code, message}` body (the shape the push endpoints answer with).
struct QueryError: Error, Sendable {
    var status: Int
    var code: String
    var message: String

    static func badRequest(_ message: String) -> QueryError { QueryError(status: 400, code: "invalid_argument", message: message) }
    static func notFound(_ message: String) -> QueryError { QueryError(status: 404, code: "not_found", message: message) }
}

/// A request's query string as ordered name-value pairs, each decoded once: `%XX` escapes, and `+` as a space (what
/// browsers' forms and `URLSearchParams` send). Hummingbird's `queryParameters` decodes values but not names and
/// leaves `+` alone.
struct QueryParameters: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    init(_ query: String?) throws(QueryError) {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&") {
            let equals = part.firstIndex(of: "=")
            let name = try Self.decoded(part[..<(equals ?? part.endIndex)])
            var value = ""
            if let equals { value = try Self.decoded(part[part.index(after: equals)...]) }
            pairs.append((name, value))
        }
    }

    /// Pairs built rather than parsed: one side of a diff (DiffRequest).
    init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The one value of `name` (nil when absent or empty); given twice is an error.
    func single(_ name: String) throws(QueryError) -> String? {
        let found = values(name)
        guard found.count <= 1 else { throw .badRequest("parameter '\(name)' is given \(found.count) times") }
        return found.first.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The value of `name` as one of `Choice`'s cases (`format=svg`), `value` when absent.
    func choice<Choice: CaseIterable & RawRepresentable>(_ name: String, default value: Choice) throws(QueryError) -> Choice
        where Choice.RawValue == String {
        guard let text = try single(name) else { return value }
        guard let choice = Choice(rawValue: text) else {
            throw .badRequest("\(name) '\(text.prefix(32))' is not one of "
                              + Choice.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return choice
    }

    /// Refuses names outside `allowed`: a misspelt `servce=` should not silently widen the query.
    func check(allowed: Set<String>) throws(QueryError) {
        if let unknown = pairs.first(where: { !allowed.contains($0.name) }) {
            throw .badRequest("unknown parameter '\(unknown.name.prefix(64))' (this endpoint takes: "
                              + allowed.sorted().joined(separator: ", ") + ")")
        }
    }

    private static func decoded(_ text: Substring) throws(QueryError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard rest.count >= 2, let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) else {
                    throw .badRequest("query string: % must be followed by two hex digits")
                }
                bytes.append(value)
                rest = rest.dropFirst(2)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What a flame graph, top table or download shows: a service's profiles of one sample type in a time range,
/// optionally narrowed by labels. `service` is required; `type` defaults to the profiles' default sample type.
struct RangeRequest: Sendable {
    var query = ProfileQuery()
    /// Rows of the top table (findings are listed whatever their rank).
    var top = 100
    /// The most flame graph nodes sent; 0 sends all (narrow frames past it are dropped, widest kept).
    var maxNodes = 0

    static let parameters: Set<String> = ["service", "type", "from", "to", "week", "label"]

    /// Parses `service`, `type`, `from`, `to` (a store time such as `2026-11-20T10:30:00Z`, `2026-W47` or Unix
    /// seconds; or relative to `now`: `now-1h`, `now-7d`), `week` (repeatable) and `label=key:value` (repeatable).
    init(_ parameters: QueryParameters, nowNanos: Int64) throws(QueryError) {
        guard let service = try parameters.single("service") else { throw .badRequest("parameter 'service' is required") }
        query.service = service
        query.sampleType = try parameters.single("type")
        query.fromNanos = try parameters.single("from").map { text throws(QueryError) in try Self.time(text, now: nowNanos) }
        query.toNanos = try parameters.single("to").map { text throws(QueryError) in try Self.time(text, now: nowNanos) }
        if let from = query.fromNanos, let to = query.toNanos, to <= from {
            throw .badRequest("'to' (\(StoreTime.format(to))) is not after 'from' (\(StoreTime.format(from)))")
        }
        for text in parameters.values("week") {
            guard let week = IsoWeek(label: text) else { throw .badRequest("week '\(text.prefix(64))' is not an ISO week such as 2026-W47") }
            query.weeks.append(week)
        }
        for text in parameters.values("label") {
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
                throw .badRequest("label '\(text.prefix(64))' is not key:value")
            }
            let key = String(text[..<colon])
            guard query.labels[key] == nil else { throw .badRequest("label '\(key.prefix(64))' is given twice") }
            query.labels[key] = String(text[text.index(after: colon)...])
        }
    }

    /// `top=` (table rows, default 100) and `maxNodes=` (flame graph frames, default 0: all), as the flame graph and
    /// the diff take them.
    static func sizes(_ parameters: QueryParameters) throws(QueryError) -> (top: Int, maxNodes: Int) {
        (try integer(parameters, "top", default: 100, in: 1 ... 10_000),
         try integer(parameters, "maxNodes", default: 0, in: 0 ... 100_000_000))
    }

    static func integer(_ parameters: QueryParameters, _ name: String, default value: Int,
                        in range: ClosedRange<Int>) throws(QueryError) -> Int {
        guard let text = try parameters.single(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest("parameter '\(name)' must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// `now`-relative times as Pyroscope writes them (`PyroscopeTime`); anything else as the store's CLI takes it.
    static func time(_ text: String, now: Int64) throws(QueryError) -> Int64 {
        if text.hasPrefix("now") {
            do {
                return try PyroscopeTime.parse(text, now: now) ?? now
            } catch {
                throw .badRequest(error.description)
            }
        }
        do {
            return try StoreTime.parse(text)
        } catch {
            throw .badRequest("\(error)")
        }
    }

    /// For file names and titles: `api cpu 2026-11-20T10:00:00Z..2026-11-20T11:00:00Z`.
    var summary: String {
        var parts = [query.service ?? "", query.sampleType ?? ""]
        if query.fromNanos != nil || query.toNanos != nil {
            parts.append((query.fromNanos.map(StoreTime.format) ?? "") + ".." + (query.toNanos.map(StoreTime.format) ?? ""))
        }
        parts += query.weeks.map(\.label)
        parts += query.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
