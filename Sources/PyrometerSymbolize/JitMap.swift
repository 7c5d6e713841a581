#if canImport(Glibc)
import Glibc
#endif
import PyrometerDemangle
import PyrometerModel

/// A JIT's symbol map, `/tmp/perf-PID.map` (the perf convention, written by perf-map-agent, V8, the .NET runtime,
/// LuaJIT...): one `START SIZE NAME` line per function, hexadecimal, runtime addresses.
public struct JitMap: Sendable {
    private var starts: [UInt64] = []
    private var ends: [UInt64] = []
    private var names: [String] = []

    /// Whether `path` names a perf JIT map (`/tmp/perf-<digits>.map`).
    static func isJitMap(_ path: String) -> Bool { PerfMapFile.isPath(path) }

    /// Reads the map at `path` (up to `limit` bytes); nil when it cannot be read.
    static func load(path: String, limit: Int = 256 << 20) -> JitMap? {
        let fd = openRegularFile(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes.withUnsafeBytes { parse($0) }
    }

    /// Parses a map's text. Lines that do not parse are skipped; later entries for the same start win (JITs
    /// re-emit functions).
    public static func parse(_ text: UnsafeRawBufferPointer) -> JitMap {
        var entries: [(start: UInt64, end: UInt64, name: String)] = []
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count == 3, let start = hexadecimal(fields[0]), let size = hexadecimal(fields[1]) else {
                continue
            }
            var name = String(decoding: fields[2], as: UTF8.self)
            while name.hasSuffix("\r") { name.removeLast() }
            // perf-map-agent's Java methods (`Lpkg/Class;::method`) tidied as `perf script` text of a JVM is;
            // `;` separates frames in folded stacks.
            // V8's tiers of one JavaScript function are one function.
            name = name.hasPrefix("L") && name.contains(";::") ? ShortName.javaMethod(name)
                : ShortName.withoutV8Tier(ShortName.withoutSemicolons(name))
            entries.append((start, start &+ max(size, 1), name))
        }
        var map = JitMap()
        for entry in entries.enumerated().sorted(by: { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }) {
            if map.starts.last == entry.element.start {
                map.ends[map.ends.count - 1] = entry.element.end
                map.names[map.names.count - 1] = entry.element.name
            } else {
                map.starts.append(entry.element.start)
                map.ends.append(entry.element.end)
                map.names.append(entry.element.name)
            }
        }
        return map
    }

    /// `7f12ab`, or `0x7f12ab`, as a number; nil for anything else or more than 64 bits.
    private static func hexadecimal(_ field: Slice<UnsafeRawBufferPointer>) -> UInt64? {
        var digits = field[...]
        if digits.count > 2, digits.first == UInt8(ascii: "0"),
           digits[digits.index(after: digits.startIndex)] | 0x20 == UInt8(ascii: "x") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// The function containing runtime address `address`.
    public func name(at address: UInt64) -> String? {
        let low = starts.partitionPoint { $0 <= address }
        guard low > 0, address < ends[low - 1] else { return nil }
        return names[low - 1]
    }
}
