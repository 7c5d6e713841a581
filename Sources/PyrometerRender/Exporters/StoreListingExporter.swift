#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerModel

/// Stored profiles as `pyrometer store add`, `list` and `show` print them: one line each in text, or JSON objects
/// with snake_case keys (`id`, `service`, `labels`, `sample_type`, `unit`, `is_default`, `time`, `time_nanos`,
/// `duration_nanos`, `week`, `source_format`, `source`, `total`, `stacks`).
public struct StoreListingExporter: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case text, json
    }

    public var format: Format
    public init(format: Format) { self.format = format }

    /// The profiles; `verb` (`added`) starts each text line, and without one an empty list says so.
    public func list(_ profiles: [StoredProfile], verb: String? = nil) throws -> [UInt8] {
        if format == .json { return try Self.json(profiles.map(Entry.init)) }
        var out = ""
        for profile in profiles {
            out += (verb.map { $0 + " " } ?? "") + Self.line(profile) + "\n"
        }
        if profiles.isEmpty && verb == nil { out = "(no stored profiles match)\n" }
        return Array(out.utf8)
    }

    /// The profiles, their summed total and their heaviest folded stacks with shares of it.
    public func show(_ profiles: [StoredProfile], total: Int64, heaviest: [(stack: [UInt8], value: Int64)]) throws
        -> [UInt8] {
        if format == .json {
            struct Stack: Encodable { var stack: String, value: Int64 }
            struct Document: Encodable { var profiles: [Entry], total: Int64, heaviest: [Stack] }
            return try Self.json(Document(profiles: profiles.map(Entry.init), total: total, heaviest: heaviest.map {
                Stack(stack: String(decoding: $0.stack, as: UTF8.self), value: $0.value)
            }))
        }
        var out = profiles.map { Self.line($0) + "\n" }.joined()
        out += "\(profiles.count) profile\(profiles.count == 1 ? "" : "s"), total \(total)\n"
        for (stack, value) in heaviest {
            let share = total == 0 ? 0 : Double(value) / Double(total) * 100
            out += "  \(value)  (\(ReportText.fixed(share))%)  \(ReportText.printable(String(decoding: stack, as: UTF8.self)))\n"
        }
        return Array(out.utf8)
    }

    static func line(_ profile: StoredProfile) -> String {
        let labels = profile.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return ReportText.printable("\(profile.id)  \(profile.week)  \(StoreTime.format(profile.timeNanos))  "
            + "service=\(profile.service)  type=\(profile.sampleType)\(profile.isDefault ? "*" : "")  "
            + "total=\(profile.total) \(profile.unit)  stacks=\(profile.stacks)" + (labels.isEmpty ? "" : "  " + labels)
            + "  \(profile.source)")
    }

    struct Entry: Encodable {
        var id: Int64, service: String, labels: [String: String], sample_type: String, unit: String
        var is_default: Bool, time: String, time_nanos: Int64, duration_nanos: Int64, week: String
        var source_format: String, source: String, total: Int64, stacks: Int64

        init(_ profile: StoredProfile) {
            id = profile.id
            service = profile.service
            labels = profile.labels
            sample_type = profile.sampleType
            unit = profile.unit
            is_default = profile.isDefault
            time = StoreTime.format(profile.timeNanos)
            time_nanos = profile.timeNanos
            duration_nanos = profile.durationNanos
            week = profile.week
            source_format = profile.sourceFormat
            source = profile.source
            total = profile.total
            stacks = profile.stacks
        }
    }

    static func json(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(value)) + [10]
    }
}
