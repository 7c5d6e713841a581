import PyrometerModel

/// Builds one `Profile` from the profiles of a speedscope file: sampled ones sample by sample, evented ones by
/// replaying their open and close events.
struct SpeedscopeProfileBuilder {
    struct Failure: Error { var message: String }

    private let frames: [SpeedscopeFile.Frame]
    private var builder = ProfileBuilder(sampleTypes: [], sourceFormat: SpeedscopeImporter.formatName)
    /// Each frame's location, made on first use.
    private var locations: [LocationID?]
    /// Sample types by the unit they come from.
    private var types: [String: Int] = [:]

    init(frames: [SpeedscopeFile.Frame]) {
        self.frames = frames
        locations = Array(repeating: nil, count: frames.count)
    }

    mutating func add(_ profile: SpeedscopeFile.Profile) throws(Failure) {
        let (type, scale) = try sampleType(unit: profile.unit)
        let labels = builder.intern(labels: profile.name.map {
            [Label(key: builder.intern(SpeedscopeImporter.profileLabel), string: builder.intern($0))]
        } ?? [])
        switch profile.type {
        case "sampled":
            let samples = profile.samples ?? [], weights = profile.weights ?? []
            guard weights.count == samples.count else {
                throw Failure(message: "\(samples.count) samples but \(weights.count) weights")
            }
            for (index, stack) in samples.enumerated() {
                try add(rootFirst: stack, value: weights[index] * scale, type: type, labels: labels, at: "samples[\(index)]")
            }
        case "evented":
            var open: [Int] = []
            var last: Double?
            for (index, event) in (profile.events ?? []).enumerated() {
                if let last, !open.isEmpty, event.at > last {
                    try add(rootFirst: open, value: (event.at - last) * scale, type: type, labels: labels,
                            at: "events[\(index)]")
                }
                guard last.map({ event.at >= $0 }) ?? true else {
                    throw Failure(message: "events[\(index)]: at \(event.at) is before the event before it")
                }
                last = event.at
                switch event.type {
                case "O": open.append(event.frame)
                case "C":
                    guard open.last == event.frame else {
                        throw Failure(message: "events[\(index)]: closes frame \(event.frame), which is not the open one")
                    }
                    open.removeLast()
                default: throw Failure(message: "events[\(index)]: type \"\(event.type)\" (O or C expected)")
                }
            }
        default:
            throw Failure(message: "type \"\(profile.type)\" (sampled or evented expected)")
        }
    }

    func build(name: String?) -> Profile {
        var builder = builder
        if let name { builder.comments.append("speedscope: " + name) }
        return builder.build()
    }

    /// The sample type of a unit, and what one of the file's values is worth in it.
    private mutating func sampleType(unit: String) throws(Failure) -> (Int, Double) {
        let (valueType, scale): (ValueType, Double)
        switch unit {
        case "none": (valueType, scale) = (.samples, 1)
        case "nanoseconds": (valueType, scale) = (Self.time, 1)
        case "microseconds": (valueType, scale) = (Self.time, 1e3)
        case "milliseconds": (valueType, scale) = (Self.time, 1e6)
        case "seconds": (valueType, scale) = (Self.time, 1e9)
        case "bytes": (valueType, scale) = (ValueType(type: "space", unit: "bytes"), 1)
        default: throw Failure(message: "unit \"\(unit)\" (none, nanoseconds ... seconds or bytes expected)")
        }
        if let known = types[valueType.description] { return (known, scale) }
        let index = builder.addSampleType(valueType)
        types[valueType.description] = index
        return (index, scale)
    }

    private static let time = ValueType(type: "time", unit: "nanoseconds")

    private mutating func add(rootFirst stack: [Int], value: Double, type: Int, labels: LabelSetID,
                              at position: String) throws(Failure) {
        guard value.isFinite, value >= 0 else { throw Failure(message: "\(position): weight \(value)") }
        var leafFirst: [LocationID] = []
        leafFirst.reserveCapacity(stack.count)
        for frame in stack.reversed() {
            guard frames.indices.contains(frame) else {
                throw Failure(message: "\(position): frame \(frame) is not one of the \(frames.count) shared frames")
            }
            leafFirst.append(location(frame))
        }
        guard !leafFirst.isEmpty else { return }
        builder.add(stack: builder.intern(stack: leafFirst), labels: labels, type: type,
                    value: Int64(clampingDouble: value.rounded()))
    }

    private mutating func location(_ index: Int) -> LocationID {
        if let known = locations[index] { return known }
        let frame = frames[index]
        let function = builder.intern(Function(name: builder.intern(frame.name),
                                               filename: frame.file.map { builder.intern($0) } ?? 0))
        let id = builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: function, line: frame.line ?? 0,
                                                                                column: frame.col ?? 0)]))
        locations[index] = id
        return id
    }
}
