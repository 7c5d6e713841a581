import Foundation
import PyrometerModel
import PyrometerRender
import PyrometerStore

/// `api/v1/trend?service=&type=&function=`: the store's per-week trend of one function (`pyrometer store trend`).
/// `type` defaults to the service's default sample type, as a range's does.
struct TrendRequest: Sendable {
    var service: String
    var sampleType: String?
    /// A frame's name as stored (the full name: the top table's names).
    var function: String

    static let parameters: Set<String> = ["service", "type", "function"]

    init(_ parameters: QueryParameters) throws(QueryError) {
        guard let service = try parameters.single("service") else { throw .badRequest("parameter 'service' is required") }
        guard let function = try parameters.single("function") else { throw .badRequest("parameter 'function' is required") }
        guard !function.contains(";") else { throw .badRequest("a function name cannot contain ';' (the stack separator)") }
        (self.service, self.function) = (service, function)
        sampleType = try parameters.single("type")
    }
}

/// `{service, sampleType, unit, countName, function, points: [{week, from, to, value, total, share}]}`: per ISO
/// week with profiles, the value of the stacks through the function, the week's total and the function's share of
/// it (0 to 1), oldest first.
struct TrendJSON: Encodable {
    struct Point: Encodable {
        var week: String, from: String, to: String
        var value: Int64, total: Int64, share: Double
    }

    var service: String, sampleType: String, unit: String, countName: String, function: String
    var points: [Point]

    static func encode(_ request: TrendRequest, from store: ProfileStore) throws -> [UInt8] {
        let pairs = [("service", request.service)] + (request.sampleType.map { [("type", $0)] } ?? [])
        let range = try RangeRequest(QueryParameters(pairs: pairs.map { (name: $0.0, value: $0.1) }), nowNanos: 0)
        // The sample type settled as a range settles it (and an unknown service or type named), over all time.
        guard let profiles = try RangeProfile.matching(range, from: store) else {
            throw QueryError.notFound("no profiles of service '\(request.service)' in the store")
        }
        let points = try store.trend(service: request.service, sampleType: profiles.type, function: request.function)
        let trend = TrendJSON(
            service: request.service, sampleType: profiles.type, unit: profiles.unit,
            countName: FlamegraphOptions.countName(forUnit: profiles.unit), function: request.function,
            points: points.map { point in
                Point(week: point.week.label, from: StoreTime.format(point.week.startNanos),
                      to: StoreTime.format(point.week.next.startNanos), value: point.value, total: point.total,
                      share: (point.share * 1e6).rounded() / 1e6)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(trend))
    }
}
