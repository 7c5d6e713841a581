#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kernel symbols from a `/proc/kallsyms` text (`address type name [module]`), for naming kernel frames the way
/// perf does: the symbol with the greatest address at or below the frame's.
struct Kallsyms {
    private var addresses: [UInt64] = []
    private var names: [String] = []

    /// Nil when the file cannot be read or lists no address (kallsyms read without privilege shows zeros).
    static func load(path: String) -> Kallsyms? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var entries: [(UInt64, String)] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard fields.count >= 3, let address = UInt64(fields[0], radix: 16), address != 0 else { continue }
            // Text symbols only (t, T, w, W): data symbols would name code after the last function before them.
            guard let type = fields[1].first, "tTwW".contains(type) else { continue }
            entries.append((address, String(fields[2])))
        }
        guard !entries.isEmpty else { return nil }
        entries.sort { $0.0 < $1.0 }
        var result = Kallsyms()
        result.addresses = entries.map(\.0)
        result.names = entries.map(\.1)
        return result
    }

    func name(at address: UInt64) -> String? {
        let low = addresses.partitionPoint { $0 <= address }
        return low > 0 ? names[low - 1] : nil
    }

    /// The running kernel's release (`uname -r`).
    static func runningRelease() -> String? {
        var info = utsname()
        guard uname(&info) == 0 else { return nil }
        return withUnsafeBytes(of: &info.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
