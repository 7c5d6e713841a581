import PyrometerModel

/// Line-by-line state of the heaptrack reader: the string, instruction and trace tables as they grow, and per
/// allocation info (a size at a trace) its allocations, live blocks, and live blocks when the heap last peaked.
struct HeaptrackParser {
    private let file: String
    private let demangle: Bool
    private(set) var lineNumber = 0
    private var formatVersion: Int?
    private var comments: [String] = []
    private var durationMilliseconds: UInt64 = 0

    /// 1-based tables, entry 0 unused (index 0 means none, or the root trace).
    private var strings: [String] = [""]
    private var instructions: [Instruction] = [Instruction(address: 0, module: 0, frames: [])]
    private var traces: [(instruction: Int32, parent: Int32)] = [(0, 0)]

    /// Per allocation info, 0-based.
    private var sizes: [Int64] = []
    private var traceOfInfo: [Int32] = []
    private var allocations: [Int64] = []
    private var live: [Int64] = []
    /// `live` as it was when the heap last peaked: valid where `snapshotPeak` is the current `peakEvent`, else
    /// `live` has not changed since (captured at an info's first change after each new peak).
    private var snapshot: [Int64] = []
    private var snapshotPeak: [Int] = []
    private var event = 0, peakEvent = 0
    private var liveBytes: Int64 = 0, peakBytes: Int64 = 0
    private var untrackedFrees = 0
    private var unknownRecords = 0

    struct Instruction {
        var address: UInt64
        var module: Int32
        /// (function, file, line) string ids and line numbers, innermost (inlined) first, the owner last.
        var frames: [(function: Int32, file: Int32, line: Int32)]
    }

    init(file: String, demangle: Bool) {
        self.file = file
        self.demangle = demangle
    }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(ProfileError) {
        for line in bytes.split(separator: Bytes.newline, omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let type = line.first else { continue }
            try record(type, UnsafeRawBufferPointer(rebasing: line))
        }
        // The block ends with its newline, which split counted as one more (empty) line.
        if bytes.last == Bytes.newline { lineNumber -= 1 }
    }

    private func malformed(_ message: String) -> ProfileError {
        ProfileError(.malformed, message, file: file, line: lineNumber)
    }

    /// The hexadecimal fields after the record type.
    private func numbers(_ line: UnsafeRawBufferPointer, _ count: Int? = nil) throws(ProfileError) -> [UInt64] {
        var values: [UInt64] = []
        for field in line.dropFirst().split(separator: Bytes.space) {
            guard let value = field.withUnsafeBytes({ Bytes.parseHex($0.baseAddress!, 0, $0.count) }) else {
                throw malformed("expected hexadecimal numbers after `\(Character(UnicodeScalar(line[0])))`")
            }
            values.append(value)
        }
        if let count, values.count < count {
            throw malformed("`\(Character(UnicodeScalar(line[0])))` needs \(count) numbers, found \(values.count)")
        }
        return values
    }

    /// A table index that must be below `limit`.
    private func index(_ value: UInt64, below limit: Int, _ what: String) throws(ProfileError) -> Int {
        guard value < UInt64(limit) else { throw malformed("\(what) \(value) is not defined yet (\(limit) so far)") }
        return Int(value)
    }

