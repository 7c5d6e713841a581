#if canImport(Glibc)
import Glibc
#endif
import PyrometerDemangle
import PyrometerModel

/// A JIT's symbol map, `/tmp/perf-PID.map` (the perf convention, written by perf-map-agent, V8, the .NET runtime,
/// LuaJIT...): one `START SIZE NAME` line per function, hexadecimal, runtime addresses.
struct JitMap {
    private var starts: [UInt64] = []
    private var ends: [UInt64] = []
    private var names: [String] = []

    /// Whether `path` names a perf JIT map (`/tmp/perf-<digits>.map`).
    static func isJitMap(_ path: String) -> Bool { PerfMapFile.isPath(path) }

    /// Reads the map at `path` (up to `limit` bytes); nil when it cannot be read. Lines that do not parse are
    /// skipped; later entries for the same start win (JITs re-emit functions).
    static func load(path: String, limit: Int = 256 << 20) -> JitMap? {
        let fd = openRegularFile(path)
        guard fd >= 0 else { return nil }
        guard let file = fdopen(fd, "r") else {
            close(fd)
            return nil
        }
        defer { fclose(file) }
        var entries: [(start: UInt64, end: UInt64, name: String)] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        var total = 0
        defer { free(line) }
        while true {
            let length = getline(&line, &capacity, file)
            guard length > 0, let line else { break }
            total += length
            if total > limit { break }
            let text = String(cString: line)
            let fields = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count == 3, let start = UInt64(fields[0].hasPrefix("0x") ? fields[0].dropFirst(2) : fields[0], radix: 16),
                  let size = UInt64(fields[1].hasPrefix("0x") ? fields[1].dropFirst(2) : fields[1], radix: 16) else {
                continue
            }
            var name = String(fields[2])
            while name.hasSuffix("\n") || name.hasSuffix("\r") { name.removeLast() }
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

    /// The function containing runtime address `address`.
    func name(at address: UInt64) -> String? {
        let low = starts.partitionPoint { $0 <= address }
        guard low > 0, address < ends[low - 1] else { return nil }
        return names[low - 1]
    }
}
