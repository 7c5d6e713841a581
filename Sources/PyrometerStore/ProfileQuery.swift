import PyrometerModel

/// Which stored profiles to read: `service=api,week=2026-W47,host=canary-1` (every part must match).
///
/// Keywords: `id` (repeatable), `service`, `type` (sample type), `source` (the input's file name), `week` (ISO week,
/// repeatable: any of them),
/// `from` and `to` (times, `to` exclusive; a date alone means its start), and `default` (`true`: only each
/// input's default sample type). Any other key is a label. Values with a `,` or `=` write them as `%2C`, `%3D`
/// (and `%` as `%25`).
public struct ProfileQuery: Equatable, Sendable, CustomStringConvertible {
    public var ids: [Int64] = []
    public var service: String?
    public var sampleType: String?
    public var source: String?
    public var weeks: [IsoWeek] = []
    public var fromNanos: Int64?
    public var toNanos: Int64?
    public var labels: [String: String] = [:]
    public var onlyDefaultTypes = false

    public static let reservedKeys: Set<String> = ["id", "service", "type", "source", "week", "from", "to", "default"]

    public init() {}

    public init(parsing text: String) throws {
        guard !text.isEmpty else { return }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else {
                throw StoreError("store query part '\(part)' is not key=value (query: '\(text)')")
            }
            let key = String(part[..<equals])
            let value = try Self.percentDecoded(part[part.index(after: equals)...])
            guard !value.isEmpty else { throw StoreError("store query key '\(key)' has an empty value") }
            switch key {
            case "id":
                guard let id = Int64(value), id > 0 else { throw StoreError("store query id '\(value)' is not a profile id") }
                ids.append(id)
            case "service": service = value
            case "type": sampleType = value
            case "source": source = value
            case "week":
                guard let week = IsoWeek(label: value) else {
                    throw StoreError("store query week '\(value)' is not an ISO week such as 2026-W47")
                }
                weeks.append(week)
            case "from": fromNanos = try StoreTime.parse(value)
            case "to": toNanos = try StoreTime.parse(value)
            case "default":
                guard let flag = Bool(value) else { throw StoreError("store query default=\(value): give true or false") }
                onlyDefaultTypes = flag
            default:
                guard labels[key] == nil else { throw StoreError("store query label '\(key)' is given twice") }
                labels[key] = value
            }
        }
    }

    /// Only service, type and weeks: the weekly rollup, which sums every profile of a type whether or not it was
    /// its input's default, answers such a query without reading sample rows.
    public var isWeekly: Bool {
        service != nil && sampleType != nil && !weeks.isEmpty && ids.isEmpty && source == nil && fromNanos == nil
            && toNanos == nil && labels.isEmpty && !onlyDefaultTypes
    }

    public var description: String {
        var parts: [String] = ids.map { "id=\($0)" }
        if let service { parts.append("service=" + Self.percentEncoded(service)) }
        if let sampleType { parts.append("type=" + Self.percentEncoded(sampleType)) }
        if let source { parts.append("source=" + Self.percentEncoded(source)) }
        parts += weeks.map { "week=\($0.label)" }
        if let fromNanos { parts.append("from=" + StoreTime.format(fromNanos)) }
        if let toNanos { parts.append("to=" + StoreTime.format(toNanos)) }
        if onlyDefaultTypes { parts.append("default=true") }
        parts += labels.sorted { $0.key < $1.key }.map { Self.percentEncoded($0.key) + "=" + Self.percentEncoded($0.value) }
        return parts.joined(separator: ",")
    }

    /// Whether `profile` matches (the backends filter in SQL; this states the same rules for tests and callers).
    public func matches(_ profile: StoredProfile) -> Bool {
        (ids.isEmpty || ids.contains(profile.id)) && (service.map { $0 == profile.service } ?? true)
            && (sampleType.map { $0 == profile.sampleType } ?? true) && (source.map { $0 == profile.source } ?? true)
            && (weeks.isEmpty || weeks.contains(profile.isoWeek))
            && (fromNanos.map { profile.timeNanos >= $0 } ?? true) && (toNanos.map { profile.timeNanos < $0 } ?? true)
            && labels.allSatisfy { profile.labels[$0.key] == $0.value } && (!onlyDefaultTypes || profile.isDefault)
    }

    static func percentDecoded(_ text: Substring) throws -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard iterator.count >= 2, let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) else {
                throw StoreError("store query value '\(text)': % must be followed by two hex digits")
            }
            bytes.append(value)
            iterator = iterator.dropFirst(2)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case ",": result += "%2C"
            case "=": result += "%3D"
            case "%": result += "%25"
            default: result.append(character)
            }
        }
        return result
    }
}
