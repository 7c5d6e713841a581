import PyrometerModel

/// Turns DHAT's program points into a profile: sample types by mode, frames parsed once per frame-table entry,
/// stacks without the replacement allocator's frames.
struct DHATProfileBuilder {
    private var builder: ProfileBuilder
    private let mode: String
    private let frames: [String]
    private let demangle: Bool
    /// Per frame-table entry, once parsed.
    private var parsed: [DHATFrame?]
    private var stack: [LocationID] = []
    private var emptyStacks = 0
    var comments: [String] = []

    init(mode: String, frames: [String], demangle: Bool) {
        self.mode = mode
        self.frames = frames
        self.demangle = demangle
        parsed = Array(repeating: nil, count: frames.count)
        let types: [ValueType] = switch mode {
        case "copy": [ValueType(type: "copy_space", unit: "bytes"), ValueType(type: "copy_count", unit: "count")]
        case "ad-hoc": [ValueType(type: "adhoc_units", unit: "count"), ValueType(type: "adhoc_events", unit: "count")]
        default: [
            ValueType(type: "alloc_space", unit: "bytes"), ValueType(type: "alloc_objects", unit: "count"),
            ValueType(type: "peak_space", unit: "bytes"), ValueType(type: "peak_objects", unit: "count"),
            ValueType(type: "end_space", unit: "bytes"), ValueType(type: "end_objects", unit: "count"),
        ]
        }
        builder = ProfileBuilder(sampleTypes: types, defaultSampleType: 0, sourceFormat: DHATImporter.formatName,
                                 sourceTraits: .exactAllocationCounts)
    }

    mutating func add(_ point: DHATFile.ProgramPoint, index: Int, file: String) throws(ProfileError) {
        var frameList: [DHATFrame] = []
        frameList.reserveCapacity(point.fs.count)
        for frameIndex in point.fs {
            guard frames.indices.contains(frameIndex) else {
                throw ProfileError(.malformed, """
                    program point \(index) names frame \(frameIndex), but the frame table has \(frames.count) entries
                    """, file: file)
            }
            let frame = parsed[frameIndex] ?? DHATFrame(parsing: frames[frameIndex])
            parsed[frameIndex] = frame
            frameList.append(frame)
        }
        // The replacement allocator (`malloc` in vgpreload_dhat-amd64-linux.so) is valgrind's, not the program's.
        let callerStart = frameList.firstIndex { !AllocatorFrames.isAllocator(name: $0.name, module: $0.module) }
            ?? frameList.count
        stack.removeAll(keepingCapacity: true)
        var position = callerStart
        while position < frameList.count {
            // Frames at one address are one location: its inline chain, innermost first.
            var end = position + 1
            while end < frameList.count, frameList[end].address == frameList[position].address,
                  frameList[position].address != nil { end += 1 }
            stack.append(location(frameList[position ..< end]))
            position = end
        }
        if stack.isEmpty { emptyStacks += 1 }
        let stackID = builder.intern(stack: stack)
        let values: [Int64] = mode == "heap" || (mode != "copy" && mode != "ad-hoc")
            ? [point.tb, point.tbk, point.gb ?? 0, point.gbk ?? 0, point.eb ?? 0, point.ebk ?? 0]
            : [point.tb, point.tbk]
        for (type, value) in values.enumerated() where value != 0 {
            builder.add(stack: stackID, type: type, value: value)
        }
    }

    private mutating func location(_ chain: ArraySlice<DHATFrame>) -> LocationID {
        let mapping = chain.first?.module.map { builder.intern(Mapping(file: builder.intern($0))) }
        // `???`: valgrind found no symbol. Without lines the frame folds as its module (`[libstdc++.so.6]`).
        let named = chain.filter { $0.name != "???" }
        let lines = named.map { frame -> Line in
            let function = AllocationNames.function(frame.name, file: frame.sourceFile, demangle: demangle,
                                                    into: &builder)
            return Line(function: builder.intern(function), line: Int64(frame.line ?? 0))
        }
        return builder.intern(Location(mapping: mapping, address: chain.first?.address ?? 0, lines: lines))
    }

    func diagnostics(file: String) -> [Diagnostic] {
        guard emptyStacks > 0 else { return [] }
        return [Diagnostic(kind: "DHAT program points with no frame of the program's (only the allocator's)",
                           count: emptyStacks, firstFile: file, firstLine: nil, example: "")]
    }

    func build() -> Profile {
        var copy = builder
        copy.comments = comments
        return copy.build()
    }
}

/// One frame-table entry: `0x109084: main (prog.c:7)`, `0x48417B4: malloc (in /usr/lib/.../vgpreload_dhat.so)`,
/// `0x4005D3: ???`, or `[root]`.
struct DHATFrame {
    var address: UInt64?
    var name: String
    var module: String?
    var sourceFile: String?
    var line: Int?

    init(parsing text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("0x"), let colon = rest.firstIndex(of: ":") {
            address = UInt64(rest[rest.index(rest.startIndex, offsetBy: 2) ..< colon], radix: 16)
            rest = rest[rest.index(after: colon)...].drop { $0 == " " }
        }
        // The place is the last parenthesized part: a C++ name has parentheses of its own (`f(int) (a.cpp:3)`).
        if rest.hasSuffix(")"), let open = Self.lastOpening(in: rest) {
            let place = rest[rest.index(open, offsetBy: 2) ..< rest.index(before: rest.endIndex)]
            rest = rest[..<open]
            if place.hasPrefix("in ") {
                module = String(place.dropFirst(3))
            } else if let colon = place.lastIndex(of: ":"), let number = Int(place[place.index(after: colon)...]) {
                sourceFile = String(place[..<colon])
                line = number
            } else {
                module = String(place)
            }
        }
        name = rest.isEmpty ? "???" : String(rest)
    }

    /// Where the last ` (` starts.
    private static func lastOpening(in text: Substring) -> Substring.Index? {
        var index = text.endIndex
        while index > text.startIndex {
            index = text.index(before: index)
            if text[index] == "(", index > text.startIndex, text[text.index(before: index)] == " " {
                return text.index(before: index)
            }
        }
        return nil
    }
}
