import PyrometerModel

/// Builds the profile of a heaptrack file from its tables: a stack per trace (the allocator's frames dropped), a
/// location per instruction with its inline frames as lines.
struct HeaptrackProfile {
    private var builder = ProfileBuilder(sampleTypes: [
        ValueType(type: "alloc_space", unit: "bytes"), ValueType(type: "alloc_objects", unit: "count"),
        ValueType(type: "peak_space", unit: "bytes"), ValueType(type: "peak_objects", unit: "count"),
        ValueType(type: "end_space", unit: "bytes"), ValueType(type: "end_objects", unit: "count"),
    ], defaultSampleType: 0, sourceFormat: HeaptrackImporter.formatName, sourceTraits: .exactAllocationCounts)
    private let strings: [String]
    private let instructions: [HeaptrackParser.Instruction]
    private let traces: [(instruction: Int32, parent: Int32)]
    private let demangle: Bool
    private var locationOf: [Int32: LocationID] = [:]
    /// Frames kept per stack, leaf first (perf keeps 127 by default, valgrind 12).
    static let maximumDepth = 512
    private var stackOf: [Int32: StackID] = [:]

    init(strings: [String], instructions: [HeaptrackParser.Instruction], traces: [(instruction: Int32, parent: Int32)],
         demangle: Bool) {
        self.strings = strings
        self.instructions = instructions
        self.traces = traces
        self.demangle = demangle
    }

    mutating func add(trace: Int, size: Int64, allocations: Int64, atPeak: Int64, atEnd: Int64) {
        let stack = stack(of: Int32(trace))
        let values = [size.multipliedSaturated(by: allocations), allocations, size.multipliedSaturated(by: atPeak), atPeak,
                      size.multipliedSaturated(by: atEnd), atEnd]
        for (type, value) in values.enumerated() where value != 0 {
            builder.add(stack: stack, type: type, value: value)
        }
    }

    private mutating func stack(of trace: Int32) -> StackID {
        if let known = stackOf[trace] { return known }
        var instructionsLeafFirst: [Int32] = []
        var current = trace
        // Parents are earlier traces (checked when read): the walk ends at the root. Deeper stacks are cut at
        // `maximumDepth`, so that a chain of traces cannot cost the square of its length.
        while current > 0 && instructionsLeafFirst.count < Self.maximumDepth {
            instructionsLeafFirst.append(traces[Int(current)].instruction)
            current = traces[Int(current)].parent
        }
        let callerStart = instructionsLeafFirst.firstIndex { !isAllocator($0) } ?? instructionsLeafFirst.count
        var locations: [LocationID] = []
        for instruction in instructionsLeafFirst[callerStart...] where instruction > 0 {
            locations.append(location(of: instruction))
        }
        let id = builder.intern(stack: locations)
        stackOf[trace] = id
        return id
    }

    private func isAllocator(_ instruction: Int32) -> Bool {
        let entry = instructions[Int(instruction)]
        guard let owner = entry.frames.last else { return false }
        return AllocatorFrames.isAllocator(name: strings[Int(owner.function)], module: strings[Int(entry.module)])
    }

    private mutating func location(of instruction: Int32) -> LocationID {
        if let known = locationOf[instruction] { return known }
        let entry = instructions[Int(instruction)]
        let module = strings[Int(entry.module)]
        let mapping = module.isEmpty ? nil : builder.intern(Mapping(file: builder.intern(module)))
        // Function 0: heaptrack knew no name (the location folds as its module).
        let lines = entry.frames.filter { $0.function != 0 }.map { frame -> Line in
            let file = strings[Int(frame.file)]
            let function = AllocationNames.function(strings[Int(frame.function)], file: file.isEmpty ? nil : file,
                                                    demangle: demangle, into: &builder)
            return Line(function: builder.intern(function), line: Int64(frame.line))
        }
        let id = builder.intern(Location(mapping: mapping, address: entry.address, lines: lines))
        locationOf[instruction] = id
        return id
    }

    func build(comments: [String], durationNanos: Int64) -> Profile {
        var copy = builder
        copy.comments = comments
        copy.durationNanos = durationNanos
        return copy.build()
    }
}
