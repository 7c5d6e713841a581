import PyrometerModel

/// The state of one read of a perf.data file.
struct PerfDataReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    let options: ImportOptions
    var diagnostics: [Diagnostic] = []

    var attrs: [PerfEventAttr] = []
    /// Each event's name from the EVENT_DESC feature, when the file has one.
    var attrNames: [String?] = []
    var attrByID: [UInt64: Int] = [:]
    /// Tracepoint and probe formats (the TRACING_DATA feature), by event id (a tracepoint attribute's `config`).
    var eventFormats: [UInt64: TraceEventFormat] = [:]
    /// Per attr: where its allocation probe's arguments are, when it is one (set with `typesOfAttr`).
    var allocationProbes: [AllocationProbeFields?] = []
    /// Where a sample's id is: u64 index from the start of the sample (IDENTIFIER, or after ip/tid/time/addr).
    var sampleIDIndex: Int?
    var buildIDs: [String: String] = [:]
    var metadata: [String] = []
    var osRelease: String?
    /// The recording's processor (the `arch` feature), which decides the register layout of DWARF samples.
    var architecture: String?

    // Process state.
    /// Each thread's command name, by tid.
    var threads: [UInt32: String] = [:]
    var maps: [UInt32: [MapEntry]] = [:]
    /// Per process, a number that changes whenever its maps do (unique across processes): it keys the frame cache
    /// and the unwinder's per-process state, so a change in one process forgets nothing of the others.
    var mapGenerations: [UInt32: Int] = [:]
    var lastGeneration = 0
    var kernelSymbols: Kallsyms?
    var kernelSymbolsLoaded = false
    /// The kernel's reference symbol and its address when recording (the kernel MMAP's `[kernel.kallsyms]_text`
    /// and page offset), to relocate a kallsyms file saved after another boot.
    var kernelReference: (name: String, address: UInt64)?

    // The profile being built.
    var builder = ProfileBuilder(sampleTypes: [], sourceFormat: PerfDataImporter.formatName)
    /// Per attr: (value type, count type or nil) once its sample types exist.
    var typesOfAttr: [(value: Int, count: Int?)?] = []
    var mappingTable = Interner<MappingEntry>()
    var frameLocations: [LocationID] = []
    var stack: [LocationID] = []
    /// Label sets of recent threads, by tid modulo the size: most samples come from a few threads.
    var recentLabels = [(tid: UInt32, pid: UInt32, labels: LabelSetID)](repeating: (.max, .max, -1), count: 256)
    /// Frame → location, per process and generation of its maps: (owner, address) hashed into one key, checked
    /// against the owner and address kept beside it. A change of one process's maps gives it a new owner, so the
    /// entries of the others stay (clearing the whole cache on every mmap cost the frame-pointer path dearly).
    var frameCache = IntegerIndex(capacity: 1 << 14)
    var frameKeys: [(owner: UInt64, address: UInt64)] = []
    /// Mappings `ImportOptions.mappingSampled` has been told about.
    var sampledMappings: Set<Int32> = []
    var lastOwner: (pid: UInt32, owner: UInt64) = (.max, 0)
    /// `--call-graph dwarf` samples waiting to be unwound (PerfDataReader+Unwinding.swift).
    var unwinding = PendingUnwinds()
    /// Wall-clock time of recordings with `sched:sched_switch` (PerfDataReader+OffCPU.swift).
    var wallClock = WallClockState()
    /// Events perf lost while recording, as its LOST records count them and as its LOST_SAMPLES records do (the
    /// kernel's count of samples lost per event, written at the end): two views of one loss, so the larger counts.
    var lost: UInt64 = 0
    var lostSamples: UInt64 = 0
    /// Probe samples whose raw record lacked the probe's arguments.
    var unreadableProbeSamples = 0
    var firstTime: UInt64 = .max, lastTime: UInt64 = 0

    init(bytes: UnsafeRawBufferPointer, file: String, options: ImportOptions) {
        self.bytes = bytes
        self.file = file
        self.options = options
    }

    // MARK: - Header, attributes, features

    mutating func read() throws(ProfileError) {
        var header = ByteCursor(bytes)
        guard try header.u64() == PerfData.magic else { throw header.error("expected the PERFILE2 magic") }
        let headerSize = Int(clamping: try header.u64())
        if headerSize == PerfData.pipeHeaderSize {
            try readRecords(from: PerfData.pipeHeaderSize, to: bytes.count)
            return
        }
        guard headerSize == PerfData.fileHeaderSize else {
            throw header.error("header size \(headerSize); expected 104 (file) or 16 (pipe)")
        }
        let attrSize = Int(clamping: try header.u64())
        let attrsSection = try section(&header, "attrs")
        let dataSection = try section(&header, "data")
        _ = try section(&header, "event types")
        var features: [UInt64] = []
        for _ in 0 ..< 4 { features.append(try header.u64()) }

        guard attrSize >= 64 + 16 && attrSize <= 1 << 16 else {
            throw header.error("attribute entries of \(attrSize) bytes; expected 80 to 65536")
        }
        var cursor = ByteCursor(bytes, from: attrsSection.lowerBound, to: attrsSection.upperBound)
        while cursor.remaining > 0 {
            let attr = try PerfEventAttr(&cursor, size: attrSize - 16)
            let idSection = try section(&cursor, "attribute ids")
            var idCursor = ByteCursor(bytes, from: idSection.lowerBound, to: idSection.upperBound)
            var ids: [UInt64] = []
            while idCursor.remaining >= 8 { ids.append(try idCursor.u64()) }
            try addAttr(attr, ids: ids)
        }
        try readFeatures(features, after: dataSection.upperBound)
        try readRecords(from: dataSection.lowerBound, to: dataSection.upperBound)
    }

    /// A `perf_file_section` (offset, size), checked against the file.
    func section(_ cursor: inout ByteCursor, _ what: String) throws(ProfileError) -> Range<Int> {
        let offset = try cursor.u64(), size = try cursor.u64()
        guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
            throw ProfileError(.malformed, """
                invalid perf.data: the \(what) section (\(size) bytes at \(offset)) runs past the end of the file \
                (\(bytes.count) bytes; truncated?)
                """, byteOffset: cursor.position - 16)
        }
        return Int(offset) ..< Int(offset + size)
    }

    mutating func addAttr(_ attr: PerfEventAttr, ids: [UInt64]) throws(ProfileError) {
        let index = attrs.count
        attrs.append(attr)
        attrNames.append(nil)
        typesOfAttr.append(nil)
        allocationProbes.append(nil)
        for id in ids { attrByID[id] = index }
        if attr.sampleType.contains(.identifier) {
            sampleIDIndex = 0
        } else if attr.sampleType.contains(.id) {
            let before: [PerfData.SampleType] = [.ip, .tid, .time, .addr]
            sampleIDIndex = before.filter { attr.sampleType.contains($0) }.count
        }
    }

    mutating func readFeatures(_ bitmap: [UInt64], after offset: Int) throws(ProfileError) {
        var cursor = ByteCursor(bytes, from: offset)
        for bit in 0 ..< 256 where bitmap[bit / 64] & (1 << UInt64(bit % 64)) != 0 {
            let range = try section(&cursor, "feature \(bit)")
            try readFeature(bit, ByteCursor(bytes, from: range.lowerBound, to: range.upperBound))
        }
    }

    mutating func readFeature(_ bit: Int, _ section: ByteCursor) throws(ProfileError) {
        var cursor = section
        switch PerfData.Feature(rawValue: bit) {
        case .tracingData: readTracingData(&cursor)
        case .hostname: metadata.append("hostname: " + (try cursor.headerString()))
        case .osRelease:
            let release = try cursor.headerString()
            osRelease = release
            metadata.append("os release: " + release)
        case .version: metadata.append("perf version: " + (try cursor.headerString()))
        case .arch:
            let arch = try cursor.headerString()
            architecture = arch
            metadata.append("arch: " + arch)
        case .nrCPUs:
            let available = try cursor.u32(), online = try cursor.u32()
            metadata.append("cpus: \(online) online of \(available)")
        case .cmdline:
            let count = try cursor.u32()
            guard count <= 1 << 16 else { throw cursor.error("command line of \(count) words") }
            var words: [String] = []
            for _ in 0 ..< count { words.append(try cursor.headerString()) }
            metadata.append("cmdline: " + words.joined(separator: " "))
        case .eventDesc:
            let count = try cursor.u32(), attrSize = Int(try cursor.u32())
            guard count <= 1 << 16 else { throw cursor.error("\(count) event descriptions") }
            for _ in 0 ..< count {
                _ = try PerfEventAttr(&cursor, size: attrSize)
                let idCount = try cursor.u32()
                let name = try cursor.headerString()
                try cursor.need(Int(idCount) * 8, "event ids")
                var ids: [UInt64] = []
                for _ in 0 ..< idCount { ids.append(try cursor.u64()) }
                // Named by its ids; an event without ids is the attribute in the same position.
                if let attr = ids.first(where: { attrByID[$0] != nil }).flatMap({ attrByID[$0] }) {
                    attrNames[attr] = name
                }
            }
        case .buildID:
            while cursor.remaining >= 8 {
                let start = cursor.position
                _ = try cursor.u32()
                let misc = try cursor.u16()
                let size = Int(try cursor.u16())
                guard size >= 36, size <= cursor.remaining + 8 else { throw cursor.error("build-id record of \(size) bytes") }
                try readBuildID(&cursor, misc: misc, end: start + size)
                try cursor.seek(to: start + size)
            }
        case .compressed, nil: break
        }
    }

    /// A build-id record after its header: pid, 24 bytes of id (the size in byte 20 when `misc` says so), path.
    mutating func readBuildID(_ cursor: inout ByteCursor, misc: UInt16, end: Int) throws(ProfileError) {
        _ = try cursor.u32()  // pid
        let raw = try cursor.slice(24, "build-id")
        let length = misc & PerfData.miscBuildIDSize != 0 ? min(Int(raw[20]), 20) : 20
        let path = try cursor.paddedString(end - cursor.position)
        buildIDs[path] = raw[..<length].lowercaseHex
    }

    // MARK: - The profile

    mutating func profile() throws(ProfileError) -> Profile {
        // Every event gets its sample types, sampled or not, in the order of the attributes; counts after events.
        // (`--event` picks one of them when folding.)
        // Sample types were made as each event's first sample came, which is a race between events.
        // Wall-clock time first when the recording has it: wall, then on- and off-CPU.
        var values: [Int] = wallClock.types.map { [$0.wall, $0.cpu, $0.offCPU] } ?? [], counts: [Int] = []
        for index in attrs.indices {
            let types = sampleTypes(of: index)
            if !values.contains(types.value) { values.append(types.value) }
            if let count = types.count, !counts.contains(count) { counts.append(count) }
        }
        // An event may share a type with another event's count (one named `alloc_objects`): each type goes once.
        counts.removeAll { values.contains($0) }
        if counts.count == 1, builder.sampleTypes[counts[0]].isSampleCount { builder.sampleTypes[counts[0]] = .samples }
        builder.reorderSampleTypes(values + counts)
        builder.defaultSampleType = 0
        // Appended, not interned: the locations hold these ids already, and two entries may become equal here
        // (one that lacked the build-id its path has elsewhere).
        for entry in mappingTable.elements {
            _ = builder.append(Mapping(start: entry.start, limit: entry.limit, fileOffset: entry.offset,
                                       file: builder.intern(entry.path),
                                       buildID: builder.intern(entry.buildID.isEmpty ? buildIDs[entry.path] ?? "" : entry.buildID)))
        }
        if let first = attrs.first, first.freq == false, first.samplePeriod > 0 { builder.period = Int64(clamping: first.samplePeriod) }
        if firstTime <= lastTime {
            builder.durationNanos = Int64(clamping: lastTime - firstTime)
        }
        builder.comments = metadata
        diagnostics += unwinding.diagnostics(file: file)
        // `perf record -F N` puts every event in frequency mode, tracepoints too: then perf keeps only some of them.
        for index in attrs.indices where attrs[index].type == PerfData.tracepointType && attrs[index].freq {
            diagnostics.append(Diagnostic(kind: """
                \(eventName(of: index)) was recorded in frequency mode (perf record -F applies to every event): perf \
                kept only some of its events, so its counts (and off-CPU time) fall short; give the frequency to the \
                clock event alone: perf record -e \(eventName(of: index)) -e cpu-clock/freq=999/ ...
                """, count: 0, firstFile: file, firstLine: nil, example: ""))
        }
        let lostEvents = max(lost, lostSamples)
        if lostEvents > 0 {
            builder.sourceTraits.insert(.eventsLost)
            diagnostics.append(Diagnostic(kind: PerfEvents.lostWarning(lostEvents), count: 0, firstFile: file,
                                          firstLine: nil, example: ""))
        } else if allocationProbes.contains(where: { $0 != nil }) {
            builder.sourceTraits.insert(.exactAllocationCounts)
        }
        if allocationProbes.contains(where: { $0 != nil }) { builder.sourceTraits.insert(.allocatorFramesAtLeaves) }
        if unreadableProbeSamples > 0 {
            diagnostics.append(Diagnostic(
                kind: "\(unreadableProbeSamples) allocation probe samples without their arguments in the raw record",
                count: 0, firstFile: file, firstLine: nil, example: ""))
        }
        return builder.build()
    }
}

/// One mapping of a process's address space: its range, and its entry in the mapping table (its id in the
/// profile: the table's entries are appended to the builder in order at the end, when build-ids recorded after
/// the mmap, in pipe mode, are known).
struct MapEntry {
    var start: UInt64
    var limit: UInt64
    var mapping: Int32
}

/// A mapping as perf.data records it, before the profile's string ids exist.
struct MappingEntry: Hashable {
    var start: UInt64, limit: UInt64, offset: UInt64
    var path: String, buildID: String

    /// perf's name of the kernel's mapping, in MMAP records (`[kernel.kallsyms]_text`) and build-id records.
    static let kernelPath = "[kernel.kallsyms]"
}
