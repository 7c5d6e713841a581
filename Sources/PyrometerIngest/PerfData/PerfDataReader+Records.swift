import PyrometerModel

/// Records in time order, and the process state they change (threads, maps).
extension PerfDataReader {
    /// A record waiting for its turn: processed in time order, file order among equal times.
    struct Pending { var time: UInt64; var offset: Int }

    mutating func readRecords(from start: Int, to end: Int) throws(ProfileError) {
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
            case .headerTracingData:
                // In a pipe, the tracing data follows its record (whose u32 gives its size, aligned to 8).
                var body = ByteCursor(bytes, from: position + 8, to: position + size)
                let dataSize = Int(try body.u32())
                guard dataSize <= end - position - size else {
                    throw ProfileError(.malformed, """
                        invalid perf.data: tracing data of \(dataSize) bytes, the data ends after \
                        \(end - position - size) (truncated file?)
                        """, byteOffset: position)
                }
                var data = ByteCursor(bytes, from: position + size, to: position + size + dataSize)
                readTracingData(&data)
                position += dataSize
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
        finishOffCPU()
    }

    /// The event formats of tracing data. Damaged, it costs the probes and switches their meaning, not the
    /// recording: a warning, and the events stay plain counts.
    mutating func readTracingData(_ cursor: inout ByteCursor) {
        do {
            eventFormats = try TracingData.read(&cursor)
        } catch {
            let offset = error.byteOffset.map { " at byte \($0)" } ?? ""
            diagnostics.append(Diagnostic(kind: "tracing data unreadable\(offset) (\(error.message)); tracepoint and "
                                          + "probe fields are not read", count: 0, firstFile: file, firstLine: nil,
                                          example: ""))
        }
    }

    /// A record's time: a sample's own, or the trailing `sample_id` of other records (with `sample_id_all`).
    func recordTime(type: UInt32, at offset: Int, size: Int) -> UInt64? {
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
    mutating func flush(_ pending: inout [Pending], upTo limit: UInt64) throws(ProfileError) {
        pending.sort { $0.time != $1.time ? $0.time < $1.time : $0.offset < $1.offset }
        let count = pending.partitionPoint { $0.time <= limit }
        for record in pending[..<count] { try process(at: record.offset) }
        pending.removeFirst(count)
    }

    mutating func process(at offset: Int) throws(ProfileError) {
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
        case .lostSamples:
            lostSamples &+= try body.u64()
        default: break
        }
    }

    /// The length of a COMM record's name: the record without its ids and trailing `sample_id`.
    func commLength(_ body: ByteCursor) -> Int {
        guard let attr = attrs.first, attr.sampleIDAll else { return body.remaining }
        return body.remaining - sampleIDSize(attr.sampleType)
    }

    func sampleIDSize(_ sampleType: PerfData.SampleType) -> Int {
        [PerfData.SampleType.tid, .time, .id, .streamID, .cpu, .identifier].filter { sampleType.contains($0) }.count * 8
    }


    mutating func mmap(_ body: inout ByteCursor, misc: UInt16, isMmap2: Bool) throws(ProfileError) {
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
    mutating func mapsWillChange(_ pid: UInt32) {
        if unwinding.processes.contains(pid) { finishUnwinding() }
        lastGeneration += 1
        mapGenerations[pid] = lastGeneration
        if lastOwner.pid == pid { lastOwner = (.max, 0) }
    }

    func mapEntry(pid: UInt32, address: UInt64) -> MapEntry? {
        guard let entries = maps[pid] else { return nil }
        let low = entries.partitionPoint { $0.start <= address }
        guard low > 0, address < entries[low - 1].limit else { return nil }
        return entries[low - 1]
    }
}