    private mutating func record(_ type: UInt8, _ line: UnsafeRawBufferPointer) throws(ProfileError) {
        switch type {
        case UInt8(ascii: "v"):
            let fields = try numbers(line, 2)
            guard fields[1] == 2 || fields[1] == 3 else {
                throw malformed("heaptrack file format \(fields[1]) is not supported (formats 2 and 3 are, as heaptrack 1.3 to 1.5 write them)")
            }
            formatVersion = Int(fields[1])
        case UInt8(ascii: "s"):
            strings.append(try string(line))
        case UInt8(ascii: "i"):
            // `i ADDRESS MODULE [FUNCTION [FILE LINE]] [FUNCTION FILE LINE]...`: without debug information the
            // first frame is a function alone.
            let fields = try numbers(line, 2)
            guard (fields.count - 2) % 3 != 2 else {
                throw malformed("`i` needs an address, a module, and frames of a function, file and line")
            }
            var frames: [(Int32, Int32, Int32)] = []
            var at = 2
            if (fields.count - 2) % 3 == 1 {
                frames.append((Int32(try index(fields[2], below: strings.count, "string")), 0, 0))
                at = 3
            }
            while at < fields.count {
                frames.append((Int32(try index(fields[at], below: strings.count, "string")),
                               Int32(try index(fields[at + 1], below: strings.count, "string")),
                               Int32(truncatingIfNeeded: fields[at + 2])))
                at += 3
            }
            instructions.append(Instruction(address: fields[0],
                                            module: Int32(try index(fields[1], below: strings.count, "string")),
                                            frames: frames))
        case UInt8(ascii: "t"):
            let fields = try numbers(line, 2)
            // A parent is always an earlier trace: the table is a tree, and walking it ends.
            traces.append((Int32(try index(fields[0], below: instructions.count, "instruction")),
                           Int32(try index(fields[1], below: traces.count, "trace"))))
        case UInt8(ascii: "a"):
            let fields = try numbers(line, 2)
            guard fields[0] <= UInt64(Int64.max / 2) else { throw malformed("allocation size \(fields[0]) is too large") }
            sizes.append(Int64(fields[0]))
            traceOfInfo.append(Int32(try index(fields[1], below: traces.count, "trace")))
            allocations.append(0)
            live.append(0)
            snapshot.append(0)
            snapshotPeak.append(-1)
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            // Most lines of a recording are these: their one number is read in place, no array per line.
            guard line.count > 2, line[1] == Bytes.space,
                  let value = Bytes.parseHex(line.baseAddress!, 2, line.count) else {
                throw malformed("`\(Character(UnicodeScalar(type)))` needs an allocation info index")
            }
            let info = try index(value, below: sizes.count, "allocation info")
            event += 1
            if snapshotPeak[info] != peakEvent {
                snapshot[info] = live[info]
                snapshotPeak[info] = peakEvent
            }
            if type == UInt8(ascii: "+") {
                allocations[info] += 1
                live[info] += 1
                liveBytes.saturatingAdd(sizes[info])
                if liveBytes > peakBytes {
                    peakBytes = liveBytes
                    peakEvent = event
                }
            } else if live[info] > 0 {
                live[info] -= 1
                liveBytes -= sizes[info]
            } else {
                untrackedFrees += 1  // memory allocated before heaptrack attached
            }
        case UInt8(ascii: "c"):
            // The largest, not the last: bytehound's export stamps a free with its block's allocation time.
            durationMilliseconds = max(durationMilliseconds, try numbers(line, 1)[0])
        case UInt8(ascii: "X"):
            comments.append("cmd: " + String(decoding: line.dropFirst(2), as: UTF8.self))
        case UInt8(ascii: "#"), UInt8(ascii: "R"), UInt8(ascii: "I"), UInt8(ascii: "A"), UInt8(ascii: "m"):
            break  // comments, RSS, system info, attached, module maps: nothing an allocation profile holds
        default:
            unknownRecords += 1
        }
    }

    /// `s STRING` (format 2) or `s LENGTH STRING` (format 3, the length in hexadecimal).
    private func string(_ line: UnsafeRawBufferPointer) throws(ProfileError) -> String {
        let text = line.dropFirst(2)
        guard formatVersion == 3 else { return String(decoding: text, as: UTF8.self) }
        guard let space = text.firstIndex(of: Bytes.space),
              let length = UnsafeRawBufferPointer(rebasing: text[..<space]).withUnsafeBytes({
                  Bytes.parseHex($0.baseAddress!, 0, $0.count)
              }) else { throw malformed("`s` needs a hexadecimal length before its string") }
        let value = text[(space + 1)...]
        return String(decoding: value.prefix(Int(min(length, UInt64(value.count)))), as: UTF8.self)
    }

    var diagnostics: [Diagnostic] {
        var result: [Diagnostic] = []
        if untrackedFrees > 0 {
            result.append(Diagnostic(kind: "frees of blocks allocated before heaptrack attached (not counted)",
                                     count: untrackedFrees, firstFile: file, firstLine: nil, example: ""))
        }
        if unknownRecords > 0 {
            result.append(Diagnostic(kind: "heaptrack records of unknown types skipped", count: unknownRecords,
                                     firstFile: file, firstLine: nil, example: ""))
        }
        return result
    }

    func finish() throws(ProfileError) -> Profile {
        guard formatVersion != nil else {
            throw ProfileError(.malformed, "no heaptrack version line (`v VERSION FORMAT`)", file: file, line: 1)
        }
        var profile = HeaptrackProfile(strings: strings, instructions: instructions, traces: traces,
                                       demangle: demangle)
        for info in sizes.indices {
            let atPeak = snapshotPeak[info] == peakEvent ? snapshot[info] : live[info]
            profile.add(trace: Int(traceOfInfo[info]), size: sizes[info], allocations: allocations[info],
                        atPeak: atPeak, atEnd: live[info])
        }
        return profile.build(comments: comments, durationNanos: Int64(clamping: durationMilliseconds) &* 1_000_000)
    }
}
