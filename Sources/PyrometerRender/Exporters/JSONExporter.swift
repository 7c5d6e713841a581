import PyrometerModel

/// Writes a profile as Pyrometer's own JSON document, for scripts (schema in docs/formats.md, version 1):
/// `{format, version, sourceFormat, sampleTypes: [{type, unit}], defaultSampleType, period, periodType,
/// timeNanos, durationNanos, comments, frames: [{function, file, line, module, address, inlined}],
/// samples: [{frames: [frame index, leaf first], values: [one per sample type], labels: {key: value}}]}`.
/// A frame is one line of a location (inline chains expand to several frames, innermost first); an unsymbolized
/// location is one frame without `function`.
public struct JSONExporter: Sendable {
    public init() {}

    private struct Document: Encodable {
        var format = "pyrometer-profile"
        var version = 1
        var sourceFormat: String
        var sampleTypes: [ValueTypeJSON]
        var defaultSampleType: Int
        var period: Int64
        var periodType: ValueTypeJSON?
        var timeNanos: Int64
        var durationNanos: Int64
        var comments: [String]
        var frames: [FrameJSON]
        var samples: [SampleJSON]
    }
    private struct ValueTypeJSON: Encodable { var type: String, unit: String }
    private struct FrameJSON: Encodable {
        var function: String?
        var file: String?
        var line: Int64?
        var module: String?
        var address: UInt64?
        var inlined: Bool
    }
    private struct SampleJSON: Encodable {
        var frames: [Int]
        var values: [Int64]
        var labels: [String: String]
    }

    public func export(_ profile: Profile) -> [UInt8] {
        var frames: [FrameJSON] = []
        var framesOfLocation: [[Int]] = []
        for location in profile.locations {
            let module = location.mapping.map { profile.strings[Int(profile.mappings[Int($0)].file)] }
            let address = location.address == 0 ? nil : location.address
            var indexes: [Int] = []
            if location.lines.isEmpty {
                indexes.append(frames.count)
                frames.append(FrameJSON(module: module, address: address, inlined: location.isInlineFrame))
            }
            for (position, line) in location.lines.enumerated() {
                let function = profile.functions[Int(line.function)]
                let file = profile.strings[Int(function.filename)]
                indexes.append(frames.count)
                frames.append(FrameJSON(
                    function: profile.strings[Int(function.name)], file: file.isEmpty ? nil : file,
                    line: line.line == 0 ? nil : line.line, module: module, address: address,
                    inlined: location.isInlineFrame || position < location.lines.count - 1))
            }
            framesOfLocation.append(indexes)
        }
        let width = profile.sampleTypes.count
        let samples = profile.samples.enumerated().map { i, sample in
            var labels: [String: String] = [:]
            for label in profile.labelSets[Int(sample.labels)] {
                let unit = label.numberUnit != 0 ? profile.strings[Int(label.numberUnit)] : ""
                labels[profile.strings[Int(label.key)]] = label.string != 0
                    ? profile.strings[Int(label.string)] : "\(label.number)\(unit)"
            }
            return SampleJSON(frames: profile.stacks[sample.stack].flatMap { framesOfLocation[Int($0)] },
                              values: Array(profile.values[i * width ..< (i + 1) * width]), labels: labels)
        }
        let document = Document(
            sourceFormat: profile.sourceFormat,
            sampleTypes: profile.sampleTypes.map { ValueTypeJSON(type: $0.type, unit: $0.unit) },
            defaultSampleType: profile.defaultSampleType, period: profile.period,
            periodType: profile.periodType.map { ValueTypeJSON(type: $0.type, unit: $0.unit) },
            timeNanos: profile.timeNanos, durationNanos: profile.durationNanos, comments: profile.comments,
            frames: frames, samples: samples)
        return JSONOutput.encode(document)
    }
}
