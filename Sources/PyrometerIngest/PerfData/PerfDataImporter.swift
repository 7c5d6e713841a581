import PyrometerModel

/// Reads `perf.data` itself, file or pipe mode, without `perf script`: the attributes (one sample type per event,
/// weighted by the sample period when perf recorded one, with a sample count beside it, as the `perf script`
/// importer does), the process state over time (MMAP/MMAP2, COMM, FORK), and samples with their call chains.
///
/// User frames become locations of their mapping at their runtime address, for the symbolizer (which reads the
/// binaries and debug files of this machine, matched by the build-ids the file records). Kernel frames are named
/// from a `kallsyms` file: `ImportOptions.kallsymsPath`, else `/proc/kallsyms` when the recording was made on this
/// machine's kernel (same build-id; same release when the recording has no kernel build-id), else perf's build-id
/// cache (`[kernel.kallsyms]/BUILDID/kallsyms` under `$PERF_BUILDID_DIR` or `~/.debug`). Records are processed in
/// time order as `perf script` orders them (its `ordered_events`: at each of perf's rounds, the records up to the
/// latest time the round before had seen).
public struct PerfDataImporter: ProfileImporter {
    public static let formatName = "perf.data"

    public init() {}

    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        guard prefix.count >= 8 else { return isComplete ? .no : .needMoreBytes }
        return UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self)) == PerfData.magic ? .yes : .no
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let contents = try InputContents.mapping(input, limit: options.maxInflatedBytes)
        // `bytes` points into memory `contents` unmaps when freed: it must live until the reading is done.
        defer { withExtendedLifetime(contents) {} }
        let bytes = try contents.bytes(atLeast: Int.max)
        var reader = PerfDataReader(bytes: bytes, file: input.name, options: options)
        try reader.read()
        return ImportResult(profile: try reader.profile(), diagnostics: reader.diagnostics)
    }
}

