import PyrometerModel

/// The on-disk layout of `perf.data` (Linux `tools/perf/Documentation/perf.data-file-format.txt`,
/// `include/uapi/linux/perf_event.h`): little-endian, as written by perf on x86-64 and arm64.
enum PerfData {
    /// "PERFILE2" as a little-endian u64.
    static let magic: UInt64 = 0x32454C4946524550
    /// The header of a file (`perf record -o file`) and of a pipe (`perf record -o -`).
    static let fileHeaderSize = 104
    static let pipeHeaderSize = 16

    enum RecordType: UInt32 {
        case mmap = 1, lost = 2, comm = 3, exit = 4, fork = 7, sample = 9, mmap2 = 10, lostSamples = 13
        // perf's own records (user types, >= 64).
        case headerAttr = 64, headerEventType = 65, headerTracingData = 66, headerBuildID = 67, finishedRound = 68
        case headerFeature = 80, compressed = 81, finishedInit = 82, compressed2 = 83
    }

    /// `sample_type` bits.
    struct SampleType: OptionSet {
        let rawValue: UInt64
        static let ip = SampleType(rawValue: 1 << 0), tid = SampleType(rawValue: 1 << 1)
        static let time = SampleType(rawValue: 1 << 2), addr = SampleType(rawValue: 1 << 3)
        static let read = SampleType(rawValue: 1 << 4), callchain = SampleType(rawValue: 1 << 5)
        static let id = SampleType(rawValue: 1 << 6), cpu = SampleType(rawValue: 1 << 7)
        static let period = SampleType(rawValue: 1 << 8), streamID = SampleType(rawValue: 1 << 9)
        static let raw = SampleType(rawValue: 1 << 10), branchStack = SampleType(rawValue: 1 << 11)
        static let regsUser = SampleType(rawValue: 1 << 12), stackUser = SampleType(rawValue: 1 << 13)
        static let identifier = SampleType(rawValue: 1 << 16)
    }

    /// `read_format` bits.
    struct ReadFormat: OptionSet {
        let rawValue: UInt64
        static let totalTimeEnabled = ReadFormat(rawValue: 1 << 0), totalTimeRunning = ReadFormat(rawValue: 1 << 1)
        static let id = ReadFormat(rawValue: 1 << 2), group = ReadFormat(rawValue: 1 << 3)
        static let lost = ReadFormat(rawValue: 1 << 4)
    }

    /// Feature bits of the header's `adds_features` bitmap that Pyrometer reads.
    enum Feature: Int {
        case tracingData = 1, buildID = 2, hostname = 3, osRelease = 4, version = 5, arch = 6, nrCPUs = 7, cmdline = 11
        case eventDesc = 12, compressed = 27
    }

    /// `perf_event_attr.type` of tracepoints and probes, whose `config` is the event's id in the tracing data.
    static let tracepointType: UInt32 = 2

    /// Call-chain context markers (`PERF_CONTEXT_*`): entries at or above `contextMax` switch the mode of the frames
    /// that follow.
    static let contextKernel = UInt64(bitPattern: -128)
    static let contextUser = UInt64(bitPattern: -512)
    static let contextGuest = UInt64(bitPattern: -2048)
    static let contextMax = UInt64(bitPattern: -4095)

    /// `misc` bits.
    static let miscCPUModeMask: UInt16 = 7
    static let miscKernel: UInt16 = 1
    static let miscCommExec: UInt16 = 1 << 13
    static let miscMmapBuildID: UInt16 = 1 << 14
    static let miscBuildIDSize: UInt16 = 1 << 15
}

/// One event of the recording (`perf_event_attr` and the sample ids that belong to it).
/// Plain values only (the event's ids and name are kept beside it): samples read it per record, and copying a
/// struct that held an array and a string cost 4% of reading a recording.
struct PerfEventAttr {
    var type: UInt32
    var config: UInt64
    var sampleType: PerfData.SampleType
    var readFormat: PerfData.ReadFormat
    var sampleIDAll: Bool
    var freq: Bool
    var samplePeriod: UInt64
    var branchSampleType: UInt64
    /// The user registers a `--call-graph dwarf` sample holds (a bit per perf register), and its stack dump size.
    var sampleRegsUser: UInt64
    var sampleStackUser: UInt32

