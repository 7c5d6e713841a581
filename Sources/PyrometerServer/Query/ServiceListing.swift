import PyrometerModel
import PyrometerStore

/// `GET api/v1/services`: what the store holds, per service. A stored profile is one sample type of one input, so
/// "profiles" counts inputs (their default sample type's rows: a Go heap profile pushed once counts once, not four
/// times), and each sample type says how many inputs carry it.
struct ServiceListing: Encodable {
    struct Service: Encodable {
        var name: String
        var profiles: Int
        var sampleTypes: [SampleType]
        var weeks: [Week]
        /// Label keys and their values (at most `maxLabelValues` each), for narrowing a view.
        var labels: [String: [String]]
        var first: String
        var last: String
    }

    struct SampleType: Encodable {
        var type: String
        var unit: String
        var profiles: Int
        /// Whether it is the default sample type of most inputs that carry it (the UI's first choice).
        var isDefault: Bool
    }

    struct Week: Encodable {
        var week: String
        /// The week's first instant and the next week's, as `from`/`to` take them.
        var from: String
        var to: String
        var profiles: Int
    }

    var services: [Service]

    static let maxLabelValues = 50

    init(_ profiles: [StoredProfile]) {
        let byService = Dictionary(grouping: profiles, by: \.service)
        services = byService.keys.sorted().map { name in
            let rows = byService[name]!
            let inputs = rows.filter(\.isDefault)
            let types = Dictionary(grouping: rows, by: \.sampleType).map { type, rows in
                SampleType(type: type, unit: rows[0].unit, profiles: rows.count,
                           isDefault: 2 * rows.filter(\.isDefault).count > rows.count)
            }
            let weeks = Dictionary(grouping: inputs, by: \.isoWeek).sorted { $0.key < $1.key }.map { week, rows in
                Week(week: week.label, from: StoreTime.format(week.startNanos), to: StoreTime.format(week.next.startNanos),
                     profiles: rows.count)
            }
            var labels: [String: Set<String>] = [:]
            for row in rows {
                for (key, value) in row.labels where labels[key, default: []].count < Self.maxLabelValues {
                    labels[key, default: []].insert(value)
                }
            }
            let times = rows.map(\.timeNanos)
            return Service(name: name, profiles: inputs.count,
                           sampleTypes: types.sorted { ($0.isDefault ? 0 : 1, $0.type) < ($1.isDefault ? 0 : 1, $1.type) },
                           weeks: weeks, labels: labels.mapValues { $0.sorted() },
                           first: StoreTime.format(times.min()!), last: StoreTime.format(times.max()!))
        }
    }
}