/// The state of one read of a perf.data file.
struct PerfDataReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    let options: ImportOptions
    var diagnostics: [Diagnostic] = []

    private var attrs: [PerfEventAttr] = []
    /// Each event's name from the EVENT_DESC feature, when the file has one.
    private var attrNames: [String?] = []
    private var attrByID: [UInt64: Int] = [:]
    /// Where a sample's id is: u64 index from the start of the sample (IDENTIFIER, or after ip/tid/time/addr).
    private var sampleIDIndex: Int?
    var buildIDs: [String: String] = [:]
    private var metadata: [String] = []
    private var osRelease: String?
    /// The recording's processor (the `arch` feature), which decides the register layout of DWARF samples.
    var architecture: String?

    // Process state.
    /// Each thread's command name, by tid.
    private var threads: [UInt32: String] = [:]
    var maps: [UInt32: [MapEntry]] = [:]
    /// Per process, a number that changes whenever its maps do (unique across processes): it keys the frame cache
    /// and the unwinder's per-process state, so a change in one process forgets nothing of the others.
    var mapGenerations: [UInt32: Int] = [:]
    private var lastGeneration = 0
    private var kernelSymbols: Kallsyms?
    private var kernelSymbolsLoaded = false
    /// The kernel's reference symbol and its address when recording (the kernel MMAP's `[kernel.kallsyms]_text`
    /// and page offset), to relocate a kallsyms file saved after another boot.
    private var kernelReference: (name: String, address: UInt64)?

    // The profile being built.
    var builder = ProfileBuilder(sampleTypes: [], sourceFormat: PerfDataImporter.formatName)
    /// Per attr: (value type, count type or nil) once its sample types exist.
    private var typesOfAttr: [(value: Int, count: Int?)?] = []
    var mappingTable = Interner<MappingEntry>()
    private var frameLocations: [LocationID] = []
    var stack: [LocationID] = []
    /// `--call-graph dwarf` samples waiting to be unwound (PerfDataReader+Unwinding.swift).
    var unwinding = PendingUnwinds()
    private var lost: UInt64 = 0
    private var firstTime: UInt64 = .max, lastTime: UInt64 = 0

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
    private func section(_ cursor: inout ByteCursor, _ what: String) throws(ProfileError) -> Range<Int> {
        let offset = try cursor.u64(), size = try cursor.u64()
        guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
            throw ProfileError(.malformed, """
                invalid perf.data: the \(what) section (\(size) bytes at \(offset)) runs past the end of the file \
                (\(bytes.count) bytes; truncated?)
                """, byteOffset: cursor.position - 16)
        }
        return Int(offset) ..< Int(offset + size)
    }

    private mutating func addAttr(_ attr: PerfEventAttr, ids: [UInt64]) throws(ProfileError) {
        let index = attrs.count
        attrs.append(attr)
        attrNames.append(nil)
        typesOfAttr.append(nil)
        for id in ids { attrByID[id] = index }
        if attr.sampleType.contains(.identifier) {
            sampleIDIndex = 0
        } else if attr.sampleType.contains(.id) {
            let before: [PerfData.SampleType] = [.ip, .tid, .time, .addr]
            sampleIDIndex = before.filter { attr.sampleType.contains($0) }.count
        }
    }

    private mutating func readFeatures(_ bitmap: [UInt64], after offset: Int) throws(ProfileError) {
        var cursor = ByteCursor(bytes, from: offset)
        for bit in 0 ..< 256 where bitmap[bit / 64] & (1 << UInt64(bit % 64)) != 0 {
            let range = try section(&cursor, "feature \(bit)")
            try readFeature(bit, ByteCursor(bytes, from: range.lowerBound, to: range.upperBound))
        }
    }

    private mutating func readFeature(_ bit: Int, _ section: ByteCursor) throws(ProfileError) {
        var cursor = section
        switch PerfData.Feature(rawValue: bit) {
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
    private mutating func readBuildID(_ cursor: inout ByteCursor, misc: UInt16, end: Int) throws(ProfileError) {
        _ = try cursor.u32()  // pid
        let raw = try cursor.slice(24, "build-id")
        let length = misc & PerfData.miscBuildIDSize != 0 ? min(Int(raw[20]), 20) : 20
        let path = try cursor.paddedString(end - cursor.position)
        buildIDs[path] = raw[..<length].lowercaseHex
    }

    // MARK: - Records

    /// A record waiting for its turn: processed in time order, file order among equal times.
    private struct Pending { var time: UInt64; var offset: Int }

    private mutating func readRecords(from start: Int, to end: Int) throws(ProfileError) {
        var pending: [Pending] = []
        // perf writes each CPU's buffer in turn, so a round can still bring records older than the latest of the
        // round before, but none older than the latest of the round before that: at a round's end, the records up
        // to what the previous round had seen are in order and go; the others wait.
        var latest: UInt64 = 0, ready: UInt64 = 0
        var position = start
        var previousTime: UInt64 = 0
        while position < end {
            var cursor = ByteCursor(bytes, from: position, to: end)
            guard cursor.remaining >= 8 else {
                throw cursor.error("\(cursor.remaining) bytes after the last record; expected a record header (8 bytes)")
            }
            let type = try cursor.u32()
            let misc = try cursor.u16()
            let size = Int(try cursor.u16())
            guard size >= 8 else { throw cursor.error("record of type \(type) with size \(size) (at least 8)") }
            guard size <= end - position else {
                throw ProfileError(.malformed, """
                    invalid perf.data: a record of type \(type) needs \(size) bytes, the data ends after \
                    \(end - position) (truncated file?)
                    """, byteOffset: position)
            }
            switch PerfData.RecordType(rawValue: type) {
            case .finishedRound:
                try flush(&pending, upTo: ready)
                ready = latest
            case .headerAttr:
                var body = ByteCursor(bytes, from: position + 8, to: position + size)
                var probe = body  // the attribute's own size is its second field
                try probe.skip(4, "attribute type")
                let attrSize = Int(try probe.u32())
                guard attrSize >= 64, attrSize <= size - 8 else { throw body.error("attribute of \(attrSize) bytes") }
                let attr = try PerfEventAttr(&body, size: attrSize)
                var ids: [UInt64] = []
                while body.remaining >= 8 { ids.append(try body.u64()) }
                try addAttr(attr, ids: ids)
            case .headerFeature:
                var body = ByteCursor(bytes, from: position + 8, to: position + size)
                let bit = Int(clamping: try body.u64())
                try readFeature(bit, ByteCursor(bytes, from: body.position, to: position + size))
            case .headerBuildID:
                var body = ByteCursor(bytes, from: position + 8, to: position + size)
                try readBuildID(&body, misc: misc, end: position + size)
            case .compressed, .compressed2:
                throw cursor.error("""
                    zstd-compressed records (perf record -z) are not supported yet; record without -z
                    """)
            default:
                let time = recordTime(type: type, at: position, size: size) ?? previousTime
                previousTime = time
                latest = max(latest, time)
                pending.append(Pending(time: time, offset: position))
            }
            position += size
        }
        try flush(&pending, upTo: .max)
        finishUnwinding()
    }

    /// A record's time: a sample's own, or the trailing `sample_id` of other records (with `sample_id_all`).
    private func recordTime(type: UInt32, at offset: Int, size: Int) -> UInt64? {
        guard let attr = attrs.first, attr.sampleType.contains(.time) else { return nil }
        let sampleType = attr.sampleType
        if type == PerfData.RecordType.sample.rawValue {
            var index = 0
            if sampleType.contains(.identifier) { index += 1 }
            if sampleType.contains(.ip) { index += 1 }
            if sampleType.contains(.tid) { index += 1 }
            let at = offset + 8 + index * 8
            guard at + 8 <= offset + size else { return nil }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
        guard attr.sampleIDAll, type < 64 else { return nil }
        let after = [PerfData.SampleType.id, .streamID, .cpu, .identifier].filter { sampleType.contains($0) }.count
        let at = offset + size - (after + 1) * 8
        guard at >= offset + 8 else { return nil }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// Processes the pending records up to time `limit`, in order, and keeps the rest.
    private mutating func flush(_ pending: inout [Pending], upTo limit: UInt64) throws(ProfileError) {
        pending.sort { $0.time != $1.time ? $0.time < $1.time : $0.offset < $1.offset }
        let count = pending.partitionPoint { $0.time <= limit }
        for record in pending[..<count] { try process(at: record.offset) }
        pending.removeFirst(count)
    }

    private mutating func process(at offset: Int) throws(ProfileError) {
        let type = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let misc = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self))
        let size = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self)))
        var body = ByteCursor(bytes, from: offset + 8, to: offset + size)
        switch PerfData.RecordType(rawValue: type) {
        case .sample: try sample(&body, misc: misc)
        case .mmap, .mmap2: try mmap(&body, misc: misc, isMmap2: type == PerfData.RecordType.mmap2.rawValue)
        case .comm:
            let pid = try body.u32(), tid = try body.u32()
            let comm = try body.paddedString(max(0, commLength(body)))
            if misc & PerfData.miscCommExec != 0 {
                mapsWillChange(pid)
                maps[pid] = nil
            }
            threads[tid] = comm
            forgetLabels(tid)
        case .fork:
            let pid = try body.u32(), parentPID = try body.u32(), tid = try body.u32(), parentTID = try body.u32()
            threads[tid] = threads[parentTID]
            forgetLabels(tid)
            if pid != parentPID, maps[pid] == nil {
                mapsWillChange(pid)
                maps[pid] = maps[parentPID]
            }
        case .lost:
            _ = try body.u64()
            lost &+= try body.u64()
        default: break
        }
    }

    /// The length of a COMM record's name: the record without its ids and trailing `sample_id`.
    private func commLength(_ body: ByteCursor) -> Int {
        guard let attr = attrs.first, attr.sampleIDAll else { return body.remaining }
        return body.remaining - sampleIDSize(attr.sampleType)
    }

    private func sampleIDSize(_ sampleType: PerfData.SampleType) -> Int {
        [PerfData.SampleType.tid, .time, .id, .streamID, .cpu, .identifier].filter { sampleType.contains($0) }.count * 8
    }

    // MARK: - Process maps

    private mutating func mmap(_ body: inout ByteCursor, misc: UInt16, isMmap2: Bool) throws(ProfileError) {
        let pid = try body.u32()
        _ = try body.u32()  // tid
        let start = try body.u64(), length = try body.u64(), pageOffset = try body.u64()
        var buildID = ""
        if isMmap2 {
            if misc & PerfData.miscMmapBuildID != 0 {
                let size = Int(try body.u8())
                try body.skip(3)
                let raw = try body.slice(20, "build-id")
                buildID = raw[..<min(size, 20)].lowercaseHex
            } else {
                try body.skip(24)  // major, minor, inode, inode generation
            }
            try body.skip(8)  // prot, flags
        }
        let attrSampleIDAll = attrs.first?.sampleIDAll ?? false
        let nameLength = body.remaining - (attrSampleIDAll ? sampleIDSize(attrs[0].sampleType) : 0)
        var path = try body.paddedString(max(0, nameLength))
        guard length > 0, start <= UInt64.max - length else { return }
        let isKernel = misc & PerfData.miscCPUModeMask == PerfData.miscKernel || pid == UInt32.max
        if isKernel {  // kernel frames are named from kallsyms
            let kernel = MappingEntry.kernelPath
            if path.hasPrefix(kernel), path.utf8.count > kernel.utf8.count, kernelReference == nil {
                kernelReference = (String(path.dropFirst(kernel.count)), pageOffset)
            }
            return
        }
        if path == "//anon" || PerfMapFile.isPath(path) || path.hasPrefix("[anon") {
            // JIT code: perf's map file names it (`/tmp/perf-PID.map`), read by the symbolizer.
            path = PerfMapFile.path(pid: pid)
        }
        if buildID.isEmpty { buildID = buildIDs[path] ?? "" }
        let mapping = mappingTable.intern(MappingEntry(start: start, limit: start + length, offset: pageOffset,
                                                       path: path, buildID: buildID))
        // A new mapping replaces what it overlaps; the parts of older ones outside it stay, as mappings of their own.
        func part(of entry: MapEntry, from low: UInt64, to high: UInt64) -> MapEntry {
            var old = mappingTable[entry.mapping]
            old.offset += low - old.start
            (old.start, old.limit) = (low, high)
            return MapEntry(start: low, limit: high, mapping: mappingTable.intern(old))
        }
        var kept: [MapEntry] = []
        for entry in maps[pid] ?? [] {
            if entry.limit <= start || entry.start >= start + length {
                kept.append(entry)
                continue
            }
            if entry.start < start { kept.append(part(of: entry, from: entry.start, to: start)) }
            if entry.limit > start + length { kept.append(part(of: entry, from: start + length, to: entry.limit)) }
        }
        kept.append(MapEntry(start: start, limit: start + length, mapping: mapping))
        kept.sort { $0.start < $1.start }
        mapsWillChange(pid)
        maps[pid] = kept
    }

    /// Before a process's maps change: its samples waiting to be unwound are finished with the maps they were
    /// taken with, and its frame-cache entries and unwinder state are left behind by a new generation.
    private mutating func mapsWillChange(_ pid: UInt32) {
        if unwinding.processes.contains(pid) { finishUnwinding() }
        lastGeneration += 1
        mapGenerations[pid] = lastGeneration
        if lastOwner.pid == pid { lastOwner = (.max, 0) }
    }

    private func mapEntry(pid: UInt32, address: UInt64) -> MapEntry? {
        guard let entries = maps[pid] else { return nil }
        let low = entries.partitionPoint { $0.start <= address }
        guard low > 0, address < entries[low - 1].limit else { return nil }
        return entries[low - 1]
    }

    // MARK: - Samples

    private mutating func sample(_ body: inout ByteCursor, misc: UInt16) throws(ProfileError) {
        let attrIndex: Int
        if attrs.count > 1, let index = sampleIDIndex {
            var probe = body
            try probe.skip(index * 8, "sample id")
            let id = try probe.u64()
            guard let known = attrByID[id] else { throw body.error("a sample names unknown event id \(id)") }
            attrIndex = known
        } else {
            guard !attrs.isEmpty else { throw body.error("a sample before any event attribute") }
            attrIndex = 0
        }
        let attr = attrs[attrIndex]
        let sampleType = attr.sampleType
        if sampleType.contains(.identifier) { _ = try body.u64() }
        let ip = sampleType.contains(.ip) ? try body.u64() : 0
        var pid: UInt32 = 0, tid: UInt32 = 0
        if sampleType.contains(.tid) { pid = try body.u32(); tid = try body.u32() }
        if sampleType.contains(.time) {
            let time = try body.u64()
            firstTime = min(firstTime, time)
            lastTime = max(lastTime, time)
        }
        if sampleType.contains(.addr) { _ = try body.u64() }
        if sampleType.contains(.id) { _ = try body.u64() }
        if sampleType.contains(.streamID) { _ = try body.u64() }
        if sampleType.contains(.cpu) { _ = try body.u64() }
        var period: UInt64 = 1
        if sampleType.contains(.period) { period = try body.u64() }
        if sampleType.contains(.read) { try body.skip(try attr.readSize(&body), "read values") }

        stack.removeAll(keepingCapacity: true)
        let owner = frameOwner(pid: pid)
        let sampledInKernel = misc & PerfData.miscCPUModeMask == PerfData.miscKernel
        var kernelMode = sampledInKernel
        var userFromBranches = false
        var userFrames = false
        if sampleType.contains(.callchain) {
            let count = try body.u64()
            try body.need(count, entriesOf: 8, "call chain")
            for _ in 0 ..< count {
                let address = try body.u64()
                if address >= PerfData.contextMax {
                    kernelMode = address == PerfData.contextKernel
                    if address == PerfData.contextUser && hasCallStackBranches(attr) { userFromBranches = true }
                    if address == PerfData.contextGuest { break }
                    continue
                }
                if userFromBranches { break }
                frame(address, kernel: kernelMode, owner: owner, pid: pid)
                userFrames = userFrames || !kernelMode
            }
        } else {
            frame(ip, kernel: kernelMode, owner: owner, pid: pid)
            userFrames = !kernelMode
        }
        if sampleType.contains(.raw) { try body.skip(Int(try body.u32()), "raw data") }
        if sampleType.contains(.branchStack) {
            let count = try body.u64()
            if attr.branchSampleType & (1 << 17) != 0 { _ = try body.u64() }  // hw_idx
            try body.need(count, entriesOf: 24, "branch stack")
            if hasCallStackBranches(attr) && (!kernelMode || userFromBranches) {
                // LBR call stack (`--call-graph lbr`): the user part is the sample ip and each entry's call site.
                if !userFromBranches { stack.removeAll(keepingCapacity: true) }
                frame(ip, kernel: false, owner: owner, pid: pid)
                for _ in 0 ..< count {
                    let from = try body.u64()
                    try body.skip(16)
                    if from != 0 { frame(from, kernel: false, owner: owner, pid: pid) }
                }
                userFrames = true
            } else {
                try body.skip(Int(count) * 24)
            }
        }
        let types = sampleTypes(of: attrIndex)
        let labels = labelSet(pid: pid, tid: tid, hasTID: sampleType.contains(.tid))
        // `--call-graph dwarf` leaves the user part out of the kernel's call chain: perf unwinds the stack copy.
        if !userFrames, sampleType.contains(.regsUser) {
            if let userStack = try userStack(&body, attr: attr, pid: pid, tid: tid) {
                if options.unwinder != nil {
                    enqueueUnwinding(userStack, types: types, labels: labels, period: period)
                    return
                }
                unwinding.skipped += 1
            }
            // Not unwound: the sampled function of a sample taken in user mode is its ip.
            if !sampledInKernel && ip != 0 { frame(ip, kernel: false, owner: owner, pid: pid) }
        }
        add(stack: stack, types: types, labels: labels, period: period)
    }

    mutating func add(stack: [LocationID], types: (value: Int, count: Int?), labels: LabelSetID, period: UInt64) {
        let id = builder.intern(stack: stack)
        if let count = types.count {
            builder.add(stack: id, labels: labels, type: types.value, value: Int64(clamping: period), countType: count)
        } else {
            builder.add(stack: id, labels: labels, type: types.value, value: 1)
        }
    }

    private func hasCallStackBranches(_ attr: PerfEventAttr) -> Bool {
        attr.branchSampleType & (1 << 11) != 0  // PERF_SAMPLE_BRANCH_CALL_STACK
    }

    /// The event's name as `perf script` prints it without modifiers (`cpu-clock:u` → `cpu-clock`).
    private func eventName(of index: Int) -> String {
        let name = attrNames[index] ?? attrs[index].fallbackName
        return name.split(separator: ":", maxSplits: 1).first.map(String.init) ?? name
    }

    private mutating func sampleTypes(of attrIndex: Int) -> (value: Int, count: Int?) {
        if let types = typesOfAttr[attrIndex] { return types }
        let name = eventName(of: attrIndex)
        let weighted = attrs[attrIndex].sampleType.contains(.period)
        let value = builder.sampleTypes.firstIndex { $0.type == name }
            ?? builder.addSampleType(ValueType(type: name, unit: weighted && name.hasSuffix("clock") ? "nanoseconds" : "count"))
        var count: Int?
        if weighted {
            let countType = ValueType.sampleCount(of: name)
            count = builder.sampleTypes.firstIndex { $0 == countType } ?? builder.addSampleType(countType)
        }
        typesOfAttr[attrIndex] = (value, count)
        return (value, count)
    }

    /// Label sets of recent threads, by tid modulo the size: most samples come from a few threads.
    private var recentLabels = [(tid: UInt32, pid: UInt32, labels: LabelSetID)](repeating: (.max, .max, -1), count: 256)

    private mutating func forgetLabels(_ tid: UInt32) {
        recentLabels[Int(tid & 255)] = (.max, .max, -1)
    }

    private mutating func labelSet(pid: UInt32, tid: UInt32, hasTID: Bool) -> LabelSetID {
        guard hasTID else { return 0 }
        let recent = recentLabels[Int(tid & 255)]
        if recent.tid == tid && recent.pid == pid { return recent.labels }
        // perf script prints `:TID` for a thread whose name it never saw.
        let comm = threads[tid] ?? ":\(tid)"
        let id = builder.intern(labels: [
            Label(key: builder.intern(LabelKey.command), string: builder.intern(comm)),
            Label(key: builder.intern(LabelKey.process), string: builder.intern(String(pid))),
            Label(key: builder.intern(LabelKey.thread), string: builder.intern(String(tid))),
        ])
        recentLabels[Int(tid & 255)] = (tid, pid, id)
        return id
    }

    /// Frame → location, per process and generation of its maps: (owner, address) hashed into one key, checked
    /// against the owner and address kept beside it. A change of one process's maps gives it a new owner, so the
    /// entries of the others stay (clearing the whole cache on every mmap cost the frame-pointer path dearly).
    private var frameCache = IntegerIndex(capacity: 1 << 14)
    private var frameKeys: [(owner: UInt64, address: UInt64)] = []
    /// Entries of past generations stay until the cache holds this many, then all go (a process that maps memory
    /// between every pair of samples, as a JIT can, must not make the cache grow with the recording).
    private static let frameCacheLimit = 1 << 20
    /// Mappings `ImportOptions.mappingSampled` has been told about.
    private var sampledMappings: Set<Int32> = []

    /// The frame-cache owner of a process's user frames: its pid and the generation of its maps. The last one is
    /// kept: runs of samples come from one process, and the dictionary lookup was 5% of reading a recording.
    mutating func frameOwner(pid: UInt32) -> UInt64 {
        if pid == lastOwner.pid { return lastOwner.owner }
        let owner = UInt64(pid) << 32 | UInt64(UInt32(truncatingIfNeeded: mapGenerations[pid] ?? 0))
        lastOwner = (pid, owner)
        return owner
    }
    private var lastOwner: (pid: UInt32, owner: UInt64) = (.max, 0)

    mutating func frame(_ address: UInt64, kernel: Bool, owner processOwner: UInt64, pid: UInt32) {
        // Kernel addresses are the same in every process.
        let owner = kernel ? UInt64.max : processOwner
        let key = address ^ (owner &* 0x9E37_79B9_7F4A_7C15)
        if let entry = frameCache[key], frameKeys[Int(entry)] == (owner, address) {
            stack.append(frameLocations[Int(entry)])
            return
        }
        if frameKeys.count >= Self.frameCacheLimit {
            frameCache.removeAll()
            frameKeys.removeAll(keepingCapacity: true)
            frameLocations.removeAll(keepingCapacity: true)
        }
        let location: Location
        if kernel {
            let mapping = mappingTable.intern(MappingEntry(start: 0, limit: 0, offset: 0, path: MappingEntry.kernelPath,
                                                           buildID: ""))
            var chains = ResolvedChains()
            var lines: [Line] = []
            if let symbolizer = kernelSymbolizer(),
               symbolizer.resolve([address][...], in: MappingEntry.kernelPath, into: &chains), chains.count == 1 {
                lines = chains[0].map { Line(function: builder.intern(Function(name: builder.intern($0.name)))) }
            }
            location = Location(mapping: MappingID(mapping), address: address, lines: lines)
        } else {
            let mapping = mapEntry(pid: pid, address: address)?.mapping
            if let mapping, let mappingSampled = options.mappingSampled, sampledMappings.insert(mapping).inserted {
                let entry = mappingTable[mapping]
                mappingSampled(entry.path, entry.buildID.isEmpty ? buildIDs[entry.path] ?? "" : entry.buildID)
            }
            location = Location(mapping: mapping.map { MappingID($0) }, address: address, lines: [])
        }
        let id = builder.intern(location)
        frameCache.set(key, Int32(frameKeys.count))
        frameKeys.append((owner, address))
        frameLocations.append(id)
        stack.append(id)
    }

    private mutating func kernelSymbolizer() -> (any Symbolizer)? {
        if let given = options.kernelSymbolizer { return given }
        return kallsyms().map(KallsymsSymbolizer.init)
    }

    private mutating func kallsyms() -> Kallsyms? {
        if !kernelSymbolsLoaded {
            kernelSymbolsLoaded = true
            if let path = options.kallsymsPath {
                kernelSymbols = Kallsyms.load(path: path)
                if kernelSymbols == nil {
                    diagnostics.append(Diagnostic(kind: "kallsyms file unreadable or empty; kernel frames unnamed",
                                                  count: 0, firstFile: path, firstLine: nil, example: ""))
                }
            } else {
                kernelSymbols = findKernelSymbols()
            }
            if let kernelReference {
                kernelSymbols?.relocate(reference: kernelReference.name, recordedAddress: kernelReference.address)
            }
        }
        return kernelSymbols
    }

    /// The recording kernel's symbols without `--kallsyms`: this machine's when it runs that kernel (the same
    /// build-id, or the same release when the recording names no kernel build-id), else perf's build-id cache;
    /// nil with a warning that says what to do when neither has them.
    private mutating func findKernelSymbols() -> Kallsyms? {
        let recordedID = buildIDs[MappingEntry.kernelPath].flatMap(Kallsyms.normalizedBuildID)
        let runningID = Kallsyms.runningBuildID().flatMap(Kallsyms.normalizedBuildID)
        let runningRelease = Kallsyms.runningRelease()
        let sameKernel = if let recordedID, let runningID { recordedID == runningID } else {
            osRelease != nil && osRelease == runningRelease
        }
        if sameKernel, let symbols = Kallsyms.load(path: "/proc/kallsyms") { return symbols }
        var searched: [String] = []
        let directories = Kallsyms.buildIDCacheDirectories()
        if let recordedID {
            for directory in directories {
                guard let path = Kallsyms.cachePath(directory: directory, buildID: recordedID) else { continue }
                if let symbols = Kallsyms.load(path: path) { return symbols }
                searched.append(path)
            }
        }
        let recording = file.split(separator: "/").last.map(String.init).flatMap { $0.hasPrefix("<") ? nil : $0 }
            ?? "perf.data"
        let cacheHint = searched.isEmpty ? "" : ", and no build-id cache holds that kernel's kallsyms (looked for "
            + searched.joined(separator: ", ") + ")"
        let kind: String
        if sameKernel {
            kind = "kernel frames unnamed: this machine runs the recording's kernel, but its /proc/kallsyms shows "
                + "this user zero addresses" + cacheHint + "; run as root, or pass --kallsyms with a copy of "
                + "/proc/kallsyms read as root"
        } else if let recordedID {
            kind = "kernel frames unnamed: recorded on kernel \(osRelease ?? "(unknown)") (build-id \(recordedID)), "
                + "this machine runs \(runningRelease ?? "(unknown)")" + (runningID.map { " (build-id \($0))" } ?? "")
                + cacheHint + "; on the recording host, run `perf archive \(recording)` and unpack "
                + "\(recording).tar.bz2 here with `tar xf \(recording).tar.bz2 -C "
                + "\(directories.first ?? "~/.debug")`, or pass --kallsyms with a copy of the recording host's "
                + "/proc/kallsyms"
        } else {
            kind = "kernel frames unnamed: recorded on kernel \(osRelease ?? "(unknown)"), this machine runs "
                + "\(runningRelease ?? "(unknown)"), and the recording has no kernel build-id to find its kallsyms "
                + "by in a build-id cache; pass --kallsyms with a copy of the recording host's /proc/kallsyms"
        }
        diagnostics.append(Diagnostic(kind: kind, count: 0, firstFile: file, firstLine: nil, example: ""))
        return nil
    }

    // MARK: - The profile

    mutating func profile() throws(ProfileError) -> Profile {
        // Every event gets its sample types, sampled or not, in the order of the attributes; counts after events.
        // (`--event` picks one of them when folding.)
        // Sample types were made as each event's first sample came, which is a race between events.
        var values: [Int] = [], counts: [Int] = []
        for index in attrs.indices {
            let types = sampleTypes(of: index)
            if !values.contains(types.value) { values.append(types.value) }
            if let count = types.count, !counts.contains(count) { counts.append(count) }
        }
        if counts.count == 1 { builder.sampleTypes[counts[0]] = .samples }
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
        if lost > 0 {
            diagnostics.append(Diagnostic(kind: "perf lost \(lost) samples while recording (LOST records)", count: 0,
                                          firstFile: file, firstLine: nil, example: ""))
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