    /// Parses an attribute of `size` bytes (perf has written 64 to 136 and more; fields past `size` are zero).
    init(_ cursor: inout ByteCursor, size: Int) throws(ProfileError) {
        let start = cursor.position
        guard size >= 64 && size <= 1 << 16 else {
            throw cursor.error("perf_event_attr of \(size) bytes; expected 64 to 65536")
        }
        type = try cursor.u32()
        _ = try cursor.u32()  // size as the kernel saw it
        config = try cursor.u64()
        samplePeriod = try cursor.u64()
        sampleType = PerfData.SampleType(rawValue: try cursor.u64())
        readFormat = PerfData.ReadFormat(rawValue: try cursor.u64())
        let flags = try cursor.u64()
        freq = flags & (1 << 10) != 0
        sampleIDAll = flags & (1 << 18) != 0
        _ = try cursor.u32()  // wakeup_events
        _ = try cursor.u32()  // bp_type
        _ = try cursor.u64()  // config1
        branchSampleType = 0
        sampleRegsUser = 0
        sampleStackUser = 0
        if size >= 72 { _ = try cursor.u64() }  // config2
        if size >= 80 { branchSampleType = try cursor.u64() }
        if size >= 88 { sampleRegsUser = try cursor.u64() }
        if size >= 92 { sampleStackUser = try cursor.u32() }
        try cursor.seek(to: start + size)
    }

    /// A name for the event when the file has no EVENT_DESC: perf's names of the software and common hardware events.
    var fallbackName: String {
        switch (type, config) {
        case (0, 0): return "cycles"
        case (0, 1): return "instructions"
        case (0, 2): return "cache-references"
        case (0, 3): return "cache-misses"
        case (0, 4): return "branches"
        case (0, 5): return "branch-misses"
        case (1, 0): return "cpu-clock"
        case (1, 1): return "task-clock"
        case (1, 2): return "page-faults"
        case (1, 3): return "context-switches"
        case (1, 4): return "cpu-migrations"
        default: return "event-\(type)-\(config)"
        }
    }

    /// Bytes of a `read_format` value in a sample, given the group size when it is a group read.
    func readSize(_ cursor: inout ByteCursor) throws(ProfileError) -> Int {
        let perValue = 8 + (readFormat.contains(.id) ? 8 : 0) + (readFormat.contains(.lost) ? 8 : 0)
        let times = (readFormat.contains(.totalTimeEnabled) ? 8 : 0) + (readFormat.contains(.totalTimeRunning) ? 8 : 0)
        guard readFormat.contains(.group) else { return perValue + times }
        let count = try cursor.u64()
        guard count <= 1 << 16 else { throw cursor.error("read group of \(count) events") }
        return times + Int(count) * perValue
    }
}

/// A bounds-checked little-endian reader over bytes in memory; errors name the byte offset in the file.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    /// The next byte to read, an offset in the file (errors give it).
    private(set) var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        position = start
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - position }

    func error(_ message: String) -> ProfileError {
        ProfileError(.malformed, "invalid perf.data: \(message)", byteOffset: position)
    }

    mutating func need(_ count: Int, _ what: @autoclosure () -> String = "field") throws(ProfileError) {
        guard count >= 0 && count <= remaining else {
            throw error("\(what()) needs \(count) bytes, \(remaining) remain")
        }
    }

    /// Checks that `count` entries of `size` bytes remain: a count read from the file may be any 64-bit number,
    /// and multiplied out it could wrap around.
    mutating func need(_ count: UInt64, entriesOf size: Int, _ what: @autoclosure () -> String) throws(ProfileError) {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(size))
        guard !overflow, bytes <= UInt64(remaining) else {
            throw error("\(what()) of \(count) entries of \(size) bytes, \(remaining) bytes remain")
        }
    }

    mutating func u64() throws(ProfileError) -> UInt64 {
        try need(8)
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    mutating func u32() throws(ProfileError) -> UInt32 {
        try need(4)
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u16() throws(ProfileError) -> UInt16 {
        try need(2)
        defer { position += 2 }
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }

    mutating func u8() throws(ProfileError) -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "field") throws(ProfileError) {
        try need(count, what())
        position += count
    }

    mutating func seek(to offset: Int) throws(ProfileError) {
        guard offset >= 0 && offset <= end else {
            throw error("offset \(offset) outside the record")
        }
        position = offset
    }

    /// `count` raw bytes.
    mutating func slice(_ count: Int, _ what: @autoclosure () -> String = "field") throws(ProfileError)
        -> UnsafeRawBufferPointer {
        try need(count, what())
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
    }

    /// A NUL-padded string filling the next `count` bytes.
    mutating func paddedString(_ count: Int) throws(ProfileError) -> String {
        let raw = try slice(count, "string")
        let length = raw.firstIndex(of: 0) ?? raw.count
        return String(decoding: raw[..<length], as: UTF8.self)
    }

    /// perf's header string: a u32 length, then that many NUL-padded bytes.
    mutating func headerString() throws(ProfileError) -> String {
        let length = Int(try u32())
        return try paddedString(length)
    }
}
