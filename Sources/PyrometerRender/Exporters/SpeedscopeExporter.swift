#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerAnalyze
import PyrometerModel

/// Writes speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json): one "sampled" profile
/// whose samples are the folded stacks (root first) weighted by their values, so the file opens in speedscope.app.
public struct SpeedscopeExporter: Sendable {
    public init() {}

    private struct File: Encodable {
        var schema = "https://www.speedscope.app/file-format-schema.json"
        var shared: Shared
        var profiles: [SampledProfile]
        var name: String
        var activeProfileIndex = 0
        var exporter = "pyrometer"
        enum CodingKeys: String, CodingKey {
            case schema = "$schema", shared, profiles, name, activeProfileIndex, exporter
        }
    }
    private struct Shared: Encodable { var frames: [Frame] }
    private struct Frame: Encodable { var name: String }
    private struct SampledProfile: Encodable {
        var type = "sampled"
        var name: String
        var unit: String
        var startValue: Int64 = 0
        var endValue: Int64
        var samples: [[Int32]]
        var weights: [Int64]
    }

    /// - Parameter name: the profile's name in speedscope (e.g. the input file).
    public func export(_ folded: FoldedStacks, name: String) -> [UInt8] {
        var samples: [[Int32]] = []
        var weights: [Int64] = []
        for id in 0 ..< folded.count where folded.values[id] != 0 {
            samples.append(Array(folded.stacks[StackID(id)]))
            weights.append(folded.values[id])
        }
        // speedscope's units: bytes, the time units, or "none" for counts.
        let units = ["nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"]
        let unit = units.contains(folded.valueType.unit) ? folded.valueType.unit : "none"
        let file = File(
            shared: Shared(frames: folded.names.map(Frame.init)),
            profiles: [SampledProfile(name: "\(name) (\(folded.valueType))", unit: unit, endValue: weights.reduce(0) { $0.addingSaturated($1) },
                                      samples: samples, weights: weights)],
            name: name)
        return JSONOutput.encode(file)
    }
}

/// JSON encoding shared by the JSON exporters: sorted keys, so that output is deterministic.
enum JSONOutput {
    static func encode(_ value: some Encodable, pretty: Bool = false) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return [UInt8](data)
    }
}
